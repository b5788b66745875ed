import { join } from 'node:path';
import pino from 'pino';
import { HttpClusterClient } from '@logbook/client';
import { EventBroadcaster } from '@logbook/components';
import { eventually, makeTmpDir, randomName } from '@logbook/testing';
import { startStandaloneApiServer, type StandaloneApiServer } from '../api-server';
import { ensureUserToken } from '../distributed-tokens';

/**
 * The recorder of a component in its own process (distributed mode): Events go over HTTPS as
 * the component's identity, a repeat is a PUT that counts the existing Event up, and the cause
 * travels in the headers into the log.
 */
describe('Kubernetes Events recorded over HTTPS', () => {
  const tmp = makeTmpDir('logbook-events-http-');
  let api: StandaloneApiServer;
  let client: HttpClusterClient;
  let events: EventBroadcaster;

  beforeAll(async () => {
    const dataDir = join(tmp.path, 'api');
    api = await startStandaloneApiServer({ dataDir, port: 0, logger: pino({ level: 'warn' }) });
    const token = ensureUserToken(join(dataDir, 'tokens.csv'), { user: 'system:kube-scheduler', groups: [] });
    client = new HttpClusterClient({ server: api.url, token, ca: api.api.caCert });
    events = new EventBroadcaster({ client, batchIntervalMs: 0 });
  });

  afterAll(async () => {
    await events?.shutdown();
    client?.close();
    await api?.close();
    tmp.remove();
  });

  it('creates the Event, then counts its repeats up on the same Event, as the component, with the cause', async () => {
    const admin = new HttpClusterClient({ server: api.url, token: api.adminToken, ca: api.api.caCert });
    const name = randomName('pod');
    const pod = await admin.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { containers: [{ name: 'app', image: 'busybox' }] } }, {});
    admin.close();
    const [podCreated] = await api.store.readStream(`Pod/default/${name}`);
    const recorder = events.recorderFor('default-scheduler');
    const cause = { causationId: podCreated.id, correlationId: podCreated.metadata.correlationId };

    recorder.event(pod, 'Warning', 'FailedScheduling', '0/0 nodes are available.', cause);
    const stored = await eventually(() => api.projector.state.list('Event', { namespace: 'default' }).find((e) => e.involvedObject?.name === name));
    expect(stored).toMatchObject({ type: 'Warning', reason: 'FailedScheduling', count: 1, involvedObject: { kind: 'Pod', uid: pod.metadata.uid }, source: { component: 'default-scheduler' } });
    for (let i = 0; i < 3; i++) recorder.event(pod, 'Warning', 'FailedScheduling', '0/0 nodes are available.', cause);
    await eventually(() => api.projector.state.get('Event', 'default', stored.metadata.name!)?.count === 4, { what: 'count 4' });
    expect(api.projector.state.list('Event', { namespace: 'default' }).filter((e) => e.involvedObject?.name === name)).toHaveLength(1);

    const history = await api.store.readStream(`Event/default/${stored.metadata.name}`);
    expect(history[0]).toMatchObject({ type: 'EventCreated', metadata: { actor: 'system:kube-scheduler', causationId: podCreated.id, correlationId: podCreated.metadata.correlationId } });
    expect(history.slice(1).map((e) => e.type)).toEqual(Array(history.length - 1).fill('EventUpdated'));
    expect(history.length).toBeGreaterThanOrEqual(2);
  });

  it('drops what the API refuses (a namespace that does not exist) and counts it', async () => {
    const before = events.dropped('rejected');
    events.recorderFor('kubelet', 'n1').event({ kind: 'Pod', apiVersion: 'v1', namespace: randomName('nowhere'), name: 'p', uid: 'u' }, 'Normal', 'Started', 'Started container app', {});
    await eventually(() => events.dropped('rejected') === before + 1, { what: 'the 404 counted' });
  });
});
