import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, existsSync, lutimesSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { findExecutable } from '../containerd/containerd-available';
import { IMAGE_RECIPES, ImageRecipe, recipeFor } from './image-recipes';

const run = promisify(execFile);

/** Bump whenever what a recipe (or rootfs.ts) puts into an image changes: it keys the cache. */
const BUILD_FORMAT = 'logbook-image-v1';
// Fixed times for every file and for the image config: the same inputs give the same layers.
const EPOCH = '1970-01-01T00:00:00Z';

export interface BuiltImage {
  readonly name: string; // recipe name: 'busybox'
  readonly reference: string; // 'logbook/busybox:1.35'
  readonly repository: string;
  readonly tag: string;
  readonly aliases: readonly string[];
  /** The OCI image layout holding it (tag = `tag`). */
  readonly layoutDir: string;
  /** The image manifest's digest. */
  readonly manifestDigest: string;
  /** True when it came from the cache. */
  readonly cached: boolean;
}

export interface BuildOptions {
  /** Default: $LOGBOOK_IMAGE_CACHE, else ~/.cache/logbook/images. */
  readonly cacheDir?: string;
  readonly log?: (line: string) => void;
}

export function imageCacheDir(): string {
  return process.env.LOGBOOK_IMAGE_CACHE || join(homedir(), '.cache', 'logbook', 'images');
}

/** Builds Logbook's image `name` (busybox, node, python, pause) as an OCI layout, or finds it in the cache. */
export async function buildImage(name: string, o: BuildOptions = {}): Promise<BuiltImage> {
  const recipe = recipeFor(name);
  const log = o.log ?? (() => undefined);
  const cache = o.cacheDir ?? imageCacheDir();
  const key = await cacheKey(recipe);
  const dir = join(cache, `${recipe.name}-${recipe.tag}-${key.slice(0, 16)}`);
  if (existsSync(join(dir, 'index.json'))) {
    log(`image ${recipe.repository}:${recipe.tag}: cached (${dir})`);
    return built(recipe, dir, true);
  }
  const umoci = findExecutable('umoci');
  if (!umoci) throw new Error('umoci not found: apt-get install -y umoci (or run infra/scripts/ensure-deps.sh as root)');
  mkdirSync(cache, { recursive: true });
  const work = join(cache, `.build-${recipe.name}-${randomBytes(4).toString('hex')}`);
  try {
    const rootfs = join(work, 'rootfs');
    const layout = join(work, 'layout');
    mkdirSync(rootfs, { recursive: true });
    log(`image ${recipe.repository}:${recipe.tag}: assembling the root filesystem`);
    recipe.populate(rootfs);
    pinTimes(rootfs);
    const image = `${layout}:${recipe.tag}`;
    log(`image ${recipe.repository}:${recipe.tag}: writing the OCI layout with umoci`);
    await run(umoci, ['init', '--layout', layout]);
    await run(umoci, ['new', '--image', image]);
    await run(umoci, ['insert', '--image', image, '--history.created', EPOCH, '--history.created_by', `logbook image build ${recipe.name}`, rootfs, '/'], { maxBuffer: 64 * 1024 * 1024 });
    const config = ['config', '--image', image, '--created', EPOCH, '--history.created', EPOCH, '--history.created_by', 'logbook image config', '--os', 'linux'];
    for (const e of recipe.env) config.push('--config.env', e);
    for (const a of recipe.entrypoint ?? []) config.push('--config.entrypoint', a);
    for (const a of recipe.cmd ?? []) config.push('--config.cmd', a);
    config.push('--config.workingdir', '/');
    await run(umoci, config);
    await run(umoci, ['gc', '--layout', layout]);
    try {
      renameSync(layout, dir);
    } catch (err) {
      // Another process (a parallel jest worker) built the same image first: use theirs.
      if (!existsSync(join(dir, 'index.json'))) throw err;
    }
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`building image ${recipe.repository}:${recipe.tag} failed: ${e.stderr?.trim() || e.message}`, { cause: err });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  log(`image ${recipe.repository}:${recipe.tag}: built (${dir})`);
  return built(recipe, dir, false);
}

/** Every image Logbook builds. */
export async function buildAllImages(o: BuildOptions = {}): Promise<BuiltImage[]> {
  const out: BuiltImage[] = [];
  for (const r of IMAGE_RECIPES) {
    const missing = r.unavailable?.();
    if (missing) {
      (o.log ?? (() => undefined))(`image ${r.repository}:${r.tag}: not built (${missing})`);
      continue;
    }
    out.push(await buildImage(r.name, o));
  }
  return out;
}

function built(recipe: ImageRecipe, dir: string, cached: boolean): BuiltImage {
  const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as { manifests: { digest: string; annotations?: Record<string, string> }[] };
  const m = index.manifests.find((x) => x.annotations?.['org.opencontainers.image.ref.name'] === recipe.tag) ?? index.manifests[0];
  return {
    name: recipe.name,
    reference: `${recipe.repository}:${recipe.tag}`,
    repository: recipe.repository,
    tag: recipe.tag,
    aliases: recipe.aliases,
    layoutDir: dir,
    manifestDigest: m.digest,
    cached,
  };
}

const fileHashes = new Map<string, Promise<string>>();

async function cacheKey(recipe: ImageRecipe): Promise<string> {
  const h = createHash('sha256');
  // Not the recipe's code: jest and tsc compile it to different text, and the CLI and the tests
  // must share one cache. A change of what a recipe writes bumps BUILD_FORMAT instead.
  h.update(JSON.stringify({ BUILD_FORMAT, name: recipe.name, repository: recipe.repository, tag: recipe.tag, entrypoint: recipe.entrypoint, cmd: recipe.cmd, env: recipe.env }));
  for (const input of recipe.inputs()) {
    if (!fileHashes.has(input)) fileHashes.set(input, hashFile(input));
    h.update(`${input}\0${await fileHashes.get(input)}\0`);
  }
  return h.digest('hex');
}

function hashFile(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(path)
      .on('data', (c) => h.update(c))
      .on('error', reject)
      .on('end', () => resolve(h.digest('hex')));
  });
}

function pinTimes(dir: string): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) pinTimes(p);
    lutimesSync(p, 0, 0);
  }
  lutimesSync(dir, 0, 0);
}

/** skopeo's signature policy for copying our own images: accept them as they are. */
export function skopeoPolicyFile(cacheDir = imageCacheDir()): string {
  const path = join(cacheDir, 'skopeo-policy.json');
  if (!existsSync(path)) {
    mkdirSync(cacheDir, { recursive: true });
    writeFileSync(path, JSON.stringify({ default: [{ type: 'insecureAcceptAnything' }] }) + '\n');
  }
  return path;
}
