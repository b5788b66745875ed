import pino from 'pino';
import { makeTmpDir } from '@logbook/testing';
import { startStandaloneApiServer } from './api-server';

/** kube-apiserver's master endpoints reconciler: the `kubernetes` Service follows where the API server listens. */
describe('the kubernetes Service at API server start', () => {
  const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'warn' });

  it('is created with its Endpoints and EndpointSlice, left alone on an unchanged restart and moved with the port', async () => {
    const dir = makeTmpDir();
    try {
      const first = await startStandaloneApiServer({ dataDir: dir.path, port: 0, logger: log, controlPlaneTokens: false });
      const port = Number(new URL(first.url).port);
      const state = first.projector.state;
      expect(state.get('Service', 'default', 'kubernetes')).toMatchObject({
        metadata: { labels: { component: 'apiserver', provider: 'kubernetes' } },
        spec: { type: 'ClusterIP', clusterIP: '127.96.0.1', ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: port }] },
      });
      expect(state.get('Endpoints', 'default', 'kubernetes')).toMatchObject({ subsets: [{ addresses: [{ ip: '127.0.0.1' }], ports: [{ name: 'https', port, protocol: 'TCP' }] }] });
      expect(state.get('EndpointSlice', 'default', 'kubernetes')).toMatchObject({
        metadata: { labels: { 'kubernetes.io/service-name': 'kubernetes' } },
        addressType: 'IPv4',
        endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: true } }],
        ports: [{ name: 'https', port, protocol: 'TCP' }],
      });
      const position = state.position;
      await first.close();

      const same = await startStandaloneApiServer({ dataDir: dir.path, port, logger: log, controlPlaneTokens: false });
      expect(same.projector.state.position).toBe(position);
      await same.close();

      const moved = await startStandaloneApiServer({ dataDir: dir.path, port: 0, logger: log, controlPlaneTokens: false });
      const newPort = Number(new URL(moved.url).port);
      const after = moved.projector.state;
      expect(after.get('Service', 'default', 'kubernetes')?.spec).toMatchObject({ clusterIP: '127.96.0.1', ports: [{ port: 443, targetPort: newPort }] });
      expect((after.get('Endpoints', 'default', 'kubernetes') as any).subsets[0].ports[0].port).toBe(newPort);
      expect((after.get('EndpointSlice', 'default', 'kubernetes') as any).ports[0].port).toBe(newPort);
      expect(after.position).toBe(position + 3);
      await moved.close();
    } finally {
      dir.remove();
    }
  }, 60_000);
});
