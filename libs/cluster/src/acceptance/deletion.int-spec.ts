import { eventually, randomName } from '@logbook/testing';
import { type AcceptanceCluster, podReady, podsWithLabels, startAcceptanceCluster } from './harness';

const deployment = (ns: string, name: string, replicas = 3) => `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  namespace: ${ns}
spec:
  replicas: ${replicas}
  selector:
    matchLabels: { app: ${name} }
  template:
    metadata:
      labels: { app: ${name} }
    spec:
      containers:
      - name: main
        image: nginx:1.25
        ports:
        - containerPort: 8080
`;

const namespace = (ns: string) => `
apiVersion: v1
kind: Namespace
metadata:
  name: ${ns}
`;

const serviceAndConfig = (ns: string) => `
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

/** Acceptance (issue 4): deleting a Deployment removes its ReplicaSets and pods; deleting a namespace empties it. */
describe('Deletion with garbage collection', () => {
  let t: AcceptanceCluster;

  beforeAll(async () => {
    t = await startAcceptanceCluster({ hollowNodes: 3 });
  }, 30_000);
  afterAll(async () => {
    await t?.close();
  });

  const state = () => t.cluster.projector.state;
  const readyPods = (ns: string, app: string, n: number) =>
    eventually(() => podsWithLabels(t.cluster, ns, { app }).filter(podReady).length === n, { what: `${n} ready ${app} pods in ${ns}`, timeoutMs: 15_000 });
  const createNamespace = async () => {
    const ns = randomName('ns');
    await t.kubectl(['apply', '-f', '-'], { input: namespace(ns) });
    return ns;
  };

  it('kubectl delete deployment removes its ReplicaSets and pods (background propagation)', async () => {
    const ns = await createNamespace();
    await t.kubectl(['apply', '-f', '-'], { input: deployment(ns, 'web') });
    await readyPods(ns, 'web', 3);
    expect(state().list('ReplicaSet', { namespace: ns })).toHaveLength(1);

    const deleted = await t.kubectl(['delete', 'deployment', 'web', '-n', ns]);
    expect(deleted.stdout).toContain('deployment.apps "web" deleted');
    await eventually(() => state().list('ReplicaSet', { namespace: ns }).length === 0 && state().list('Pod', { namespace: ns }).length === 0, {
      what: 'no ReplicaSets and no pods left',
      timeoutMs: 15_000,
    });
    const left = await t.kubectl(['get', 'deploy,rs,pods', '-n', ns]);
    expect(left.stdout).toBe('');
    expect(left.stderr).toContain('No resources found');
  }, 30_000);

  it('kubectl delete deployment --cascade=foreground deletes the dependents before the owner disappears', async () => {
    const ns = await createNamespace();
    await t.kubectl(['apply', '-f', '-'], { input: deployment(ns, 'web') });
    await readyPods(ns, 'web', 3);
    const deploy = state().get('Deployment', ns, 'web')!;
    const dependents = new Set([...state().list('ReplicaSet', { namespace: ns }), ...state().list('Pod', { namespace: ns })].map((o) => `${o.kind}/${ns}/${o.metadata.name}`));
    expect(dependents.size).toBe(4);

    // Where each object leaves the projection, and what the owner looked like while its dependents went.
    const gone = new Map<string, number>();
    const ownerWhileDependentsGo: Array<{ deleting: boolean; finalizers: string[] }> = [];
    const off = t.cluster.projector.onApplied((event, change) => {
      if (change.before && !change.after) gone.set(event.stream, event.position);
      if (!change.after && dependents.has(event.stream)) {
        const owner = state().get('Deployment', ns, 'web');
        ownerWhileDependentsGo.push({ deleting: !!owner?.metadata.deletionTimestamp, finalizers: owner?.metadata.finalizers ?? [] });
      }
    });
    try {
      const deleted = await t.kubectl(['delete', 'deployment', 'web', '-n', ns, '--cascade=foreground']);
      expect(deleted.stdout).toContain('deployment.apps "web" deleted');
      await eventually(() => !state().get('Deployment', ns, 'web'), { what: 'the Deployment gone', timeoutMs: 15_000 });
    } finally {
      off();
    }
    const ownerGone = gone.get(`Deployment/${ns}/web`)!;
    expect(ownerGone).toBeDefined();
    for (const d of dependents) {
      expect(gone.get(d)).toBeDefined();
      expect(gone.get(d)!).toBeLessThan(ownerGone);
    }
    expect(ownerWhileDependentsGo).toHaveLength(dependents.size);
    for (const seen of ownerWhileDependentsGo) expect(seen).toEqual({ deleting: true, finalizers: ['foregroundDeletion'] });
    // Nothing new was created for the Deployment being deleted.
    expect(state().list('Pod', { namespace: ns }).filter((p) => p.metadata.ownerReferences?.some((r: { uid: string }) => r.uid === deploy.metadata.uid))).toHaveLength(0);
    expect(state().list('ReplicaSet', { namespace: ns })).toHaveLength(0);
    expect(state().list('Pod', { namespace: ns })).toHaveLength(0);
  }, 30_000);

  it('kubectl delete namespace empties it (deployment, pods, service, endpoints, configmap) and removes it', async () => {
    const ns = await createNamespace();
    await t.kubectl(['apply', '-f', '-'], { input: deployment(ns, 'web') + '---' + serviceAndConfig(ns) });
    await readyPods(ns, 'web', 3);
    await eventually(() => state().get('Endpoints', ns, 'web')?.subsets?.[0]?.addresses?.length === 3, { what: 'endpoints of 3 ready pods' });

    const deleted = await t.kubectl(['delete', 'namespace', ns], { timeoutMs: 30_000 });
    expect(deleted.stdout).toContain(`namespace "${ns}" deleted`);
    // kubectl waits for the namespace to be gone before it returns.
    expect(state().get('Namespace', undefined, ns)).toBeUndefined();
    for (const kind of ['Deployment', 'ReplicaSet', 'Pod', 'Service', 'Endpoints', 'ConfigMap']) expect({ kind, left: state().list(kind, { namespace: ns }).length }).toEqual({ kind, left: 0 });
    const got = await t.kubectl(['get', 'namespace', ns], { allowFailure: true });
    expect(got.code).not.toBe(0);
    expect(got.stderr).toContain(`namespaces "${ns}" not found`);
  }, 40_000);
});
