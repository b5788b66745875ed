import { promises as fs, type Stats } from 'node:fs';

export type HostPathType = '' | 'DirectoryOrCreate' | 'Directory' | 'FileOrCreate' | 'File' | 'Socket' | 'CharDevice' | 'BlockDevice';

/**
 * Checks (and for the *OrCreate types, creates) a hostPath volume's path as the kubelet does,
 * with its error wording. Paths are followed through symlinks, as kube's stat-based checks are.
 * Throws an Error whose message is kube's; the caller wraps it into a FailedMount.
 */
export async function checkHostPathType(path: string, type: string | undefined): Promise<void> {
  const st = await fs.stat(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  switch ((type ?? '') as HostPathType) {
    case '':
      return;
    case 'DirectoryOrCreate':
      if (!st) {
        await fs.mkdir(path, { recursive: true, mode: 0o755 });
        return;
      }
      return expect(st, path, (s) => s.isDirectory(), 'a directory');
    case 'Directory':
      return expect(st, path, (s) => s.isDirectory(), 'a directory');
    case 'FileOrCreate':
      if (!st) {
        // O_EXCL as kube's makeFile: a file appearing in between is kept, not truncated.
        await fs.writeFile(path, '', { flag: 'wx', mode: 0o644 }).catch((err: NodeJS.ErrnoException) => {
          if (err.code !== 'EEXIST') throw err;
        });
        return;
      }
      return expect(st, path, (s) => s.isFile(), 'a file');
    case 'File':
      return expect(st, path, (s) => s.isFile(), 'a file');
    case 'Socket':
      return expect(st, path, (s) => s.isSocket(), 'a socket file');
    case 'CharDevice':
      return expect(st, path, (s) => s.isCharacterDevice(), 'a character device');
    case 'BlockDevice':
      return expect(st, path, (s) => s.isBlockDevice(), 'a block device');
    default:
      throw new Error(`${type} is an invalid volume type`);
  }
}

function expect(st: Stats | undefined, path: string, ok: (s: Stats) => boolean, what: string): void {
  if (!st || !ok(st)) throw new Error(`hostPath type check failed: ${path} is not ${what}`);
}
