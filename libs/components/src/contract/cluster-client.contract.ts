import { randomBytes } from 'node:crypto';
import type { KubeObject } from '@logbook/kube';
import { ClientError, type ClusterClient } from '../cluster-client.port';

/**
 * The behaviour every ClusterClient must have, whichever way it reaches the API server: the
 * in-process client of `logbook up` and the HTTPS client of distributed mode pass the same
 * admission chain and must answer alike (docs/security.md "Admission: one chain for every
 * write"). Each adapter's spec calls this with a factory; the cluster behind it needs no
 * controllers (nothing here waits for one).
 */
export function clusterClientContract(name: string, clientOf: () => ClusterClient): void {
  describe(`ClusterClient contract: ${name}`, () => {
    let client: ClusterClient;
    let ns: string;
    const cleanups: Array<() => Promise<unknown>> = [];

    beforeAll(async () => {
      client = clientOf();
      ns = randomName('contract');
      await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }, {});
      cleanups.push(() => client.delete('Namespace', undefined, ns, {}));
    });

    afterAll(async () => {
      for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    });

    const configMap = (metadata: KubeObject['metadata'], data: Record<string, string> = { k: 'v' }): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { namespace: ns, ...metadata }, data });
    const pod = (podName: string): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: podName, namespace: ns }, spec: { containers: [{ name: 'c', image: 'registry.example/app:1' }] } });

    it('generates a name from generateName: the prefix and five characters', async () => {
      const created = await client.create(configMap({ generateName: 'gen-' }), {});
      expect(created.metadata.name).toMatch(/^gen-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
      expect(created.metadata.uid).toBeTruthy();
      expect((await client.getObject!('ConfigMap', ns, created.metadata.name!))?.data).toEqual({ k: 'v' });
    });

    it('refuses a create without name or generateName with 422', async () => {
      const err = await failure(client.create(configMap({}), {}));
      expect(err).toMatchObject({ code: 422, reason: 'Invalid' });
      expect(err.message).toContain('metadata.name: Required value: name or generateName is required');
    });

    it('refuses a create in a missing namespace with the namespace’s 404', async () => {
      const missing = randomName('missing');
      const err = await failure(client.create({ ...configMap({ name: 'cm' }), metadata: { name: 'cm', namespace: missing } }, {}));
      expect(err).toMatchObject({ code: 404, reason: 'NotFound', message: `namespaces "${missing}" not found` });
    });

    it('refuses a create in a Terminating namespace with kube’s 403', async () => {
      const doomed = randomName('doomed');
      await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: doomed } }, {});
      // A finalizer no one removes keeps the namespace Terminating whoever empties it.
      const held = await client.create({ ...configMap({ name: 'held', finalizers: ['logbook.io/test-hold'] }), metadata: { name: 'held', namespace: doomed, finalizers: ['logbook.io/test-hold'] } }, {});
      cleanups.push(async () => {
        const now = await client.getObject!('ConfigMap', doomed, 'held');
        if (now) await client.update({ ...now, metadata: { ...now.metadata, finalizers: [] } }, {});
      });
      await client.delete('Namespace', undefined, doomed, {});
      expect((await client.getObject!('Namespace', undefined, doomed))?.metadata.deletionTimestamp).toBeTruthy();

      const err = await failure(client.create({ ...configMap({ name: 'late' }), metadata: { name: 'late', namespace: doomed } }, {}));
      expect(err).toMatchObject({ code: 403, reason: 'Forbidden', message: `configmaps "late" is forbidden: unable to create new content in namespace ${doomed} because it is being terminated` });
      // Changing what is already there is still allowed (that is how a namespace empties).
      await expect(client.update({ ...held, data: { k: 'changed' } }, {})).resolves.toMatchObject({ data: { k: 'changed' } });
    });

    it('gives an Ingress without a class the default IngressClass', async () => {
      const className = randomName('a-default');
      await client.create({ apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: className, annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } }, spec: { controller: 'logbook.io/ingress' } }, {});
      try {
        const ingress = await client.create({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'web', namespace: ns }, spec: { defaultBackend: { service: { name: 'web', port: { number: 80 } } } } }, {});
        expect(ingress.spec.ingressClassName).toBe(className);
      } finally {
        await client.delete('IngressClass', undefined, className, {});
      }
    });

    it('gives a claim without a class the default StorageClass', async () => {
      const className = randomName('a-default');
      await client.create({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: className, annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } }, provisioner: 'logbook.io/local-path' }, {});
      try {
        const claim = await client.create({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', namespace: ns }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }, {});
        expect(claim.spec.storageClassName).toBe(className);
      } finally {
        await client.delete('StorageClass', undefined, className, {});
      }
    });

    it('allocates a Service its ClusterIP', async () => {
      const service = await client.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: ns }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }] } }, {});
      expect(service.spec.clusterIP).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
      expect(service.spec.clusterIPs).toEqual([service.spec.clusterIP]);
    });

    it('refuses an update with a stale resourceVersion with 409', async () => {
      const created = await client.create(configMap({ name: 'cas' }), {});
      const updated = await client.update({ ...created, data: { k: 'second' } }, {});
      expect(updated.metadata.resourceVersion).not.toBe(created.metadata.resourceVersion);
      const err = await failure(client.update({ ...created, data: { k: 'stale' } }, {}));
      expect(err).toMatchObject({ code: 409, reason: 'Conflict' });
      expect((await client.getObject!('ConfigMap', ns, 'cas'))?.data).toEqual({ k: 'second' });
    });

    it('deletes', async () => {
      await client.create(configMap({ name: 'gone' }), {});
      await client.delete('ConfigMap', ns, 'gone', {});
      expect(await client.getObject!('ConfigMap', ns, 'gone')).toBeUndefined();
      expect(await failure(client.delete('ConfigMap', ns, 'gone', {}))).toMatchObject({ code: 404 });
    });

    it('stores nothing on a dry run, after every check', async () => {
      const answer = await client.create(configMap({ name: 'dry' }), {}, { dryRun: true });
      expect(answer).toMatchObject({ metadata: { name: 'dry', namespace: ns }, data: { k: 'v' } });
      expect(await client.getObject!('ConfigMap', ns, 'dry')).toBeUndefined();
      // Admission runs on a dry run too.
      expect(await failure(client.create(configMap({}), {}, { dryRun: true }))).toMatchObject({ code: 422 });
      const stored = await client.create(configMap({ name: 'wet' }), {});
      await client.update({ ...stored, data: { k: 'dry' } }, {}, { dryRun: true });
      expect((await client.getObject!('ConfigMap', ns, 'wet'))?.data).toEqual({ k: 'v' });
    });

    it('updates status only through updateStatus', async () => {
      const created = await client.create(pod('status'), {});
      const written = await client.updateStatus({ ...created, spec: { ...created.spec, nodeName: 'ignored' }, status: { ...created.status, phase: 'Running' } }, {});
      expect(written.status.phase).toBe('Running');
      const stored = await client.getObject!('Pod', ns, 'status');
      expect(stored?.status.phase).toBe('Running');
      expect(stored?.spec.nodeName).toBeUndefined();
    });

    it('binds a pod once, with its resourceVersion as precondition', async () => {
      const created = await client.create(pod('bound'), {});
      await client.bind(ns, 'bound', 'node-a', created.metadata.resourceVersion!, {});
      expect((await client.getObject!('Pod', ns, 'bound'))?.spec.nodeName).toBe('node-a');
      expect(await failure(client.bind(ns, 'bound', 'node-b', created.metadata.resourceVersion!, {}))).toMatchObject({ code: 409 });
    });

    it('issues a TokenRequest token bound to a pod, and refuses a missing account or a stale pod uid as kube does', async () => {
      await client.create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'robot', namespace: ns } }, {});
      const created = await client.create({ ...pod('tokened'), spec: { ...pod('tokened').spec, serviceAccountName: 'robot' } }, {});
      const before = Date.now();
      const issued = await client.requestToken!(ns, 'robot', { expirationSeconds: 3607, boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'tokened', uid: created.metadata.uid } }, {});
      expect(issued.token.split('.')).toHaveLength(3);
      const expires = Date.parse(issued.expirationTimestamp);
      expect(expires).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + 3607_000);
      expect(expires).toBeLessThanOrEqual(Date.now() + 3607_000);
      expect(await failure(client.requestToken!(ns, 'nobody', { expirationSeconds: 3600 }, {}))).toMatchObject({ code: 404, message: 'serviceaccounts "nobody" not found' });
      expect(await failure(client.requestToken!(ns, 'robot', { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'tokened', uid: 'not-its-uid' } }, {}))).toMatchObject({ code: 409 });
    });
  });
}

function randomName(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

async function failure(promise: Promise<unknown>): Promise<ClientError> {
  const outcome = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!(outcome instanceof ClientError)) throw new Error(`expected a ClientError, got ${outcome === undefined ? 'success' : String(outcome)}`);
  return outcome;
}
