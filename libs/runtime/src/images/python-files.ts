import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, lstatSync, mkdirSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { sharedLibraries } from './rootfs';

/** Debian's python3 and the standard library it loads. */
export const PYTHON_BINARY = '/usr/bin/python3';
const STDLIB = '/usr/lib/python3.11';
const DIST_PACKAGES = '/usr/lib/python3/dist-packages/';

/** Parts of the standard library no in-cluster client needs (tests, GUIs, installers, build config). */
const STDLIB_LEFT_OUT = new Set(['test', 'idlelib', 'tkinter', 'turtledemo', 'lib2to3', 'ensurepip', 'pydoc_data', 'distutils', 'site-packages', 'dist-packages']);

const INSTALL_HINT = 'apt-get install -y python3-kubernetes (or run infra/scripts/ensure-deps.sh as root)';

function dpkg(args: string[]): string {
  return execFileSync('dpkg-query', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
}

function installed(pkg: string): boolean {
  try {
    return dpkg(['-W', '-f=${db:Status-Status}', pkg]).trim() === 'installed';
  } catch {
    return false;
  }
}

/**
 * `root` and the Debian python3-* packages it depends on, recursively (the interpreter and its
 * standard library are taken from the file system, not followed here). For `a | b`, the first
 * installed alternative.
 */
export function pythonPackageClosure(root: string): string[] {
  if (!installed(root)) throw new Error(`${root} is not installed: ${INSTALL_HINT}`);
  const seen = new Set<string>();
  const visit = (pkg: string) => {
    if (seen.has(pkg)) return;
    seen.add(pkg);
    const depends = dpkg(['-W', '-f=${Depends},${Pre-Depends}', pkg]);
    for (const clause of depends.split(',')) {
      const names = clause.split('|').map((alt) => alt.trim().split(/[\s:(]/)[0]).filter(Boolean);
      const chosen = names.find(installed);
      if (chosen && /^python3-/.test(chosen) && !/^python3-(minimal|distutils|lib2to3)$/.test(chosen)) visit(chosen);
    }
  };
  visit(root);
  return [...seen].sort();
}

/** The files a package installed under dist-packages. */
function distPackageFiles(pkg: string): string[] {
  return dpkg(['-L', pkg])
    .split('\n')
    .filter((f) => f.startsWith(DIST_PACKAGES) && !f.includes('/__pycache__/') && existsSync(f) && statSync(f).isFile());
}

/** What keys the image's cache: the interpreter and the packages' checksums (they change with any upgrade). */
export function pythonInputs(packages: readonly string[]): string[] {
  const md5sums = packages.map((p) => `/var/lib/dpkg/info/${p}.md5sums`).filter(existsSync);
  return [realpathSync(PYTHON_BINARY), ...sharedLibraries(PYTHON_BINARY), ...md5sums];
}

/**
 * Debian's python3 into `root`: the interpreter with its shared libraries, the standard library
 * (less the parts in STDLIB_LEFT_OUT) with the extension modules' libraries, and every
 * dist-packages file of `packages`.
 */
export function addPython(root: string, packages: readonly string[]): void {
  if (!existsSync(PYTHON_BINARY) || !existsSync(STDLIB)) throw new Error(`${PYTHON_BINARY} (Debian's python3.11) not found: ${INSTALL_HINT}`);
  addFileWithLibraries(root, realpathSync(PYTHON_BINARY), 'usr/bin/python3.11');
  const copyTree = (dir: string) => {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      if ((dir === STDLIB && STDLIB_LEFT_OUT.has(entry)) || entry === '__pycache__') continue;
      const st = lstatSync(path);
      if (st.isDirectory()) copyTree(path);
      else if (st.isFile()) (entry.endsWith('.so') ? addFileWithLibraries : addFile)(root, path, path.slice(1));
      // Symlinks (sitecustomize.py → /etc) point outside the image: left out.
    }
  };
  copyTree(STDLIB);
  for (const pkg of packages) for (const file of distPackageFiles(pkg)) (file.endsWith('.so') ? addFileWithLibraries : addFile)(root, file, file.slice(1));
  compileBytecode(root);
}

/**
 * Byte-code compiled anew inside the image: the builder gives every file the same fixed time,
 * which would make Debian's timestamp-checked .pyc files stale (recompiled at every start).
 * Unchecked-hash .pyc files are used as they are, and a fixed hash seed keeps them reproducible.
 */
function compileBytecode(root: string): void {
  const dirs = [STDLIB, DIST_PACKAGES].map((d) => join(root, d)).filter(existsSync);
  execFileSync(realpathSync(PYTHON_BINARY), ['-m', 'compileall', '-q', '-j', '0', '--invalidation-mode', 'unchecked-hash', '-s', root, '-p', '/', ...dirs], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', PYTHONHASHSEED: '0' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
}

function addFile(root: string, source: string, target: string): void {
  const dest = join(root, target);
  mkdirSync(dirname(dest), { recursive: true });
  copyFileSync(source, dest);
}

/** A binary or extension module with the libraries ldd finds for it (the node recipe's way). */
function addFileWithLibraries(root: string, source: string, target: string): void {
  addFile(root, source, target);
  chmodSync(join(root, target), 0o755);
  let libs: string[];
  try {
    libs = sharedLibraries(source);
  } catch {
    return; // not dynamically linked
  }
  for (const lib of libs) {
    const dest = join(root, lib);
    if (existsSync(dest)) continue;
    mkdirSync(dirname(dest), { recursive: true });
    copyFileSync(realpathSync(lib), dest);
    chmodSync(dest, 0o755);
  }
}
