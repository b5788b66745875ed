import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse, stringify } from 'yaml';
import { ApiClient, ApiRequestError, loadEndpoint } from '@logbook/client';
import { addToken, eventually, kubectl, makeTmpDir, randomName, startLogbook, type LogbookProcess } from '@logbook/testing';
import { changeList } from '../../../libs/apiserver/src/history/change-list';
import { alive, containerPid, nodeStateDir, randomPort, removeLeftoverSandboxes } from '../../../libs/cluster/src/acceptance/workload-kit';

const ROOT = resolve(__dirname, '..', '..', '..');
/** The node-agent fixture: an HTTP server on $POD_IP:$PORT (images are not pulled; the command runs). */
const HTTP_SERVER = join(ROOT, 'libs', 'node-agent', 'test-fixtures', 'http-server.js');

function logbook(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((res) => {
    const proc = spawn(process.execPath, [join(ROOT, 'bin', 'logbook.js'), ...args], { env: { ...process.env, NODE_OPTIONS: '' } });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d) => (stdout += d));
    proc.stderr.on('data', (d) => (stderr += d));
    proc.on('close', (code) => res({ code, stdout, stderr }));
  });
}

async function json(args: string[]): Promise<any> {
  const out = await logbook([...args, '-o', 'json']);
  if (out.code !== 0) throw new Error(`logbook ${args.join(' ')} failed (${out.code}): ${out.stderr}`);
  return JSON.parse(out.stdout);
}

interface Capture {
  readonly rv: string;
  readonly time: string;
  readonly deployment?: any;
  readonly pods: any[];
}

/**
 * A scripted history (issue 6 acceptance) on a real node agent (pods are processes): alice
 * creates, scales, changes the image and undoes; one pod's process is killed and restarts;
 * bob annotates and deletes. At six points the test captures what the live API returned, then
 * checks history, audit, get --at, diff, explain, hash and replay against those captures.
 *
 * Status writes come from the agent asynchronously, so a point is captured only once the
 * deployment and its pods have settled (nothing left to write), and compared at the list's own
 * resourceVersion: what get --at returns there is the state those reads saw, whatever the agent
 * writes afterwards.
 */
describe('history, audit, time travel, diff, explain and replay on a scripted scenario', () => {
  const dir = makeTmpDir();
  const replayDir = makeTmpDir('replay-');
  const cache = makeTmpDir('kubectl-cache-');
  let cluster: LogbookProcess;
  let admin: ApiClient;
  const ns = randomName('hist');
  const nodeName = randomName('node');
  const port = randomPort();
  const k = (args: string[], user: string, input?: string) => kubectl(user, args, { cacheDir: cache.path, ...(input ? { input } : {}) });

  beforeAll(async () => {
    cluster = await startLogbook(dir.path, ['--node-agent', '--node-agent-port', '0', '--node-name', nodeName]);
    admin = new ApiClient(loadEndpoint(cluster.kubeconfig));
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
    await removeLeftoverSandboxes(nodeStateDir(dir.path));
    dir.remove();
    replayDir.remove();
    cache.remove();
  }, 30_000);

  function kubeconfigFor(user: string): string {
    const token = randomName(`${user}-token`);
    // Writers of the scenario, not its subject: authorization has its own spec (rbac.e2e-spec.ts).
    addToken(dir.path, token, user, ['system:masters']);
    const config = parse(readFileSync(cluster.kubeconfig, 'utf8'));
    config.users[0].user.token = token;
    const path = join(dir.path, `kubeconfig-${user}`);
    writeFileSync(path, stringify(config));
    return path;
  }

  const deployments = `/apis/apps/v1/namespaces/${ns}/deployments`;
  const pods = `/api/v1/namespaces/${ns}/pods`;

  /**
   * Waits for the rollout to settle (every pod Running and Ready, so the agent has nothing left
   * to write, and `also` holds), then captures deployment and pods consistent at one rv.
   */
  async function capture(replicas: number | undefined, also: (pods: any[]) => boolean = () => true): Promise<Capture> {
    return eventually<Capture | false>(
      async (): Promise<Capture | false> => {
        const d1 = await admin.getJson(deployments);
        const p = await admin.getJson(pods);
        const d2 = await admin.getJson(deployments);
        if (JSON.stringify(d1.items) !== JSON.stringify(d2.items)) return false;
        const d = d1.items[0];
        if (replicas === undefined) return d === undefined && p.items.length === 0 ? { rv: p.metadata.resourceVersion, time: new Date().toISOString(), pods: [] } : false;
        const settled =
          d?.status?.observedGeneration === d?.metadata.generation &&
          d?.status?.updatedReplicas === replicas &&
          d?.status?.availableReplicas === replicas &&
          d?.status?.replicas === replicas &&
          p.items.length === replicas &&
          p.items.every((x: any) => x.status?.phase === 'Running' && x.status.containerStatuses?.[0]?.ready === true) &&
          also(p.items);
        return settled ? { rv: p.metadata.resourceVersion, time: new Date().toISOString(), deployment: d, pods: p.items } : false;
      },
      { timeoutMs: 45_000, what: `deployment web to settle at ${replicas} replicas` },
    ) as Promise<Capture>;
  }

  it('answers every history question exactly as the live API did', async () => {
    const alice = kubeconfigFor('alice');
    const bob = kubeconfigFor('bob');
    const manifest = JSON.stringify({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: ns },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: {
            terminationGracePeriodSeconds: 2,
            containers: [
              {
                name: 'web',
                image: 'nginx:1.25',
                command: [process.execPath, HTTP_SERVER],
                env: [{ name: 'PORT', value: String(port) }],
                readinessProbe: { tcpSocket: { port }, periodSeconds: 1 },
              },
            ],
          },
        },
      },
    });
    const points: Capture[] = [];
    expect((await k(['create', 'namespace', ns], alice)).code).toBe(0);
    expect((await k(['apply', '-f', '-'], alice, manifest)).code).toBe(0);
    points.push(await capture(2));
    expect((await k(['scale', 'deployment/web', '-n', ns, '--replicas=3'], alice)).code).toBe(0);
    points.push(await capture(3));
    expect((await k(['set', 'image', 'deployment/web', '-n', ns, 'web=nginx:1.26'], alice)).code).toBe(0);
    points.push(await capture(3));
    const midHash = await admin.getJson('/apis/logbook.io/v1/hash');
    expect((await k(['rollout', 'undo', 'deployment/web', '-n', ns], alice)).code).toBe(0);
    points.push(await capture(3));

    // A pod's process crashes (killed from outside); its agent restarts it at once (restartCount 1).
    const victim = points[3].pods[0];
    const explained = victim.metadata.name;
    const pid = containerPid(victim);
    expect(alive(pid)).toBe(true);
    process.kill(pid, 'SIGKILL');
    points.push(await capture(3, (ps) => ps.some((x) => x.metadata.uid === victim.metadata.uid && x.status.containerStatuses[0].restartCount === 1)));
    const restartHash = await admin.getJson('/apis/logbook.io/v1/hash');
    const explanation = await json(['explain', `pod/${explained}`, '-n', ns, '--kubeconfig', cluster.kubeconfig]);

    // bob's writes, followed live by `logbook tail` (from the last point, so its start-up time cannot race bob).
    const tail = spawn(process.execPath, [join(ROOT, 'bin', 'logbook.js'), 'tail', '--user', 'bob', '--after', points[4].rv, '-o', 'json', '--kubeconfig', cluster.kubeconfig], { env: { ...process.env, NODE_OPTIONS: '' } });
    let tailed = '';
    tail.stdout.on('data', (d) => (tailed += d));
    try {
      expect((await k(['annotate', 'deployment/web', '-n', ns, 'owner=bob'], bob)).code).toBe(0);
      expect((await k(['delete', 'deployment', 'web', '-n', ns], bob)).code).toBe(0);
      points.push(await capture(undefined));
      await eventually(
        () => {
          if (tailed.trim().split('\n').length < 2) throw new Error(`tail printed only: ${JSON.stringify(tailed)}`);
          return true;
        },
        { what: "tail to show bob's two writes" },
      );
    } finally {
      tail.kill('SIGTERM');
    }
    const tailedEntries = tailed.trim().split('\n').map((l) => JSON.parse(l));
    expect(tailedEntries.map((e) => [e.actor, e.verb, e.kind, e.name])).toEqual([
      ['bob', 'update', 'Deployment', 'web'],
      ['bob', 'delete', 'Deployment', 'web'],
    ]);

    // history: complete (every event of the stream, as the audit sees them) and in order.
    const kc = ['--kubeconfig', cluster.kubeconfig];
    const history = await json(['history', 'deployment/web', '-n', ns, ...kc]);
    const positions = history.map((e: any) => e.position);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    const audited = await json(['audit', '--kind', 'deployment', '-n', ns, '--limit', '1000', ...kc]);
    expect(audited.items.map((e: any) => e.position).reverse()).toEqual(positions);
    const users = history.filter((e: any) => !e.actor.startsWith('system:')).map((e: any) => [e.actor, e.type]);
    expect(users).toEqual([
      ['alice', 'DeploymentCreated'],
      ['alice', expect.stringMatching(/^Deployment(Scaled|Updated)$/)],
      ['alice', 'DeploymentUpdated'],
      ['alice', 'DeploymentUpdated'],
      ['bob', 'DeploymentUpdated'],
      ['bob', 'ObjectDeleted'],
    ]);
    const byUid = await json(['history', '--uid', points[0].deployment.metadata.uid, ...kc]);
    expect(byUid.map((e: any) => e.position)).toEqual(positions);
    const since = await json(['history', 'deployment/web', '-n', ns, '--since', points[2].rv, '--until', points[3].rv, ...kc]);
    expect(since.map((e: any) => e.position)).toEqual(positions.filter((p: number) => p >= Number(points[2].rv) && p <= Number(points[3].rv)));

    // audit --user bob: exactly bob's writes, newest first.
    const bobs = await json(['audit', '--user', 'bob', ...kc]);
    expect(bobs.items.map((e: any) => [e.actor, e.verb, e.type, e.kind, e.namespace, e.name])).toEqual([
      ['bob', 'delete', 'ObjectDeleted', 'Deployment', ns, 'web'],
      ['bob', 'update', 'DeploymentUpdated', 'Deployment', ns, 'web'],
    ]);
    const who = await json(['audit', '--kind', 'deploy', '-n', ns, '--verb', 'delete', ...kc]);
    expect(who.items).toEqual([expect.objectContaining({ actor: 'bob', name: 'web' })]);

    // get --at: at each point exactly what the live API returned then.
    for (const [i, p] of points.entries()) {
      const podsThen = await json(['get', 'pods', '-n', ns, '--at', p.rv, ...kc]);
      expect({ i, items: podsThen.items }).toEqual({ i, items: p.pods });
      if (p.deployment) expect({ i, d: await json(['get', 'deployment', 'web', '-n', ns, '--at', p.rv, ...kc]) }).toEqual({ i, d: p.deployment });
    }
    const gone = await logbook(['get', 'deployment', 'web', '-n', ns, '--at', points[5].rv, ...kc]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain(`deployments.apps "web" not found as of resourceVersion ${points[5].rv}`);
    // A time names the last event written at or before it; nothing touched the pods after the capture.
    expect((await json(['get', 'pods', '-n', ns, '--at', points[1].time, ...kc])).items).toEqual(points[1].pods);
    const table = await logbook(['get', 'pods', '-n', ns, '--at', points[1].rv, ...kc]);
    expect(table.stdout.split('\n')[0]).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/);
    for (const pod of points[1].pods) expect(table.stdout).toMatch(new RegExp(`^${pod.metadata.name}\\s+1/1\\s+Running`, 'm'));

    // diff between the scale and the image change: exactly the captured changes.
    const [before, after] = [points[1], points[2]];
    const dd = await json(['diff', '--from', before.rv, '--to', after.rv, '-n', ns, 'deployment', ...kc]);
    expect(dd.added).toEqual([]);
    expect(dd.removed).toEqual([]);
    expect(dd.changed).toEqual([expect.objectContaining({ kind: 'Deployment', name: 'web', changes: changeList(before.deployment, after.deployment) })]);
    await expectPodDiff(points[1], points[2]);
    // Across the crash: only the restarted pod changed (its restart count, last state, new process).
    const crashDiff = await expectPodDiff(points[3], points[4]);
    expect(crashDiff.changed.map((c: any) => c.name)).toEqual([explained]);
    expect(crashDiff.changed[0].changes).toContainEqual({ path: 'status.containerStatuses[0].restartCount', op: 'replace', from: 0, to: 1 });

    // The restarted pod's history: started, then the crash with its restart, then Ready again, in order.
    const podHistory = await json(['history', `pod/${explained}`, '-n', ns, ...kc]);
    const podPositions = podHistory.map((e: any) => e.position);
    expect([...podPositions].sort((a, b) => a - b)).toEqual(podPositions);
    expect(podHistory.slice(0, 2).map((e: any) => e.type)).toEqual(['PodCreated', 'PodBound']);
    const changed = (e: any, path: string, to: unknown) => e.changes.some((c: any) => c.path === path && c.to === to);
    const running = podHistory.findIndex((e: any) => changed(e, 'status.phase', 'Running'));
    const crash = podHistory.findIndex((e: any) => changed(e, 'status.containerStatuses[0].restartCount', 1));
    const readyAgain = podHistory.findIndex((e: any, i: number) => i > crash && changed(e, 'status.containerStatuses[0].ready', true));
    expect({ running, crash, readyAgain }).toEqual({ running: expect.any(Number), crash: expect.any(Number), readyAgain: expect.any(Number) });
    expect(running).toBeGreaterThan(1);
    expect(crash).toBeGreaterThan(running);
    expect(readyAgain).toBeGreaterThan(crash);
    expect(podHistory[crash]).toMatchObject({ type: 'PodStatusChanged', actor: expect.stringMatching(/^system:node:/) });
    expect(podHistory[crash].changes).toContainEqual(expect.objectContaining({ path: 'status.containerStatuses[0].lastState.terminated', op: 'add', to: expect.objectContaining({ exitCode: 137 }) }));
    expect(podHistory[crash].position).toBeGreaterThan(Number(points[3].rv));
    expect(podHistory[readyAgain].position).toBeLessThanOrEqual(Number(points[4].rv));

    // explain: the pod's chain starts at alice's request, and what happened to it since includes the restart.
    expect(explanation.rootActor).toBe('alice');
    expect(explanation.rootIsUser).toBe(true);
    expect(explanation.chain[explanation.chain.length - 1]).toMatchObject({ type: 'PodCreated', name: explained });
    expect(explanation.events).toContainEqual(expect.objectContaining({ type: 'PodBound', node: nodeName }));
    expect(explanation.events).toContainEqual(
      expect.objectContaining({ type: 'PodStatusChanged', position: podHistory[crash].position, restarts: [expect.objectContaining({ container: 'web', restartCount: 1, exitCode: 137 })] }),
    );
    const text = await logbook(['explain', `pod/${explained}`, '-n', ns, ...kc]);
    expect(text.stdout.split('\n')[0]).toMatch(/alice\s+Deployment(Created|Updated|Scaled)\s+deployment\/.*\[user request\]/);
    expect(text.stdout).toContain('container web restarted (restart 1, last exit 137');

    // hash and replay: the same log gives the same hash, at the head and at earlier points.
    const live = await admin.getJson('/apis/logbook.io/v1/hash');
    const replayed = await json(['replay', '--data-dir', dir.path, '--to', String(live.position), '--into', join(replayDir.path, 'copy'), '--no-progress']);
    expect(replayed).toMatchObject({ position: live.position, hash: live.hash, objects: live.objects });
    for (const then of [midHash, restartHash]) {
      const replayedThen = await json(['replay', '--data-dir', dir.path, '--to', String(then.position), '--no-progress']);
      expect(replayedThen).toMatchObject({ position: then.position, hash: then.hash });
      expect(await json(['hash', '--at', String(then.position), ...kc])).toMatchObject({ position: then.position, hash: then.hash });
    }
  }, 300_000);

  /** `logbook diff` of the namespace's pods between two points lists exactly the captured differences. */
  async function expectPodDiff(before: Capture, after: Capture): Promise<any> {
    const pd = await json(['diff', '--from', before.rv, '--to', after.rv, '-n', ns, 'pods', '--kubeconfig', cluster.kubeconfig]);
    const names = (list: any[]) => list.map((x: any) => x.metadata?.name ?? x.name).sort();
    const beforeNames = new Set(names(before.pods));
    const afterNames = new Set(names(after.pods));
    expect(names(pd.added)).toEqual(names(after.pods).filter((n) => !beforeNames.has(n)));
    expect(names(pd.removed)).toEqual(names(before.pods).filter((n) => !afterNames.has(n)));
    const kept = before.pods.filter((x) => afterNames.has(x.metadata.name));
    const changedKept = kept.flatMap((x) => {
      const y = after.pods.find((z) => z.metadata.name === x.metadata.name);
      const changes = changeList(x, y);
      return changes.length ? [{ name: x.metadata.name, changes }] : [];
    });
    expect(pd.changed.map((c: any) => ({ name: c.name, changes: c.changes }))).toEqual(changedKept);
    return pd;
  }

  it('answers bad input with clear 4xx errors', async () => {
    const head = (await admin.getJson('/apis/logbook.io/v1/hash')).position;
    const status = async (path: string) => {
      const err = await admin.getJson(path).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(ApiRequestError);
      return { code: (err as ApiRequestError).code, message: (err as ApiRequestError).message };
    };
    expect(await status('/api/v1/pods?asOf=0')).toEqual({ code: 400, message: expect.stringContaining("before the log's start") });
    expect(await status(`/api/v1/pods?asOf=${head + 1000}`)).toEqual({ code: 400, message: expect.stringContaining("after the log's end") });
    expect(await status('/api/v1/pods?asOf=1999-01-01T00:00:00Z')).toEqual({ code: 400, message: expect.stringContaining("before the log's start") });
    expect(await status('/api/v1/pods?asOf=2999-01-01T00:00:00Z')).toEqual({ code: 400, message: expect.stringContaining('in the future') });
    expect(await status('/api/v1/pods?asOf=last-tuesday')).toEqual({ code: 400, message: expect.stringContaining('RFC 3339') });
    expect(await status('/apis/logbook.io/v1/audit?kind=gizmo')).toEqual({ code: 400, message: expect.stringContaining('unknown kind "gizmo"') });
    expect(await status('/apis/logbook.io/v1/audit?verb=smash')).toEqual({ code: 400, message: expect.stringContaining('unknown verb') });
    expect(await status('/apis/logbook.io/v1/audit?since=soon')).toEqual({ code: 400, message: expect.stringContaining('invalid since') });
    expect(await status('/apis/logbook.io/v1/diff?from=1')).toEqual({ code: 400, message: expect.stringContaining('diff needs') });
    expect(await status('/apis/logbook.io/v1/explain?kind=pod&name=nope')).toEqual({ code: 404, message: expect.stringContaining('was never created') });
    expect(await status('/apis/logbook.io/v1/history?uid=nope')).toEqual({ code: 404, message: expect.stringContaining('no object with uid') });
    const cli = await logbook(['get', 'pods', '--at', 'yesterday', '--kubeconfig', cluster.kubeconfig]);
    expect(cli.code).toBe(1);
    expect(cli.stderr).toMatch(/invalid asOf "yesterday"/);
  });
});
