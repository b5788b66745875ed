import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { HttpClusterClient } from './http-cluster-client';

/**
 * A keep-alive socket the server closes just as the client reuses it: the request is sent again
 * on a new socket. The server here resets every connection on its second request, which is what
 * that race looks like from the client.
 */
describe('HttpClusterClient on a server that drops reused connections', () => {
  let server: Server;
  const requestsPerSocket = new Map<Socket, number>();
  let connections = 0;

  beforeAll(async () => {
    server = createServer((req, res) => {
      const n = (requestsPerSocket.get(req.socket) ?? 0) + 1;
      requestsPerSocket.set(req.socket, n);
      if (n > 1) return req.socket.destroy();
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMapList', metadata: {}, items: [] }));
    });
    server.on('connection', () => connections++);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('retries a request whose reused socket was reset, on a new socket, once', async () => {
    const client = new HttpClusterClient({ server: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
    try {
      for (let i = 0; i < 5; i++) expect((await client.listObjects('ConfigMap', { namespace: 'default' })).items).toEqual([]);
      // The first request opened a socket; each later one found it reset and opened a new one.
      expect(connections).toBe(5);
    } finally {
      client.close();
    }
  });
});
