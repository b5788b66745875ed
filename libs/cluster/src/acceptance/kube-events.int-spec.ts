import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { KubeObject } from '@logbook/kube';
import type { NodeAgent } from '@logbook/node-agent';
import type { ProcessRuntime } from '@logbook/runtime';
import { eventually, kubectl, kubectlBinaries, makeTmpDir, randomName, useKubectl } from '@logbook/testing';
import { type AcceptanceCluster, readStream, startAcceptanceCluster } from './harness';
import { httpServerDeployment, podsRunningAndReady, randomPort, removeLeftoverSandboxes, startProcessAgent } from './workload-kit';

jest.setTimeout(120_000);

const versionOf = (bin: string) => /v1\.\d+/.exec(execFileSync(bin, ['version', '--client'], { encoding: 'utf8' }))?.[0] ?? bin;

/**
 * Acceptance (Kubernetes Events): a Deployment on a real node agent, a crashing pod and a pod
 * that fits nowhere leave the Events SREs look for, and real kubectl (1.20 and 1.32) shows
 * them in `get events` and `describe`.
 */
describe('Kubernetes Events of a workload on a real node agent', () => {
  let c: AcceptanceCluster;
  let agent: NodeAgent;
  let runtime: ProcessRuntime;
  const dir = makeTmpDir('logbook-kube-events-');
  const stateDir = join(dir.path, 'node');
  const nodeName = randomName('node');
  const app = randomName('web');
  const crasher = randomName('crasher');
  const huge = randomName('huge');
  const events = () => c.cluster.projector.state.list('Event', { namespace: 'default' });
  const about = (name: string, reason: string) => events().find((e) => e.involvedObject?.name === name && e.reason === reason);

  beforeAll(async () => {
    c = await startAcceptanceCluster({});
    ({ agent, runtime } = await startProcessAgent(c, nodeName, stateDir, { backoff: { baseMs: 300, maxMs: 2_000 } }));

    const pod = (name: string, container: Record<string, unknown>) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'app', image: 'node:24', ...container }] } });
    const workload = {
      apiVersion: 'v1',
      kind: 'List',
      items: [
        httpServerDeployment(app, randomPort(), { replicas: 2 }),
        pod(crasher, { command: [process.execPath, '-e', 'process.exit(3)'] }),
        pod(huge, { command: [process.execPath, '-e', 'setInterval(() => {}, 1000)'], resources: { requests: { cpu: '1000' } } }),
      ],
    };
    await c.kubectl(['apply', '-f', '-'], { input: JSON.stringify(workload) });
    await podsRunningAndReady(() => c.cluster.projector.state.list('Pod', { namespace: 'default' }).filter((p) => p.metadata.labels?.app === app), 2, { timeoutMs: 60_000 });
    // Back-off 0, 300, 600 ms…: within seconds the kubelet has found the container waiting more than once.
    await eventually(() => (about(crasher, 'BackOff')?.count ?? 0) > 1, { timeoutMs: 30_000, what: 'a BackOff Event counted more than once' });
    await eventually(() => about(huge, 'FailedScheduling'), { timeoutMs: 15_000, what: 'FailedScheduling' });
  });

  afterAll(async () => {
    await c?.kubectl(['delete', 'deployment', app, '--timeout=30s'], { allowFailure: true });
    await c?.kubectl(['delete', 'pods', '--all', '--grace-period=1', '--timeout=30s'], { allowFailure: true });
    await agent?.stop();
    await runtime?.close();
    await removeLeftoverSandboxes(stateDir);
    await c?.close();
    dir.remove();
  });

  describe.each(kubectlBinaries().map((bin) => [versionOf(bin), bin]))('kubectl %s', (_version, bin) => {
    const cache = makeTmpDir('kubectl-cache-');
    beforeAll(() => useKubectl(bin));
    afterAll(() => cache.remove());

    const run = async (args: string[]) => {
      const result = await kubectl(c.cluster.kubeconfig, args, { cacheDir: cache.path });
      if (result.code !== 0) throw new Error(`kubectl ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
      return result.stdout;
    };
    const replicaSet = () => c.cluster.projector.state.list('ReplicaSet', { namespace: 'default' }).find((rs) => rs.metadata.labels?.app === app)!;

    it('get events lists them under LAST SEEN, TYPE, REASON, OBJECT, MESSAGE', async () => {
      const out = await run(['get', 'events']);
      const rs = replicaSet().metadata.name!;
      const pod = webPod(c, app).metadata.name!;
      expect(out.split('\n')[0]).toMatch(/^LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE$/);
      expect(out).toMatch(new RegExp(`Normal\\s+ScalingReplicaSet\\s+deployment/${app}\\s+Scaled up replica set ${rs} from 0 to 2`));
      expect(out).toMatch(new RegExp(`Normal\\s+SuccessfulCreate\\s+replicaset/${rs}\\s+Created pod: ${pod}`));
      expect(out).toMatch(new RegExp(`Normal\\s+Scheduled\\s+pod/${pod}\\s+Successfully assigned default/${pod} to ${nodeName}`));
      expect(out).toMatch(new RegExp(`Normal\\s+Started\\s+pod/${pod}\\s+Started container web`));
      expect(out).toMatch(new RegExp(`Warning\\s+BackOff\\s+pod/${crasher}\\s+Back-off restarting failed container app in pod ${crasher}_default`));
      expect(out).toMatch(new RegExp(`Warning\\s+FailedScheduling\\s+pod/${huge}\\s+0/1 nodes are available: 1 Insufficient cpu\\.`));
      expect(out).toMatch(new RegExp(`Normal\\s+Starting\\s+node/${nodeName}\\s+Starting kubelet\\.`));
    });

    it('get events -o wide adds the sub-object, the source and the count; field selectors narrow it', async () => {
      const out = await run(['get', 'events', '-o', 'wide', '--field-selector', `involvedObject.name=${crasher},reason=BackOff`]);
      const [header, row, ...rest] = out.trim().split('\n');
      expect(rest).toEqual([]);
      expect(header).toMatch(/SUBOBJECT\s+SOURCE\s+FIRST SEEN\s+COUNT\s+NAME$/);
      const count = Number(/spec\.containers\{app\}\s+kubelet, \S+\s+\S+\s+(\d+)\s+\S+$/.exec(row)?.[1]);
      expect(count).toBeGreaterThan(1);
    });

    it('describe pod shows Scheduled, Created and Started, each from its component', async () => {
      const pod = webPod(c, app).metadata.name!;
      const out = await run(['describe', 'pod', pod]);
      const section = out.slice(out.indexOf('Events:'));
      expect(section).toMatch(new RegExp(`Normal\\s+Scheduled\\s+\\S+\\s+default-scheduler\\s+Successfully assigned default/${pod} to ${nodeName}`));
      expect(section).toMatch(/Normal\s+Created\s+\S+\s+kubelet\s+Created container web/);
      expect(section).toMatch(/Normal\s+Started\s+\S+\s+kubelet\s+Started container web/);
    });

    it('describe deployment and replicaset show ScalingReplicaSet and SuccessfulCreate', async () => {
      const rs = replicaSet().metadata.name!;
      expect(await run(['describe', 'deployment', app])).toMatch(new RegExp(`Normal\\s+ScalingReplicaSet\\s+\\S+\\s+deployment-controller\\s+Scaled up replica set ${rs} from 0 to 2`));
      const described = await run(['describe', 'replicaset', rs]);
      expect(described.match(/Normal\s+SuccessfulCreate\s+\S+\s+replicaset-controller\s+Created pod: /g)).toHaveLength(2);
    });

    it('describe pod of the crashing container shows one BackOff counted more than once', async () => {
      const section = (await run(['describe', 'pod', crasher])).split('Events:')[1];
      const backoff = section.split('\n').filter((l) => /\sBackOff\s/.test(l));
      expect(backoff).toHaveLength(1);
      const [, times] = /Warning\s+BackOff\s+\S+ \(x(\d+) over \S+\)\s+kubelet\s+Back-off restarting failed container app/.exec(backoff[0]) ?? [];
      expect(Number(times)).toBeGreaterThan(1);
    });

    it('describe pod of the pod that fits nowhere shows FailedScheduling with the reasons', async () => {
      expect(await run(['describe', 'pod', huge])).toMatch(/Warning\s+FailedScheduling\s+.*default-scheduler\s+0\/1 nodes are available: 1 Insufficient cpu\./);
    });

    it('describe node shows the kubelet and node controller Events', async () => {
      const section = (await run(['describe', 'node', nodeName])).split('Events:')[1];
      expect(section).toMatch(/Normal\s+Starting\s+\S+\s+kubelet\s+Starting kubelet\./);
      expect(section).toMatch(new RegExp(`Normal\\s+RegisteredNode\\s+\\S+\\s+node-controller\\s+Node ${nodeName} event: Registered Node ${nodeName} in Controller`));
    });
  });

  it('each Event is written by its component and caused by the event it reacted to (logbook explain)', async () => {
    const scheduled = about(webPod(c, app).metadata.name!, 'Scheduled')!;
    const [created] = await readStream(c.cluster, `Event/default/${scheduled.metadata.name}`);
    expect(created).toMatchObject({ type: 'EventCreated', metadata: { actor: 'system:kube-scheduler' } });
    const podEvents = await readStream(c.cluster, `Pod/default/${scheduled.involvedObject.name}`);
    expect(podEvents.map((e) => e.id)).toContain(created.metadata.causationId);
    expect(created.metadata.correlationId).toBe(podEvents[0].metadata.correlationId);
  });
});

/** One of the Deployment's pods. */
function webPod(c: AcceptanceCluster, app: string): KubeObject {
  return c.cluster.projector.state.list('Pod', { namespace: 'default' }).find((p) => p.metadata.labels?.app === app)!;
}
