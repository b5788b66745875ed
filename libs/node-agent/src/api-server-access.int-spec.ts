import { createServer } from 'node:net';
import { ApiServerRelay, directApiServerAccess, podGateway } from './api-server-access';

describe('podGateway', () => {
  it.each([
    ['10.244.3.0/24', '10.244.3.1'],
    ['10.97.0.0/16', '10.97.0.1'],
    ['10.1.255.0/24', '10.1.255.1'],
  ])('%s → %s', (cidr, gw) => expect(podGateway(cidr)).toBe(gw));
});

describe('directApiServerAccess', () => {
  it("names the API server's own host and port", async () => {
    expect(await directApiServerAccess('https://127.0.0.1:6443').endpoint()).toEqual({ host: '127.0.0.1', port: 6443, address: '127.0.0.1' });
  });
});

describe('ApiServerRelay', () => {
  // 127.0.0.0/24 stands in for a pod network: its "gateway" 127.0.0.1 is always up.
  it('relays bytes both ways to the API server, and stops listening when closed', async () => {
    const upstream = createServer((s) => s.on('data', (d) => s.write(`echo:${d}`)));
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    const port = (upstream.address() as { port: number }).port;
    const relay = new ApiServerRelay(`https://127.0.0.1:${port}`, 0);
    try {
      expect(relay.hostAliases()).toEqual([]);
      relay.configure('127.0.0.0/24');
      const ep = await relay.endpoint();
      expect(ep).toMatchObject({ host: 'kubernetes.default.svc', address: '127.0.0.1' });
      expect(relay.hostAliases()).toEqual([{ ip: '127.0.0.1', hostnames: ['kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local'] }]);
      const { connect } = await import('node:net');
      const answer = await new Promise<string>((resolve, reject) => {
        const s = connect(ep.port, ep.address, () => s.write('ping'));
        s.on('data', (d) => {
          resolve(String(d));
          s.destroy();
        });
        s.on('error', reject);
      });
      expect(answer).toBe('echo:ping');
      await relay.close();
      await expect(
        new Promise((resolve, reject) => {
          const s = connect(ep.port, ep.address, () => resolve('connected'));
          s.on('error', reject);
        }),
      ).rejects.toThrow(/ECONNREFUSED/);
    } finally {
      await relay.close();
      await new Promise((r) => upstream.close(r));
    }
  });

  it('fails to give an endpoint before the pod network is configured', async () => {
    await expect(new ApiServerRelay('https://127.0.0.1:6443').endpoint()).rejects.toThrow('the pod network is not configured yet');
  });
});
