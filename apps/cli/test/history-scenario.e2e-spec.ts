import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse, stringify } from 'yaml';
import { ApiClient, ApiRequestError, loadEndpoint } from '@logbook/client';
import { addToken, eventually, kubectl, makeTmpDir, randomName, startLogbook, type LogbookProcess } from '@logbook/testing';
import { changeList } from '../../../libs/apiserver/src/history/change-list';

const ROOT = resolve(__dirname, '..', '..', '..');

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
 * A scripted history (issue 6 acceptance): alice creates, scales, changes the image and undoes;
 * bob annotates and deletes. At five points the test captures what the live API returned, then
 * checks history, audit, get --at, diff, explain, hash and replay against those captures.
 */
describe('history, audit, time travel, diff, explain and replay on a scripted scenario', () => {
  const dir = makeTmpDir();
  const replayDir = makeTmpDir('replay-');
  const cache = makeTmpDir('kubectl-cache-');
  let cluster: LogbookProcess;
  let admin: ApiClient;
  const ns = randomName('hist');
  const k = (args: string[], user: string, input?: string) => kubectl(user, args, { cacheDir: cache.path, ...(input ? { input } : {}) });

  beforeAll(async () => {
    cluster = await startLogbook(dir.path, ['--hollow-nodes', '2']);
    admin = new ApiClient(loadEndpoint(cluster.kubeconfig));
  });
  afterAll(async () => {
    await cluster?.stop();
    dir.remove();
    replayDir.remove();
    cache.remove();
  });

  function kubeconfigFor(user: string): string {
    const token = randomName(`${user}-token`);
    addToken(dir.path, token, user);
    const config = parse(readFileSync(cluster.kubeconfig, 'utf8'));
    config.users[0].user.token = token;
    const path = join(dir.path, `kubeconfig-${user}`);
    writeFileSync(path, stringify(config));
    return path;
  }

  const deployments = `/apis/apps/v1/namespaces/${ns}/deployments`;
  const pods = `/api/v1/namespaces/${ns}/pods`;

  /** Waits for the rollout to settle, then captures deployment and pods consistent at one rv. */
  async function capture(replicas: number | undefined): Promise<Capture> {
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
          p.items.every((x: any) => x.status?.phase === 'Running');
        return settled ? { rv: p.metadata.resourceVersion, time: new Date().toISOString(), deployment: d, pods: p.items } : false;
      },
      { timeoutMs: 20_000, what: `deployment web to settle at ${replicas} replicas` },
    ) as Promise<Capture>;
  }

  it('answers every history question exactly as the live API did', async () => {
    const alice = kubeconfigFor('alice');
    const bob = kubeconfigFor('bob');
    const manifest = `
apiVersion: apps/v1
kind: Deployment
metadata: { name: web, namespace: ${ns} }
spec:
  replicas: 2
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec: { containers: [ { name: web, image: "nginx:1.25" } ] }
`;
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
    const explained = points[3].pods[0].metadata.name;
    const explanation = await json(['explain', `pod/${explained}`, '-n', ns, '--kubeconfig', cluster.kubeconfig]);

    // bob's writes, followed live by `logbook tail` (from the last point, so its start-up time cannot race bob).
    const tail = spawn(process.execPath, [join(ROOT, 'bin', 'logbook.js'), 'tail', '--user', 'bob', '--after', points[3].rv, '-o', 'json', '--kubeconfig', cluster.kubeconfig], { env: { ...process.env, NODE_OPTIONS: '' } });
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
    const gone = await logbook(['get', 'deployment', 'web', '-n', ns, '--at', points[4].rv, ...kc]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain(`deployments.apps "web" not found as of resourceVersion ${points[4].rv}`);
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
    const pd = await json(['diff', '--from', before.rv, '--to', after.rv, '-n', ns, 'pods', ...kc]);
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

    // explain: the pod's chain starts at alice's request.
    expect(explanation.rootActor).toBe('alice');
    expect(explanation.rootIsUser).toBe(true);
    expect(explanation.chain[explanation.chain.length - 1]).toMatchObject({ type: 'PodCreated', name: explained });
    expect(explanation.events).toContainEqual(expect.objectContaining({ type: 'PodBound', node: expect.stringMatching(/hollow/) }));
    const text = await logbook(['explain', `pod/${explained}`, '-n', ns, ...kc]);
    expect(text.stdout.split('\n')[0]).toMatch(/alice\s+Deployment(Created|Updated|Scaled)\s+deployment\/.*\[user request\]/);

    // hash and replay: the same log gives the same hash, at the head and at an earlier point.
    const live = await admin.getJson('/apis/logbook.io/v1/hash');
    const replayed = await json(['replay', '--data-dir', dir.path, '--to', String(live.position), '--into', join(replayDir.path, 'copy'), '--no-progress']);
    expect(replayed).toMatchObject({ position: live.position, hash: live.hash, objects: live.objects });
    const mid = await json(['replay', '--data-dir', dir.path, '--to', String(midHash.position), '--no-progress']);
    expect(mid).toMatchObject({ position: midHash.position, hash: midHash.hash });
    expect(await json(['hash', '--at', String(midHash.position), ...kc])).toMatchObject({ position: midHash.position, hash: midHash.hash });
  }, 60_000);

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
