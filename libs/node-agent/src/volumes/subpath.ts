import { constants, promises as fs } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { isWithin, validateSubPath } from './paths';
import { VolumeError } from './volume-error';
import { bindMount, isMountPoint } from './mountinfo';

/** Linux's O_PATH (Node does not export it): an fd naming a file without opening it (no FIFO blocking, no read access needed). */
const O_PATH = 0o10000000;

export interface SubPathRequest {
  /** The volume's host directory. */
  readonly volumePath: string;
  readonly subPath: string;
  /** Where the checked subpath is bind-mounted for the runtime (under the pod's volume-subpaths). */
  readonly target: string;
}

/**
 * A volumeMount's subPath made safe to hand to the runtime, as the kubelet does it: created
 * as a directory when missing, resolved through symlinks (a configMap key is one), refused
 * when it resolves outside the volume, then opened component by component without following
 * symlinks and bind-mounted from that open fd onto `target`. A container that swaps a path
 * component for a symlink to `/` after the check (CVE-2017-1002101) then gets nothing: the
 * mount pins what was checked. Returns the path to mount into the container.
 *
 * As in Kubernetes, the bind pins one version of a configMap or secret file: subPath mounts
 * do not see in-place updates (here not even after a container restart: the bind lives as
 * long as the pod).
 */
export async function bindSubPath(req: SubPathRequest): Promise<string> {
  const sub = validateSubPath(req.subPath);
  // Bound once for the pod's life: set-up runs on every sync, and re-binding under a running
  // container would change what it sees.
  if (await isMountPoint(req.target)) return req.target;
  const base = await fs.realpath(req.volumePath);
  const real = await ensureWithin(base, join(base, sub), req.subPath);
  const fd = await openNoFollow(base, relative(base, real), req.subPath);
  try {
    const st = await fd.stat();
    await fs.mkdir(dirname(req.target), { recursive: true, mode: 0o750 });
    if (st.isDirectory()) await fs.mkdir(req.target, { recursive: true, mode: 0o750 });
    else await fs.writeFile(req.target, '', { flag: 'a', mode: 0o640 });
    try {
      await bindMount(`/proc/${process.pid}/fd/${fd.fd}`, req.target);
    } catch (err) {
      // Without root there are no mount namespaces either (the process runtime): the checked path is all we can give.
      if (process.getuid?.() !== 0) return real;
      throw err;
    }
    return req.target;
  } finally {
    await fd.close();
  }
}

/** The subpath's real location, creating missing directories one level at a time, each checked to stay inside `base`. */
async function ensureWithin(base: string, path: string, subPath: string): Promise<string> {
  const outside = (p: string) => new VolumeError('CreateContainerConfigError', `subpath "${p}" not within volume path "${base}"`);
  const real = await fs.realpath(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
    return undefined;
  });
  if (real) {
    if (!isWithin(base, real)) throw outside(real);
    return real;
  }
  const parent = await ensureWithin(base, dirname(path), subPath);
  const mode = (await fs.stat(base)).mode & 0o7777;
  // Made through an fd of the checked parent: a parent swapped for a symlink meanwhile cannot redirect it.
  const dir = await openNoFollow(base, relative(base, parent), subPath);
  const child = `/proc/self/fd/${dir.fd}/${basename(path)}`;
  try {
    const made = await fs.mkdir(child, { mode }).then(
      () => true,
      (err: NodeJS.ErrnoException) => {
        if (err.code === 'EEXIST') return false;
        throw new VolumeError('CreateContainerConfigError', `unable to provision SubPath \`${subPath}\`: ${err.message}`);
      },
    );
    if (made) {
      // chmod through a no-follow fd (the umask must not decide the mode; a symlink must not be followed).
      const fd = await fs.open(child, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
      await fd.chmod(mode).finally(() => fd.close());
    }
  } finally {
    await dir.close();
  }
  const made = await fs.realpath(join(parent, basename(path)));
  if (!isWithin(base, made)) throw outside(made);
  return made;
}

/** Opens `base/rel` one component at a time with O_NOFOLLOW: fails when any component is (now) a symlink. */
async function openNoFollow(base: string, rel: string, subPath: string): Promise<fs.FileHandle> {
  let fd = await fs.open(base, O_PATH | constants.O_NOFOLLOW | constants.O_DIRECTORY);
  for (const part of rel ? rel.split('/') : []) {
    const next = await fs.open(`/proc/self/fd/${fd.fd}/${part}`, O_PATH | constants.O_NOFOLLOW).finally(() => fd.close());
    fd = next;
    if ((await fd.stat()).isSymbolicLink()) {
      await fd.close();
      throw new VolumeError('CreateContainerConfigError', `unable to provision SubPath \`${subPath}\`: ${part} changed into a symlink while being checked`);
    }
  }
  return fd;
}
