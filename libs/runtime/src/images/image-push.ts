import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { findExecutable } from '../containerd/containerd-available';
import { BuiltImage, imageCacheDir, skopeoPolicyFile } from './image-builder';

const run = promisify(execFile);

export interface PushOptions {
  /** host:port of the registry, e.g. '127.0.0.1:5000'. */
  readonly registry: string;
  readonly credentials?: { readonly username: string; readonly password: string };
  /** Verify TLS (default false: Logbook's registry is plain http on loopback). */
  readonly tlsVerify?: boolean;
  /** Push under these names (repository:tag) instead of the image's reference and aliases. */
  readonly names?: readonly string[];
  readonly log?: (line: string) => void;
}

/** Pushes a built image to a registry with skopeo, under its reference and aliases; returns the full references pushed. */
export async function pushImage(image: BuiltImage, o: PushOptions): Promise<string[]> {
  const skopeo = findExecutable('skopeo');
  if (!skopeo) throw new Error('skopeo not found: apt-get install -y skopeo (or run infra/scripts/ensure-deps.sh as root)');
  const names = o.names ?? [image.reference, ...image.aliases];
  const pushed: string[] = [];
  for (const name of names) {
    const dest = `${o.registry}/${name}`;
    const args = ['copy', '--policy', skopeoPolicyFile(imageCacheDir()), `--dest-tls-verify=${o.tlsVerify ?? false}`];
    if (o.credentials) args.push('--dest-creds', `${o.credentials.username}:${o.credentials.password}`);
    args.push(`oci:${image.layoutDir}:${image.tag}`, `docker://${dest}`);
    o.log?.(`push ${image.reference} → ${dest}`);
    try {
      await run(skopeo, args, { maxBuffer: 16 * 1024 * 1024 });
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      const msg = (e.stderr?.trim() || e.message).split('\n').slice(-3).join(' ');
      const hint = /unauthorized|authentication required|401/i.test(msg) ? ' (the registry wants credentials: --username/--password)' : /connection refused|no such host/i.test(msg) ? ' (is the registry running?)' : '';
      throw new Error(`pushing ${image.reference} to ${dest} failed: ${msg}${hint}`, { cause: err });
    }
    pushed.push(dest);
  }
  return pushed;
}
