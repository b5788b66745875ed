import { createHash } from 'node:crypto';
import { join } from 'node:path';

/** sun_path holds 108 bytes with its terminating NUL. */
export const MAX_SOCKET_PATH = 107;

/** Where short sockets go when the data directory's path is too long for one. */
export const SHORT_SOCKET_ROOT = '/run/logbook';

/**
 * containerd's socket for a data directory: `<dataDir>/containerd.sock` when it and the
 * `<sock>.ttrpc` that containerd also makes fit in a unix socket path, else
 * `/run/logbook/<hash of dataDir>/containerd.sock` — the same hash every time, so that a restarted
 * agent finds the containerd it left running.
 */
export function containerdSocketPath(dataDir: string): string {
  const inside = join(dataDir, 'containerd.sock');
  if (Buffer.byteLength(`${inside}.ttrpc`) <= MAX_SOCKET_PATH) return inside;
  return join(SHORT_SOCKET_ROOT, createHash('sha256').update(dataDir).digest('hex').slice(0, 12), 'containerd.sock');
}
