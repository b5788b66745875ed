import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import type { KubeObject } from '@logbook/kube';
import { eventually, kubectl, makeTmpDir, randomName, runLogbook, startLogbook, type LogbookProcess } from '@logbook/testing';
import { containerPid, getMany, httpServerDeployment, httpService, podsRunningAndReady, randomPort } from '../../../libs/cluster/src/acceptance/workload-kit';

jest.setTimeout(180_000);

/** Running, not a zombie: pod processes outlive `logbook up`, so their parent may be one that never reaps. */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^[ZX]/.test(stat.slice(stat.lastIndexOf(')') + 2));
  } catch {
    return false;
  }
}

/** Every live process on this machine whose environment names a pod of `app` (duplicates would show here). */
function podProcesses(app: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const env = readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0');
      if (env.some((e) => e.startsWith(`POD_NAME=${app}-`)) && running(Number(entry))) pids.push(Number(entry));
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return pids.sort((a, b) => a - b);
}

/** `logbook up` as a person runs it: its node agent runs pods as processes, its proxy serves their Service. */
describe('logbook up runs real workloads; logbook down stops them', () => {
  const dir = makeTmpDir('logbook-up-workload-');
  const cache = makeTmpDir('kubectl-cache-');
  const app = randomName('web');
  const port = randomPort();
  const agentArgs = ['--node-agent', '--node-agent-port', '0'];
  let cluster: LogbookProcess;
  let pids: number[] = [];
  let clusterIP = '';

  const k = async (args: string[], input?: string) => {
    const r = await kubectl(cluster.kubeconfig, args, { input, cacheDir: cache.path });
    if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
    return r.stdout;
  };
  const pods = async (): Promise<KubeObject[]> => JSON.parse(await k(['get', 'pods', '-l', `app=${app}`, '-o', 'json'])).items;
  const threeReady = () => podsRunningAndReady(pods, 3, { timeoutMs: 60_000 });
  const answeredByAll = () => eventually(async () => (await getMany(clusterIP, 80, 30)).answers.size === 3, { timeoutMs: 30_000, what: 'the Service answered by all 3 pods' });

  beforeAll(async () => {
    cluster = await startLogbook(dir.path, agentArgs);
  });

  afterAll(async () => {
    await runLogbook(['down', '--data-dir', dir.path]); // whatever a failed test left running
    await cluster?.stop();
    dir.remove();
    cache.remove();
  });

  it('runs a Deployment of 3 HTTP servers: Ready pods with their own IPs, answering through the Service, logs through kubectl', async () => {
    await k(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [httpServerDeployment(app, port), httpService(app, port)] }));

    const ps = await threeReady();
    expect(new Set(ps.map((p) => p.status.podIP)).size).toBe(3);
    for (const p of ps) expect(p.status.podIP).toMatch(/^127\.1\./);
    clusterIP = JSON.parse(await k(['get', 'service', app, '-o', 'json'])).spec.clusterIP;
    expect(clusterIP).toMatch(/^127\.96\./);

    await answeredByAll();
    const { answers, failures } = await getMany(clusterIP, 80, 90);
    expect(failures).toEqual([]);
    expect([...answers.keys()].sort()).toEqual(ps.map((p) => `hello from ${p.metadata.name} at ${p.status.podIP}\n`).sort());

    for (const p of ps) {
      const log = await k(['logs', p.metadata.name!]);
      expect(log).toContain(`listening on ${p.status.podIP}:${port}`);
      expect(log).toContain('GET / from');
    }
    pids = ps.map(containerPid).sort((a, b) => a - b);
    expect(podProcesses(app)).toEqual(pids);
  });

  it('pod processes outlive a stopped logbook up; the next up adopts them (same pids, no duplicates, still Ready)', async () => {
    await cluster.stop('SIGTERM');
    expect(cluster.output()).toContain('3 pod processes keep running');
    expect(cluster.output()).toContain(`"logbook down --data-dir ${dir.path}" stops them`);
    expect(pids.every(running)).toBe(true);

    cluster = await startLogbook(dir.path, agentArgs);
    const again = await threeReady();
    expect(again.map(containerPid).sort((a, b) => a - b)).toEqual(pids);
    for (const p of again) expect(p.status.containerStatuses[0].restartCount).toBe(0);
    await answeredByAll();
    expect(podProcesses(app)).toEqual(pids);

    // A second `up` on a data dir whose up is alive is refused.
    const second = await runLogbook(['up', '--data-dir', dir.path, '--port', '0', '--no-node-agent']);
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`logbook up is already running in ${dir.path} (pid ${cluster.proc.pid})`);
  });

  it('logbook down stops up and every pod process; a second down finds nothing running', async () => {
    const down = await runLogbook(['down', '--data-dir', dir.path]);
    expect(down.code).toBe(0);
    expect(down.stdout).toContain(`stopping logbook up (pid ${cluster.proc.pid})`);
    expect(down.stdout).toContain('stopping 3 pod processes of 3 pods');
    expect(down.stdout).toContain('stopped 3 pod processes');
    await cluster.stop(); // already exited: resolves with its exit
    expect(running(cluster.proc.pid!)).toBe(false);
    for (const pid of pids) expect(running(pid)).toBe(false);
    expect(podProcesses(app)).toEqual([]);
    expect(existsSync(join(dir.path, 'logbook.pid'))).toBe(false);

    const again = await runLogbook(['down', '--data-dir', dir.path]);
    expect(again).toMatchObject({ code: 0, stdout: `nothing is running in ${dir.path}\n` });
  });
});

describe('logbook up when the node agent port is taken', () => {
  const dir = makeTmpDir('logbook-up-port-');
  let squatter: Server;
  let port = 0;

  beforeAll(async () => {
    squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
    port = (squatter.address() as { port: number }).port;
  });
  afterAll(async () => {
    await new Promise((r) => squatter.close(r));
    dir.remove();
  });

  it('fails with a message that says to pass --node-agent-port, and leaves no pid file', async () => {
    const r = await runLogbook(['up', '--data-dir', dir.path, '--port', '0', '--node-agent-port', String(port)], 60_000);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`the node agent's read-only port ${port} on 127.0.0.1 is in use`);
    expect(r.stderr).toContain('pass --node-agent-port');
    expect(existsSync(join(dir.path, 'logbook.pid'))).toBe(false);
  });
});
