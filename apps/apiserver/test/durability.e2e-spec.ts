import { eventually, makeTmpDir, startLogbook, type LogbookProcess } from '@logbook/testing';
import { call } from './api-client.test-kit';

const hashOf = async (url: string, token: string) => (await call(url, 'GET', '/apis/logbook.io/v1/hash', { token })).body;

/** Restarts from snapshot + tail give the same state; SIGKILL loses no acknowledged write. */
describe('durability of logbook up', () => {
  it('brings every object back identical after a restart (snapshot + tail)', async () => {
    const dir = makeTmpDir();
    let cluster: LogbookProcess | undefined;
    try {
      // Snapshot every 25 events, so the restart reads a snapshot and then a tail.
      cluster = await startLogbook(dir.path, ['--snapshot-every', '25', '--no-controllers']);
      for (let i = 0; i < 60; i++) {
        const res = await call(cluster.url, 'POST', '/api/v1/namespaces/default/configmaps', {
          token: cluster.adminToken,
          contentType: 'application/json',
          body: JSON.stringify({ metadata: { name: `cm-${i}`, labels: { batch: String(i % 3) } }, data: { i: String(i) } }),
        });
        expect(res.status).toBe(201);
      }
      const before = await hashOf(cluster.url, cluster.adminToken);
      expect(before.objects).toBeGreaterThanOrEqual(64);
      const stopped = cluster;
      cluster = undefined;
      expect(await stopped.stop('SIGTERM')).toBe(0);

      // The same port: the `kubernetes` Service's Endpoints name where the API server listens, and
      // a server that comes back elsewhere rightly rewrites them.
      const port = new URL(stopped.url).port;
      cluster = await startLogbook(dir.path, ['--snapshot-every', '25', '--no-controllers', '--port', port]);
      const after = await hashOf(cluster.url, cluster.adminToken);
      expect(after).toEqual(before);
      const list = await call(cluster.url, 'GET', '/api/v1/namespaces/default/configmaps?labelSelector=batch%3D1', { token: cluster.adminToken });
      expect(list.body.items).toHaveLength(20);
    } finally {
      // Stopped whatever failed: a failed expectation must not leave a logbook up running.
      await cluster?.stop();
      dir.remove();
    }
  });

  it('loses no acknowledged write when killed with SIGKILL in the middle of a write burst', async () => {
    const dir = makeTmpDir();
    try {
      const cluster = await startLogbook(dir.path, ['--no-controllers']);
      const acknowledged: string[] = [];
      let stop = false;
      const writer = async (w: number) => {
        for (let i = 0; !stop; i++) {
          const name = `w${w}-${i}`;
          try {
            const res = await call(cluster.url, 'POST', '/api/v1/namespaces/default/configmaps', {
              token: cluster.adminToken,
              contentType: 'application/json',
              body: JSON.stringify({ metadata: { name }, data: { w: String(w) } }),
            });
            if (res.status === 201) acknowledged.push(name);
          } catch {
            return; // the server died mid-request: that write was never acknowledged
          }
        }
      };
      const writers = Array.from({ length: 8 }, (_, w) => writer(w));
      await eventually(() => acknowledged.length >= 150, { timeoutMs: 30_000, what: '150 acknowledged writes' });
      cluster.proc.kill('SIGKILL');
      stop = true;
      await Promise.all(writers);
      await cluster.stop();

      const restarted = await startLogbook(dir.path, ['--no-controllers']);
      const list = await call(restarted.url, 'GET', '/api/v1/namespaces/default/configmaps', { token: restarted.adminToken });
      const present = new Set(list.body.items.map((o: any) => o.metadata.name));
      const lost = acknowledged.filter((n) => !present.has(n));
      expect(acknowledged.length).toBeGreaterThanOrEqual(150);
      expect(lost).toEqual([]);
      await restarted.stop();
    } finally {
      dir.remove();
    }
  });
});
