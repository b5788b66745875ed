import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Binds `server` (HTTP or HTTPS) and resolves with the port it got (0 picks a free one); rejects with the bind error. */
export function listenOn(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Stops accepting and ends every connection, keep-alive ones included; resolves once closed. */
export function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}
