import { makeTmpDir, randomName, startLogbook, eventually, type LogbookProcess } from '@logbook/testing';

type K8s = typeof import('@kubernetes/client-node');

/** @kubernetes/client-node (v2) through the kubeconfig `logbook up` wrote. */
describe('@kubernetes/client-node against logbook up', () => {
  const dir = makeTmpDir();
  let cluster: LogbookProcess;
  let k8s: K8s;
  let kc: InstanceType<K8s['KubeConfig']>;

  beforeAll(async () => {
    k8s = await import('@kubernetes/client-node');
    // API semantics only: no scheduler or controllers writing to the same objects.
    cluster = await startLogbook(dir.path, ['--no-controllers']);
    kc = new k8s.KubeConfig();
    kc.loadFromFile(cluster.kubeconfig);
  });
  afterAll(async () => {
    await cluster?.stop();
    dir.remove();
  });

  const pod = (name: string, labels: Record<string, string>) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels },
    spec: { containers: [{ name: 'main', image: 'busybox:1.36', command: ['sleep', '3600'] }] },
  });

  it('creates, reads, lists by label, patches, rejects a stale replace, deletes', async () => {
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const name = randomName('pod');
    const created = await core.createNamespacedPod({ namespace: 'default', body: pod(name, { app: 'api', run: name }) });
    expect(created.metadata?.uid).toBeDefined();
    expect(created.spec?.restartPolicy).toBe('Always');
    await core.createNamespacedPod({ namespace: 'default', body: pod(`${name}-other`, { app: 'other', run: name }) });

    const read = await core.readNamespacedPod({ name, namespace: 'default' });
    expect(read.metadata?.resourceVersion).toBe(created.metadata?.resourceVersion);

    const listed = await core.listNamespacedPod({ namespace: 'default', labelSelector: `app=api,run=${name}` });
    expect(listed.items.map((p) => p.metadata?.name)).toEqual([name]);

    const patched = await core.patchNamespacedPod(
      { name, namespace: 'default', body: { metadata: { labels: { tier: 'gold' } } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    expect(patched.metadata?.labels).toEqual({ app: 'api', run: name, tier: 'gold' });
    expect(Number(patched.metadata?.resourceVersion)).toBeGreaterThan(Number(created.metadata?.resourceVersion));

    // Replacing with the resourceVersion from before the patch is stale: 409.
    const stale = { ...read, metadata: { ...read.metadata, labels: { app: 'stale' } } };
    await expect(core.replaceNamespacedPod({ name, namespace: 'default', body: stale })).rejects.toMatchObject({ code: 409 });

    await core.deleteNamespacedPod({ name, namespace: 'default' });
    await expect(core.readNamespacedPod({ name, namespace: 'default' })).rejects.toMatchObject({ code: 404 });
  });

  it('watches pods: ADDED, MODIFIED and DELETED', async () => {
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const name = randomName('watched');
    const seen: string[] = [];
    const watch = new k8s.Watch(kc);
    const req = await watch.watch(
      '/api/v1/namespaces/default/pods',
      { labelSelector: `run=${name}` },
      (type: string, obj: any) => seen.push(`${type} ${obj.metadata.name} ${obj.metadata.labels?.step ?? ''}`.trim()),
      () => undefined,
    );
    try {
      await core.createNamespacedPod({ namespace: 'default', body: pod(name, { run: name }) });
      await core.patchNamespacedPod({ name, namespace: 'default', body: { metadata: { labels: { step: 'two' } } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
      await core.deleteNamespacedPod({ name, namespace: 'default' });
      await eventually(() => seen.length >= 3, { what: 'three watch events' });
      expect(seen).toEqual([`ADDED ${name}`, `MODIFIED ${name} two`, `DELETED ${name} two`]);
    } finally {
      req.abort();
    }
  });

  it('two concurrent updates carrying the same resourceVersion: exactly one succeeds, the other gets 409', async () => {
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const name = randomName('cm');
    const cm = await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name }, data: { v: '0' } } });
    const update = (v: string) => core.replaceNamespacedConfigMap({ name, namespace: 'default', body: { ...cm, data: { v } } });
    const results = await Promise.allSettled([update('a'), update('b')]);
    const ok = results.filter((r) => r.status === 'fulfilled');
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(ok).toHaveLength(1);
    expect(failed).toHaveLength(1);
    expect(failed[0].reason.code).toBe(409);
    const final = await core.readNamespacedConfigMap({ name, namespace: 'default' });
    expect(final.data?.v).toBe((ok[0] as PromiseFulfilledResult<any>).value.data.v);
  });
});
