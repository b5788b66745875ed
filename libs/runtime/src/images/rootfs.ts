import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Building blocks of the root filesystems of Logbook's own images, from files of this machine. */

export const BUSYBOX = '/usr/bin/busybox';

/** busybox-static as /bin/busybox, with a symlink for each applet (or only `applets`). */
export function addBusybox(root: string, applets?: readonly string[]): void {
  if (!existsSync(BUSYBOX)) throw new Error(`${BUSYBOX} not found: apt-get install -y busybox-static`);
  if (sharedLibrariesOrNone(BUSYBOX).length > 0) throw new Error(`${BUSYBOX} is not statically linked (the busybox package?): apt-get install -y busybox-static`);
  mkdirSync(join(root, 'bin'), { recursive: true });
  copyFileSync(BUSYBOX, join(root, 'bin', 'busybox'));
  chmodSync(join(root, 'bin', 'busybox'), 0o755);
  const all = execFileSync(BUSYBOX, ['--list-full'], { encoding: 'utf8' }).split('\n').filter(Boolean);
  const wanted = applets ? all.filter((p) => applets.includes(p.split('/').pop()!)) : all;
  for (const rel of wanted) {
    const link = join(root, rel);
    if (existsSync(link)) continue;
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync('/bin/busybox', link);
  }
}

/** /etc/passwd and /etc/group with root and nobody (65534), /tmp, /root. */
export function addBaseFiles(root: string): void {
  for (const d of ['etc', 'root', 'tmp', 'proc', 'sys', 'dev', 'var/tmp']) mkdirSync(join(root, d), { recursive: true });
  chmodSync(join(root, 'tmp'), 0o1777);
  chmodSync(join(root, 'var/tmp'), 0o1777);
  chmodSync(join(root, 'root'), 0o700);
  writeFileSync(join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n');
  writeFileSync(join(root, 'etc/group'), 'root:x:0:\nnobody:x:65534:\n');
}

/** The dynamic libraries and the loader that `ldd` lists for a binary. */
export function sharedLibraries(binary: string): string[] {
  const out = execFileSync('ldd', [binary], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const libs: string[] = [];
  for (const line of out.split('\n')) {
    const m = /=>\s*(\/\S+)/.exec(line) ?? /^\s*(\/\S+)\s+\(/.exec(line);
    if (m) libs.push(m[1]);
  }
  return libs;
}

function sharedLibrariesOrNone(binary: string): string[] {
  try {
    return sharedLibraries(binary);
  } catch {
    return []; // ldd exits 1 on "not a dynamic executable"
  }
}

/** Copies `binary` to `target` in the rootfs, with the libraries it needs at the paths the loader expects. */
export function addDynamicBinary(root: string, binary: string, target: string): void {
  const real = realpathSync(binary);
  mkdirSync(dirname(join(root, target)), { recursive: true });
  copyFileSync(real, join(root, target));
  chmodSync(join(root, target), 0o755);
  for (const lib of sharedLibraries(real)) {
    // The loader looks for the names ldd printed; copy the files they resolve to under those names.
    const dest = join(root, lib);
    mkdirSync(dirname(dest), { recursive: true });
    copyFileSync(realpathSync(lib), dest);
    chmodSync(dest, 0o755);
  }
}
