import { execFile } from 'node:child_process';
import { existsSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { findExecutable } from '../containerd/containerd-available';
import { buildImage, imageCacheDir, skopeoPolicyFile } from './image-builder';

const run = promisify(execFile);

/**
 * One of Logbook's images as an OCI archive named `name` (e.g. `logbook.local/pause:3.9`), built
 * (or found in the image cache) and kept beside it: what a containerd imports without a registry.
 */
export async function ensureImageArchive(image: string, name: string, log?: (line: string) => void): Promise<string> {
  const built = await buildImage(image, { ...(log ? { log } : {}) });
  const cache = imageCacheDir();
  const archive = join(cache, `${image}-${built.manifestDigest.replace(/^sha256:/, '').slice(0, 16)}-${name.replace(/[^\w.-]+/g, '_')}.tar`);
  if (existsSync(archive)) return archive;
  const skopeo = findExecutable('skopeo');
  if (!skopeo) throw new Error('skopeo not found: apt-get install -y skopeo (or run infra/scripts/ensure-deps.sh as root)');
  const partial = `${archive}.${process.pid}.partial`;
  await run(skopeo, ['copy', '--policy', skopeoPolicyFile(cache), `oci:${built.layoutDir}:${built.tag}`, `oci-archive:${partial}:${name}`]);
  renameSync(partial, archive);
  return archive;
}
