import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse, stringify } from 'yaml';
import { addToken, eventually, kubectl, kubectlBinaries, kubectlVersion, makeTmpDir, randomName, startLogbook, useKubectl, type LogbookProcess } from '@logbook/testing';
import { ensureComponentKubeconfig } from '@logbook/cluster';
import { describeWithKafka, testBrokers } from '../../../libs/bus/src/testing/kafka-for-tests';

const ROOT = resolve(__dirname, '..', '..', '..');
/** Debian's python3-kubernetes lives beside Debian's python (infra/scripts/ensure-deps.sh installs it). */
const PYTHON = '/usr/bin/python3';

/**
 * Authorization with real kubectl: RBAC's default roles, kube's 403 wording, `auth can-i`, the
 * Node authorizer against two node identities, and a component process under its own identity.
 */
describe('authorization (Node, RBAC)', () => {
  const dir = makeTmpDir();
  const cache = makeTmpDir('kubectl-cache-');
  let cluster: LogbookProcess;
  const admin = (args: string[], input?: string) => kubectl(cluster.kubeconfig, args, { cacheDir: cache.path, ...(input ? { input } : {}) });

  beforeAll(async () => {
    cluster = await startLogbook(dir.path, ['--hollow-nodes', '2']);
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
    dir.remove();
    cache.remove();
  });

  /** A kubeconfig like the admin's for a new static-token user (how docs/security.md adds a user). */
  function kubeconfigFor(user: string, groups: string[] = []): { path: string; token: string } {
    const token = randomName(`${user.replace(/[^a-z0-9-]/g, '-')}-token`);
    addToken(dir.path, token, user, groups);
    const config = parse(readFileSync(cluster.kubeconfig, 'utf8'));
    config.users[0].user = { token };
    const path = join(dir.path, `kubeconfig-${token}`);
    writeFileSync(path, stringify(config));
    return { path, token };
  }

  describe.each(kubectlBinaries().map((bin) => [kubectlVersion(bin), bin]))('with kubectl %s', (_version, bin) => {
    beforeAll(() => useKubectl(bin));
    let ns: string;
    let other: string;
    let alice: string;
    let user: string;

    beforeAll(async () => {
      ns = randomName('rbac');
      other = randomName('rbac-other');
      user = randomName('alice');
      for (const n of [ns, other]) expect((await admin(['create', 'namespace', n])).code).toBe(0);
      expect((await admin(['-n', ns, 'run', 'web', '--image=nginx'])).code).toBe(0);
      const bound = await admin(['-n', ns, 'create', 'rolebinding', 'viewers', '--clusterrole=view', `--user=${user}`]);
      expect(bound).toMatchObject({ code: 0 });
      alice = kubeconfigFor(user, ['developers']).path;
    });
    afterAll(async () => {
      await admin(['delete', 'namespace', ns, other, '--wait=false']);
    });
    const as = (args: string[]) => kubectl(alice, args, { cacheDir: cache.path });

    it('a viewer reads in its namespace and nowhere else, and may not write', async () => {
      const pods = await as(['-n', ns, 'get', 'pods', '-o', 'name']);
      expect(pods).toMatchObject({ code: 0, stdout: 'pod/web\n' });
      expect((await as(['-n', ns, 'get', 'pod', 'web'])).code).toBe(0);

      const create = await as(['-n', ns, 'run', 'x', '--image=nginx']);
      expect(create.code).not.toBe(0);
      expect(create.stderr).toContain(`Error from server (Forbidden): pods is forbidden: User "${user}" cannot create resource "pods" in API group "" in the namespace "${ns}"`);

      const elsewhere = await as(['-n', other, 'get', 'pods']);
      expect(elsewhere.stderr).toContain(`pods is forbidden: User "${user}" cannot list resource "pods" in API group "" in the namespace "${other}"`);
      const secrets = await as(['-n', ns, 'get', 'secret', 'nope']);
      expect(secrets.stderr).toContain(`secrets "nope" is forbidden: User "${user}" cannot get resource "secrets" in API group "" in the namespace "${ns}"`);
      const nodes = await as(['get', 'nodes']);
      expect(nodes.stderr).toContain(`nodes is forbidden: User "${user}" cannot list resource "nodes" in API group "" at the cluster scope`);
      const metrics = await as(['get', '--raw', '/metrics']);
      expect(metrics.stderr).toMatch(/forbidden/i);
    });

    it('kubectl auth can-i and can-i --list answer from the role', async () => {
      expect((await as(['-n', ns, 'auth', 'can-i', 'get', 'pods'])).stdout.trim()).toBe('yes');
      expect((await as(['-n', ns, 'auth', 'can-i', 'create', 'pods'])).stdout.trim()).toBe('no');
      expect((await as(['-n', other, 'auth', 'can-i', 'get', 'pods'])).stdout.trim()).toBe('no');
      expect((await as(['-n', ns, 'auth', 'can-i', 'get', 'secrets'])).stdout.trim()).toBe('no');

      const list = await as(['-n', ns, 'auth', 'can-i', '--list']);
      expect(list.code).toBe(0);
      const verbsOf = (resource: string) => list.stdout.split('\n').find((l) => l.split(/\s+/)[0] === resource)?.match(/\[([a-z *]+)\]\s*$/)?.[1];
      expect(verbsOf('pods')).toBe('get list watch');
      expect(verbsOf('deployments.apps')).toBe('get list watch');
      expect(verbsOf('pods/log')).toBe('get list watch');
      expect(verbsOf('secrets')).toBeUndefined();
      expect(verbsOf('selfsubjectaccessreviews.authorization.k8s.io')).toBe('create');
      // Nothing in the list lets this user write.
      const writes = list.stdout.split('\n').filter((l) => !l.startsWith('self') && /\[[^\]]*\b(create|update|patch|delete|deletecollection)\b[^\]]*\]\s*$/.test(l));
      expect(writes).toEqual([]);

      const elsewhere = await as(['-n', other, 'auth', 'can-i', '--list']);
      expect(elsewhere.stdout.split('\n').some((l) => l.split(/\s+/)[0] === 'pods')).toBe(false);
    });

    it('impersonation: the admin may act as the viewer, the viewer may not act as anyone', async () => {
      expect((await admin(['-n', ns, 'auth', 'can-i', 'create', 'pods', `--as=${user}`])).stdout.trim()).toBe('no');
      const asAlice = await admin(['-n', ns, 'run', 'y', '--image=nginx', `--as=${user}`]);
      expect(asAlice.stderr).toContain(`pods is forbidden: User "${user}" cannot create resource "pods" in API group "" in the namespace "${ns}"`);
      const asBob = await as(['-n', ns, 'get', 'pods', '--as=bob']);
      expect(asBob.stderr).toContain(`users "bob" is forbidden: User "${user}" cannot impersonate resource "users" in API group "" at the cluster scope`);
    });
  });

  it('SubjectAccessReviews answer for another user; only who may create them may ask', async () => {
    const ns = randomName('sar');
    const user = randomName('carol');
    expect((await admin(['create', 'namespace', ns])).code).toBe(0);
    expect((await admin(['-n', ns, 'create', 'rolebinding', 'viewers', '--clusterrole=view', `--user=${user}`])).code).toBe(0);
    const review = (verb: string, kind = 'SubjectAccessReview', namespace?: string) =>
      JSON.stringify({ apiVersion: 'authorization.k8s.io/v1', kind, ...(namespace ? { metadata: { namespace } } : {}), spec: { user, resourceAttributes: { namespace: ns, verb, resource: 'pods' } } });
    const get = await admin(['create', '-f', '-', '-o', 'json'], review('get'));
    expect(JSON.parse(get.stdout).status).toEqual({ allowed: true, reason: `RBAC: allowed by RoleBinding "viewers/${ns}" of ClusterRole "view" to User "${user}"` });
    expect(JSON.parse((await admin(['create', '-f', '-', '-o', 'json'], review('create'))).stdout).status).toEqual({ allowed: false });
    expect(JSON.parse((await admin(['create', '-f', '-', '-o', 'json'], review('list', 'LocalSubjectAccessReview', ns))).stdout).status.allowed).toBe(true);

    const asCarol = await kubectl(kubeconfigFor(user).path, ['create', '-f', '-', '-o', 'json'], { cacheDir: cache.path, input: review('get') });
    expect(asCarol.stderr).toContain(`subjectaccessreviews.authorization.k8s.io is forbidden: User "${user}" cannot create resource "subjectaccessreviews" in API group "authorization.k8s.io" at the cluster scope`);
    await admin(['delete', 'namespace', ns, '--wait=false']);
  });

  it("Debian's Python client sees the same answers", async () => {
    const ns = randomName('py');
    const other = randomName('py-other');
    const user = randomName('dave');
    for (const n of [ns, other]) expect((await admin(['create', 'namespace', n])).code).toBe(0);
    expect((await admin(['-n', ns, 'create', 'rolebinding', 'viewers', '--clusterrole=view', `--user=${user}`])).code).toBe(0);
    const script = [
      'import json, sys',
      'from kubernetes import client, config',
      'from kubernetes.client.rest import ApiException',
      'config.load_kube_config(config_file=sys.argv[1])',
      'v1 = client.CoreV1Api()',
      'print("listed", len(v1.list_namespaced_pod(sys.argv[2]).items))',
      'for call in (lambda: v1.list_namespaced_pod(sys.argv[3]), lambda: v1.create_namespaced_config_map(sys.argv[2], {"metadata": {"name": "x"}})):',
      '    try:',
      '        call(); print("allowed")',
      '    except ApiException as e:',
      '        print(e.status, json.loads(e.body)["message"])',
    ].join('\n');
    const out = await new Promise<string>((resolvePromise, reject) => {
      const proc = spawn(PYTHON, ['-c', script, kubeconfigFor(user).path, ns, other], { stdio: ['ignore', 'pipe', 'pipe'] });
      let text = '';
      proc.stdout.on('data', (d) => (text += d));
      proc.stderr.on('data', (d) => (text += d));
      proc.on('error', reject);
      proc.on('close', () => resolvePromise(text));
    });
    expect(out.split('\n').filter(Boolean)).toEqual([
      'listed 0',
      `403 pods is forbidden: User "${user}" cannot list resource "pods" in API group "" in the namespace "${other}"`,
      `403 configmaps is forbidden: User "${user}" cannot create resource "configmaps" in API group "" in the namespace "${ns}"`,
    ]);
    await admin(['delete', 'namespace', ns, other, '--wait=false']);
  });

  it('a node reads only the secrets of pods bound to it and writes only its own Node', async () => {
    const ns = randomName('nodes');
    expect((await admin(['create', 'namespace', ns])).code).toBe(0);
    const [mine, theirs] = ['hollow-node-0', 'hollow-node-1'];
    const secret = randomName('db-password');
    expect((await admin(['-n', ns, 'create', 'secret', 'generic', secret, '--from-literal=password=s3cret'])).code).toBe(0);
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'uses-secret', namespace: ns },
      spec: { nodeName: theirs, containers: [{ name: 'c', image: 'nginx', env: [{ name: 'P', valueFrom: { secretKeyRef: { name: secret, key: 'password' } } }] }] },
    };
    expect((await admin(['apply', '-f', '-'], JSON.stringify(pod))).code).toBe(0);
    const node0 = kubeconfigFor(`system:node:${mine}`, ['system:nodes']).path;
    const node1 = kubeconfigFor(`system:node:${theirs}`, ['system:nodes']).path;
    const asNode = (config: string, args: string[]) => kubectl(config, args, { cacheDir: cache.path });

    expect((await asNode(node1, ['-n', ns, 'get', 'secret', secret, '-o', 'jsonpath={.data.password}'])).stdout).toBe(Buffer.from('s3cret').toString('base64'));
    const refused = await asNode(node0, ['-n', ns, 'get', 'secret', secret]);
    expect(refused.stderr).toContain(
      `secrets "${secret}" is forbidden: User "system:node:${mine}" cannot get resource "secrets" in API group "" in the namespace "${ns}": no relationship found between node '${mine}' and this object`,
    );
    expect((await asNode(node0, ['-n', ns, 'get', 'secrets'])).stderr).toMatch(/secrets is forbidden/);

    // Its own Node it may label; another's not. Listing nodes and pods is RBAC's system:node.
    expect((await asNode(node0, ['label', 'node', mine, `rbac-test=${ns}`, '--overwrite'])).code).toBe(0);
    const other = await asNode(node0, ['label', 'node', theirs, `rbac-test=${ns}`, '--overwrite']);
    expect(other.stderr).toContain(`nodes "${theirs}" is forbidden: User "system:node:${mine}" cannot patch resource "nodes" in API group "" at the cluster scope: node '${mine}' cannot modify node '${theirs}'`);
    expect((await asNode(node0, ['get', 'nodes'])).code).toBe(0);
    expect((await asNode(node0, ['get', 'pods', '-A', '--field-selector', `spec.nodeName=${mine}`])).code).toBe(0);
    await admin(['delete', 'namespace', ns, '--wait=false']);
  });

  describeWithKafka('a component process under its own identity', () => {
    const prefix = `${randomName('rbac')}.`;
    let kafkaCluster: LogbookProcess;
    const kdir = makeTmpDir();
    const procs: ChildProcess[] = [];

    beforeAll(async () => {
      kafkaCluster = await startLogbook(kdir.path, ['--bus', `kafka://${testBrokers().join(',')}`, '--no-controllers', '--hollow-nodes', '1', '--topic-prefix', prefix]);
    }, 60_000);
    afterAll(async () => {
      for (const p of procs) if (p.exitCode === null) p.kill('SIGKILL');
      await kafkaCluster?.stop();
      kdir.remove();
    });

    /** A scheduler process under a client certificate of the cluster CA (CN = user), as distributed mode runs it. */
    const scheduler = async (user: string) => {
      const kubeconfig = await ensureComponentKubeconfig(kdir.path, kafkaCluster.url, { user, groups: [] });
      const proc = spawn(process.execPath, [join(ROOT, 'dist', 'apps', 'scheduler', 'src', 'main.js')], {
        env: {
          ...process.env,
          NODE_OPTIONS: '',
          LOG_LEVEL: 'info',
          LOGBOOK_BUS: `kafka://${testBrokers().join(',')}`,
          LOGBOOK_KUBECONFIG: kubeconfig,
          LOGBOOK_TOPIC_PREFIX: prefix,
          LOGBOOK_HEALTH_PORT: '0',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      procs.push(proc);
      let out = '';
      proc.stdout!.on('data', (d) => (out += d));
      proc.stderr!.on('data', (d) => (out += d));
      return { proc, output: () => out };
    };

    it('a view-only identity fails loudly with 403; the scheduler\'s own certificate places the pod', async () => {
      const viewer = randomName('scheduler-with-view');
      const bind = await kubectl(kafkaCluster.kubeconfig, ['create', 'clusterrolebinding', randomName('viewer'), '--clusterrole=view', `--user=${viewer}`]);
      expect(bind.code).toBe(0);
      const weak = await scheduler(viewer);
      await eventually(() => weak.proc.exitCode !== null, { timeoutMs: 30_000, what: 'the view-only scheduler to exit' });
      expect(weak.proc.exitCode).not.toBe(0);
      expect(weak.output()).toMatch(new RegExp(`forbidden: User \\\\?"${viewer}\\\\?" cannot list resource \\\\?"nodes\\\\?"`));

      const real = await scheduler('system:kube-scheduler');
      await eventually(() => /scheduler running/.test(real.output()) || (real.proc.exitCode !== null && Promise.reject(new Error(real.output()))), { timeoutMs: 60_000, what: 'the scheduler to start' });
      const name = randomName('placed');
      expect((await kubectl(kafkaCluster.kubeconfig, ['run', name, '--image=nginx'])).code).toBe(0);
      await eventually(async () => (await kubectl(kafkaCluster.kubeconfig, ['get', 'pod', name, '-o', 'jsonpath={.spec.nodeName}'])).stdout === 'hollow-node-0', { timeoutMs: 60_000, what: 'the pod to be bound' });
      expect(real.output()).not.toMatch(/forbidden/i);
    });
  });
});
