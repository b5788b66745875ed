import { parseAllDocuments } from 'yaml';
import { execFileSync } from 'node:child_process';
import { eventually, kubectl, kubectlBackground, kubectlBinaries, makeTmpDir, randomName, startLogbook, useKubectl, type LogbookProcess } from '@logbook/testing';

const versionOf = (bin: string) => /v1\.\d+/.exec(execFileSync(bin, ['version', '--client'], { encoding: 'utf8' }))?.[0] ?? bin;

/** Real kubectl (Debian's kubernetes-client 1.20, and 1.32 where installed) against `logbook up`. */
describe.each(kubectlBinaries().map((bin) => [versionOf(bin), bin]))('kubectl %s against logbook up', (_version, bin) => {
  beforeAll(() => useKubectl(bin));
  const dir = makeTmpDir();
  const cache = makeTmpDir('kubectl-cache-');
  let cluster: LogbookProcess;
  const ns = randomName('team');

  const manifest = (image: string) => `
apiVersion: v1
kind: Namespace
metadata:
  name: ${ns}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: ${ns}
  labels: { app: web }
spec:
  replicas: 2
  selector:
    matchLabels: { app: web }
  template:
    metadata:
      labels: { app: web }
    spec:
      containers:
      - name: web
        image: ${image}
        ports:
        - containerPort: 8080
---
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: ${ns}
spec:
  selector: { app: web }
  ports:
  - port: 80
    targetPort: 8080
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: web-config
  namespace: ${ns}
data:
  greeting: hello
`;
  const run = (args: string[], input?: string) => kubectl(cluster.kubeconfig, args, { input, cacheDir: cache.path });

  beforeAll(async () => {
    cluster = await startLogbook(dir.path);
  });
  afterAll(async () => {
    await cluster?.stop();
    dir.remove();
    cache.remove();
  });

  it('applies a manifest, shows server-set fields, applies a change, watches and deletes', async () => {
    const applied = await run(['apply', '-f', '-'], manifest('nginx:1.25'));
    expect(applied.stderr).toBe('');
    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain(`namespace/${ns} created`);
    expect(applied.stdout).toContain('deployment.apps/web created');
    expect(applied.stdout).toContain('service/web created');
    expect(applied.stdout).toContain('configmap/web-config created');

    const got = await run(['get', 'deploy,svc,cm', '-n', ns, '-o', 'yaml']);
    expect(got.code).toBe(0);
    const list = parseAllDocuments(got.stdout)[0].toJS();
    // Every namespace also gets the root CA publisher's kube-root-ca.crt, as in kube.
    const byKind = (k: string) => list.items.find((o: any) => o.kind === k && o.metadata.name !== 'kube-root-ca.crt');
    const deploy = byKind('Deployment');
    expect(deploy.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(Number(deploy.metadata.resourceVersion)).toBeGreaterThan(0);
    expect(deploy.metadata.generation).toBe(1);
    expect(deploy.metadata.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(deploy.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } });
    expect(deploy.spec.template.spec.restartPolicy).toBe('Always');
    expect(byKind('Service').spec.type).toBe('ClusterIP');
    expect(byKind('ConfigMap').data).toEqual({ greeting: 'hello' });

    // A watch started now must print the change the second apply makes.
    const watch = kubectlBackground(cluster.kubeconfig, ['get', 'deploy', '-n', ns, '-w', '-o', 'jsonpath={.spec.template.spec.containers[0].image}{"\\n"}'], cache.path);
    try {
      await eventually(() => watch.output().includes('nginx:1.25'), { what: 'kubectl get -w to print the current object' });
      const reapplied = await run(['apply', '-f', '-'], manifest('nginx:1.26'));
      expect(reapplied.code).toBe(0);
      expect(reapplied.stdout).toContain('deployment.apps/web configured');
      expect(reapplied.stdout).toContain('configmap/web-config unchanged');
      await eventually(() => watch.output().includes('nginx:1.26'), { what: 'kubectl get -w to print the change' });
    } finally {
      watch.stop();
    }

    const after = await run(['get', 'deploy', 'web', '-n', ns, '-o', 'json']);
    const d = JSON.parse(after.stdout);
    expect(d.spec.template.spec.containers[0].image).toBe('nginx:1.26');
    expect(d.spec.template.spec.containers[0].ports).toEqual([{ containerPort: 8080, protocol: 'TCP' }]);
    expect(d.metadata.generation).toBe(2);

    const table = await run(['get', 'deploy', '-n', ns]);
    expect(table.stdout).toMatch(/NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE/);
    expect(table.stdout).toMatch(/web\s+0\/2/);

    // The namespace goes last: deleted first (the manifest's order), its controller may empty it
    // before kubectl reaches the Deployment, which kubectl then reports as NotFound.
    const [namespaceDoc, ...namespaced] = manifest('nginx:1.26').split('\n---\n');
    const deleted = await run(['delete', '-f', '-'], namespaced.join('\n---\n'));
    expect(deleted.code).toBe(0);
    expect(deleted.stdout).toContain('deployment.apps "web" deleted');
    expect((await run(['delete', '-f', '-'], namespaceDoc)).code).toBe(0);
    const gone = await run(['get', 'deploy,svc,cm', '-n', ns, '-o', 'name']);
    expect(gone.stdout.trim()).toBe('');
    const nsGone = await run(['get', 'ns', ns]);
    expect(nsGone.code).not.toBe(0);
    expect(nsGone.stderr).toContain('NotFound');
  });

  it('creates a deployment, a job and a service with kubectl create (protobuf bodies from kubectl 1.32)', async () => {
    const ns = randomName('create');
    expect((await run(['create', 'namespace', ns])).code).toBe(0);
    const d = await run(['create', 'deployment', 'web', '--image=nginx:1.25', '--replicas=2', '--port=80', '-n', ns]);
    expect(d.stderr).toBe('');
    expect(d.stdout).toContain('deployment.apps/web created');
    expect((await run(['create', 'job', 'once', '--image=busybox', '-n', ns, '--', 'echo', 'hi'])).stdout).toContain('job.batch/once created');
    const s = await run(['create', 'service', 'clusterip', 'web', '--tcp=80:8080', '-n', ns]);
    expect(s.stderr).toBe('');
    expect(s.stdout).toContain('service/web created');
    const got = JSON.parse((await run(['get', 'deploy', 'web', '-n', ns, '-o', 'json'])).stdout);
    expect(got.spec.replicas).toBe(2);
    expect(got.spec.template.spec.containers[0]).toMatchObject({ image: 'nginx:1.25', ports: [{ containerPort: 80, protocol: 'TCP' }] });
    const svc = JSON.parse((await run(['get', 'svc', 'web', '-n', ns, '-o', 'json'])).stdout);
    expect(svc.spec.ports[0]).toMatchObject({ name: '80-8080', port: 80, targetPort: 8080, protocol: 'TCP' });
    const job = JSON.parse((await run(['get', 'job', 'once', '-n', ns, '-o', 'json'])).stdout);
    expect(job.spec.template.spec.containers[0].command).toEqual(['echo', 'hi']);
  });

  it('previews with kubectl diff and --dry-run=server (create, apply, server-side apply, delete) and stores nothing', async () => {
    const ns = randomName('dry');
    expect((await run(['create', 'namespace', ns])).code).toBe(0);
    const cm = (greeting: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: ${ns}\ndata:\n  greeting: ${greeting}\n`;
    // What the log holds for an object: every write that was stored (controllers keep writing elsewhere).
    const stored = async (kind: string, name: string) =>
      JSON.parse((await run(['get', '--raw', `/apis/logbook.io/v1/history?kind=${kind}&namespace=${ns}&name=${name}`])).stdout).items.map((e: any) => e.type);

    const created = await run(['create', '--dry-run=server', '-f', '-', '-o', 'json'], cm('hello'));
    expect(created.stderr).toBe('');
    const preview = JSON.parse(created.stdout);
    expect(preview).toMatchObject({ kind: 'ConfigMap', metadata: { name: 'settings', namespace: ns }, data: { greeting: 'hello' } });
    expect(preview.metadata.uid).toBeDefined();
    expect((await run(['get', 'cm', 'settings', '-n', ns])).stderr).toContain('NotFound');

    expect((await run(['apply', '-f', '-'], cm('hello'))).code).toBe(0);
    const live = JSON.parse((await run(['get', 'cm', 'settings', '-n', ns, '-o', 'json'])).stdout);

    const diff = await run(['diff', '-f', '-'], cm('bonjour'));
    expect(diff.stderr).toBe('');
    expect(diff.code).toBe(1); // kubectl diff: 1 means "differences found"
    expect(diff.stdout).toMatch(/^-\s+greeting: hello$/m);
    expect(diff.stdout).toMatch(/^\+\s+greeting: bonjour$/m);
    const same = await run(['diff', '-f', '-'], cm('hello'));
    expect([same.code, same.stdout]).toEqual([0, '']);

    expect((await run(['apply', '--dry-run=server', '-f', '-'], cm('bonjour'))).stdout).toContain('configmap/settings configured (server dry run)');
    expect((await run(['apply', '--server-side', '--dry-run=server', '-f', '-'], cm('bonjour'))).stdout).toContain('configmap/settings serverside-applied (server dry run)');
    expect((await run(['delete', 'cm', 'settings', '-n', ns, '--dry-run=server'])).stdout).toContain('configmap "settings" deleted (server dry run)');
    expect((await run(['delete', 'namespace', ns, '--dry-run=server'])).stdout).toContain(`namespace "${ns}" deleted (server dry run)`);

    const after = JSON.parse((await run(['get', 'cm', 'settings', '-n', ns, '-o', 'json'])).stdout);
    expect(after.data).toEqual({ greeting: 'hello' });
    expect(after.metadata.resourceVersion).toBe(live.metadata.resourceVersion);
    expect((await run(['get', 'namespace', ns, '-o', 'jsonpath={.status.phase}'])).stdout).toBe('Active');
    expect(await stored('cm', 'settings')).toEqual(['ConfigMapCreated']);
    expect(await stored('ns', ns)).toEqual(['NamespaceCreated']);
  });

  it('prints a pod change live with kubectl get pods -w', async () => {
    const name = randomName('p');
    const watch = kubectlBackground(cluster.kubeconfig, ['get', 'pods', '-n', 'default', '-w', '--show-labels'], cache.path);
    try {
      const created = await run(['run', name, '--image', 'busybox:1.36', '--restart', 'Never', '-n', 'default', '--', 'sleep', '3600']);
      expect(created.code).toBe(0);
      await eventually(() => watch.output().includes(name), { what: `the new pod ${name} in kubectl get -w` });
      const labelled = await run(['label', 'pod', name, '-n', 'default', 'tier=backend']);
      expect(labelled.code).toBe(0);
      await eventually(() => watch.output().includes('tier=backend'), { what: 'the label change in kubectl get -w' });
    } finally {
      watch.stop();
    }
  });
});
