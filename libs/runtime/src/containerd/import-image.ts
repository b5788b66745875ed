import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { findExecutable } from './containerd-available';

const run = promisify(execFile);

/** containerd's CRI plugin keeps Kubernetes' images in this containerd namespace. */
const CRI_NAMESPACE = 'k8s.io';

/**
 * Loads an OCI archive (`skopeo copy … oci-archive:<file>:<name>`) into a containerd's image
 * store under the name the archive carries, so CRI finds it without a registry (the pause
 * image of every sandbox arrives this way). Uses `ctr`, which ships with containerd.
 */
export async function importOciArchive(socketPath: string, archive: string): Promise<void> {
  const ctr = findExecutable('ctr');
  if (!ctr) throw new Error('ctr not found (it ships with containerd): apt-get install -y containerd');
  try {
    await run(ctr, ['--address', socketPath, '--namespace', CRI_NAMESPACE, 'images', 'import', archive], { timeout: 120_000 });
  } catch (err) {
    throw new Error(`could not import ${archive} into containerd: ${(err as { stderr?: string }).stderr?.trim() || (err as Error).message}`, { cause: err });
  }
}
