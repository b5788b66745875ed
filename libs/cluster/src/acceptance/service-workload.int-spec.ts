import pino from 'pino';
import { eventually, kubectl, kubectlBackground, makeTmpDir, randomName } from '@logbook/testing';
import { startEmbeddedCluster, type EmbeddedCluster } from '../embedded-cluster';
import { podReady } from './harness';
import { alive, containerPid, getMany, httpGet, httpServerDeployment, httpService, nodeStateDir, podsRunningAndReady, randomPort, removeLeftoverSandboxes } from './workload-kit';

jest.setTimeout(120_000);

/** Acceptance (issue 5): a Deployment of real HTTP servers behind a Service, through `logbook up --node-agent`'s cluster. */
describe('A Deployment of 3 HTTP servers behind a Service (embedded cluster with node agent and proxy)', () => {
  const dir = makeTmpDir('logbook-workload-');
  const cache = makeTmpDir('kubectl-cache-');
  const port = randomPort();
  const app = randomName('web');
  let cluster: EmbeddedCluster;
  let clusterIP = '';

  const k = async (args: string[], input?: string) => {
    const r = await kubectl(cluster.kubeconfig, args, { input, cacheDir: cache.path });
    if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
    return r.stdout;
  };
  const webPods = () => cluster.projector.state.list('Pod', { namespace: 'default' }).filter((p) => p.metadata.labels?.app === app && !p.metadata.deletionTimestamp);

  beforeAll(async () => {
    cluster = await startEmbeddedCluster({
      dataDir: dir.path,
      port: 0,
      logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'warn' }),
      nodeAgent: { nodeName: randomName('node'), port: 0, runtime: 'process' },
    });
  });

  afterAll(async () => {
    await k(['delete', 'deployment', app, '--wait=false']).catch(() => undefined);
    await cluster?.close();
    await removeLeftoverSandboxes(nodeStateDir(dir.path));
    dir.remove();
    cache.remove();
  });

  it('runs 3 Ready pods with their own IPs; 300 requests to clusterIP:port reach all three', async () => {
    await k(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [httpServerDeployment(app, port), httpService(app, port)] }));
    const ready = await podsRunningAndReady(webPods, 3, { timeoutMs: 30_000 });
    expect(new Set(ready.map((p) => p.status.podIP)).size).toBe(3);
    clusterIP = JSON.parse(await k(['get', 'service', app, '-o', 'json'])).spec.clusterIP;
    expect(clusterIP).toMatch(/^127\.96\./);

    // The proxy learns the endpoints asynchronously: wait until a small batch reaches every pod.
    await eventually(async () => (await getMany(clusterIP, 80, 30)).answers.size === 3, { timeoutMs: 20_000, what: 'the proxy balancing over 3 endpoints' });
    const { answers, failures } = await getMany(clusterIP, 80, 300);
    expect(failures).toEqual([]);
    const expected = ready.map((p) => `hello from ${p.metadata.name} at ${p.status.podIP}\n`).sort();
    expect([...answers.keys()].sort()).toEqual(expected);
    for (const n of answers.values()) expect(n).toBeGreaterThanOrEqual(60); // round-robin: ~100 each
  });

  it('kubectl logs shows each pod\'s access lines; kubectl logs -f follows new ones', async () => {
    for (const p of webPods()) {
      const out = await eventually(async () => {
        const s = await k(['logs', p.metadata.name!]);
        return s.includes('GET / from') && s;
      }, { what: `access lines of ${p.metadata.name}` });
      expect(out).toContain(`listening on ${p.status.podIP}:${port}`);
    }
    const pod = webPods()[0];
    const follow = kubectlBackground(cluster.kubeconfig, ['logs', '-f', pod.metadata.name!], cache.path);
    try {
      await eventually(() => follow.output().includes('listening on'), { what: 'kubectl logs -f printing the existing lines' });
      const marker = `/followed-${randomName('m')}`;
      expect(follow.output()).not.toContain(marker);
      await httpGet(pod.status.podIP, port, marker);
      await eventually(() => follow.output().includes(`GET ${marker} from`), { what: 'the new access line followed' });
      expect(follow.proc.exitCode).toBeNull();
    } finally {
      follow.stop();
    }
  });

  it('a pod process killed from outside restarts (restartCount 1) while the Service keeps answering', async () => {
    const victim = webPods()[0];
    const pid = containerPid(victim);
    expect(alive(pid)).toBe(true);
    let stop = false;
    const seen = { answered: 0 };
    const during: Promise<{ failures: string[]; answered: number }> = (async () => {
      const failures: string[] = [];
      while (!stop) {
        await httpGet(clusterIP, 80).then(() => seen.answered++, (err: Error) => failures.push(err.message));
      }
      return { failures, answered: seen.answered };
    })();
    process.kill(pid, 'SIGKILL');
    const back = await eventually(() => {
      const p = webPods().find((x) => x.metadata.uid === victim.metadata.uid);
      const s = p?.status?.containerStatuses?.[0];
      return s?.restartCount === 1 && s.state.running && podReady(p!) && p;
    }, { timeoutMs: 30_000, what: 'the killed container restarted and Ready' });
    // A fast restart leaves little time for requests: the Service is also asked a few more times after it.
    await eventually(() => seen.answered > 10, { timeoutMs: 30_000, what: 'more than 10 answers from the Service' });
    stop = true;
    const { failures, answered } = await during;
    expect(back.status.containerStatuses[0].lastState.terminated).toMatchObject({ exitCode: 137 });
    expect(containerPid(back)).not.toBe(pid);
    expect(answered).toBeGreaterThan(10);
    // Only the one request in flight on the killed process's connection may fail (one at a time here);
    // new connections go to live pods (the proxy tries the next endpoint when one refuses).
    expect(failures.length).toBeLessThanOrEqual(1);
    for (const f of failures) expect(f).toMatch(/socket hang up|ECONNRESET/);
    // And afterwards every pod answers through the Service again, the restarted one included.
    await eventually(async () => (await getMany(clusterIP, 80, 30)).answers.has(`hello from ${back.metadata.name} at ${back.status.podIP}\n`), { what: 'the restarted pod answering through the Service' });
    const after = await getMany(clusterIP, 80, 60);
    expect(after.failures).toEqual([]);
    expect(after.answers.size).toBe(3);
  });
});
