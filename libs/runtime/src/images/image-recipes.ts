import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BUSYBOX, addBaseFiles, addBusybox, addDynamicBinary, sharedLibraries } from './rootfs';
import { addPython, pythonInputs, pythonPackageClosure } from './python-files';

/**
 * An image Logbook builds from files of this machine, without a container engine. Changing what a
 * recipe writes needs a new BUILD_FORMAT in image-builder.ts, or the cache keeps the old image.
 */
export interface ImageRecipe {
  /** Short name used by `logbook image build <name>`. */
  readonly name: string;
  readonly repository: string; // e.g. 'logbook/busybox'
  readonly tag: string;
  /** Other names it is pushed under too (repository:tag). */
  readonly aliases: readonly string[];
  readonly entrypoint?: readonly string[];
  readonly cmd?: readonly string[];
  readonly env: readonly string[];
  /** Files whose content makes the image: they, with this recipe, key the cache. */
  inputs(): string[];
  populate(root: string): void;
  /** Why this machine cannot build it (a package missing), for images not every cluster needs; undefined: it can. */
  unavailable?(): string | undefined;
}

const PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

// PID 1 of every pod sandbox: holds the pod's namespaces and ends at once on TERM or INT.
const PAUSE_SCRIPT = `#!/bin/sh
trap 'exit 0' TERM INT
while :; do
  sleep 86400 &
  wait $!
done
`;

/** The Node.js 24 that Logbook runs on: the project's own from node_modules, else this process's. */
export function nodeBinary(): string {
  // From the source tree (libs/runtime/src/images) or the build (dist/libs/runtime/src/images).
  const candidates = [resolve(__dirname, '../../../../node_modules/.bin/node'), resolve(__dirname, '../../../../../node_modules/.bin/node'), process.execPath];
  return candidates.find((c) => existsSync(c))!;
}

const PYTHON_CLIENT_PACKAGE = 'python3-kubernetes';

export const IMAGE_RECIPES: readonly ImageRecipe[] = [
  {
    name: 'busybox',
    repository: 'logbook/busybox',
    tag: '1.35',
    aliases: ['library/busybox:latest', 'library/busybox:1.35'],
    cmd: ['sh'],
    env: [PATH],
    inputs: () => [BUSYBOX],
    populate(root) {
      addBaseFiles(root);
      addBusybox(root);
      mkdirSync(join(root, 'var/www'), { recursive: true });
      writeFileSync(join(root, 'var/www/index.html'), '<html><body>logbook busybox</body></html>\n');
    },
  },
  {
    name: 'node',
    repository: 'logbook/node',
    tag: '24',
    aliases: [],
    cmd: ['node'],
    env: [PATH],
    inputs: () => {
      const node = nodeBinary();
      return [BUSYBOX, node, ...sharedLibraries(node)];
    },
    populate(root) {
      addBaseFiles(root);
      addBusybox(root);
      addDynamicBinary(root, nodeBinary(), 'usr/local/bin/node');
    },
  },
  {
    // Debian's python3 with the official Kubernetes client (python3-kubernetes): in-cluster clients.
    name: 'python',
    repository: 'logbook/python',
    tag: '3.11',
    aliases: [],
    cmd: ['python3'],
    env: [PATH, 'PYTHONDONTWRITEBYTECODE=1'],
    inputs: () => [BUSYBOX, ...pythonInputs(pythonPackageClosure(PYTHON_CLIENT_PACKAGE))],
    populate(root) {
      addBaseFiles(root);
      addBusybox(root);
      addPython(root, pythonPackageClosure(PYTHON_CLIENT_PACKAGE));
      symlinkSync('python3.11', join(root, 'usr/bin/python3'));
    },
    unavailable: () => {
      try {
        pythonPackageClosure(PYTHON_CLIENT_PACKAGE);
        return undefined;
      } catch (err) {
        return (err as Error).message;
      }
    },
  },
  {
    name: 'pause',
    repository: 'logbook/pause',
    tag: '3.9',
    aliases: [],
    entrypoint: ['/pause'],
    env: [PATH],
    inputs: () => [BUSYBOX],
    populate(root) {
      addBaseFiles(root);
      addBusybox(root, ['sh', 'sleep']);
      writeFileSync(join(root, 'pause'), PAUSE_SCRIPT, { mode: 0o755 });
    },
  },
];

export function recipeFor(name: string): ImageRecipe {
  const r = IMAGE_RECIPES.find((i) => i.name === name || `${i.repository}:${i.tag}` === name || i.repository === name);
  if (!r) throw new Error(`unknown image "${name}": Logbook builds ${IMAGE_RECIPES.map((i) => i.name).join(', ')}`);
  return r;
}
