import { ApiError, type KubeObject, resourceByKind, streamName } from '@logbook/kube';
import { ClusterState } from '@logbook/projections';
import type { AdmissionRequest, ValidatingAdmission } from './admission';
import { AdmissionChain } from './chain';
import { MUTATING_ADMISSION, VALIDATING_ADMISSION, defaultAdmissionChain } from './plugins';
import { generateName } from './plugins/generate-name';

const pods = resourceByKind('Pod')!;
const namespaces = resourceByKind('Namespace')!;
const claims = resourceByKind('PersistentVolumeClaim')!;
const user = { name: 'alice', uid: 'alice', groups: ['system:authenticated'] };

function stateWith(...objects: KubeObject[]): ClusterState {
  const state = new ClusterState();
  objects.forEach((object, i) =>
    state.apply({ id: `e${i}`, position: i + 1, revision: 0, stream: streamName(object.kind, object.metadata.namespace, object.metadata.name!), type: `${object.kind}Created`, data: { object }, metadata: { time: '2026-01-01T00:00:00Z', actor: 'test', schemaVersion: 1 } } as any),
  );
  return state;
}

const ns = (name: string, terminating = false): KubeObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, ...(terminating ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) } });
const pod = (metadata: Partial<KubeObject['metadata']>): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { namespace: 'web', ...metadata }, spec: { containers: [{ name: 'c', image: 'x' }] } });

function create(object: KubeObject, resource = pods): AdmissionRequest {
  return { operation: 'CREATE', resource, namespace: object.metadata.namespace, name: object.metadata.name ?? '', object, user, dryRun: false };
}

function refusal(run: () => unknown): ApiError {
  try {
    run();
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error('expected the chain to refuse');
}

describe('the admission chain', () => {
  const chain = defaultAdmissionChain();

  describe('when the namespace is active', () => {
    const state = stateWith(ns('web'));

    it('generates a name from generateName: the prefix and five characters of kube’s alphabet', () => {
      const admitted = chain.admit(create(pod({ generateName: 'web-' })), state)!;
      expect(admitted.metadata.name).toMatch(/^web-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    });

    it('cuts a long prefix so that the generated name stays 63 characters', () => {
      expect(generateName('a'.repeat(70))).toHaveLength(63);
    });

    it('refuses a create with neither name nor generateName (422 FieldValueRequired)', () => {
      const err = refusal(() => chain.admit(create(pod({})), state));
      expect(err).toMatchObject({ code: 422, reason: 'Invalid' });
      expect(err.details?.causes).toEqual([{ reason: 'FieldValueRequired', field: 'metadata.name', message: 'Required value: name or generateName is required' }]);
    });

    it('gives a claim without a class the default StorageClass', () => {
      const standard: KubeObject = { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'standard', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } } };
      const claim: KubeObject = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', namespace: 'web' }, spec: {} };
      expect(chain.admit(create(claim, claims), stateWith(ns('web'), standard))!.spec.storageClassName).toBe('standard');
    });
  });

  describe('when the namespace is missing', () => {
    it('refuses creates and updates with the namespace’s 404', () => {
      const state = stateWith();
      expect(refusal(() => chain.admit(create(pod({ name: 'p' })), state))).toMatchObject({ code: 404, message: 'namespaces "web" not found' });
      expect(refusal(() => chain.admit({ ...create(pod({ name: 'p' })), operation: 'UPDATE' }, state))).toMatchObject({ code: 404 });
    });
  });

  describe('when the namespace is Terminating', () => {
    const state = stateWith(ns('web', true));

    it('refuses new content with kube’s 403', () => {
      const err = refusal(() => chain.admit(create(pod({ name: 'p' })), state));
      expect(err).toMatchObject({ code: 403, reason: 'Forbidden', message: 'pods "p" is forbidden: unable to create new content in namespace web because it is being terminated' });
      expect(err.details?.causes).toEqual([{ reason: 'NamespaceTerminating', message: 'namespace web is being terminated', field: 'metadata.namespace' }]);
    });

    it('names a generated object by its prefix, as kube (the name is not generated yet)', () => {
      expect(refusal(() => chain.admit(create(pod({ generateName: 'p-' })), state)).message).toMatch(/^pods "p-" is forbidden/);
    });

    it('lets updates and deletes through, so the namespace can empty', () => {
      const p = pod({ name: 'p' });
      expect(() => chain.admit({ ...create(p), operation: 'UPDATE', oldObject: p }, state)).not.toThrow();
      expect(() => chain.admit({ ...create(p), operation: 'DELETE', object: undefined, oldObject: p }, state)).not.toThrow();
    });
  });

  it('refuses to delete the immortal namespaces', () => {
    const request: AdmissionRequest = { operation: 'DELETE', resource: namespaces, name: 'default', user, dryRun: false };
    expect(refusal(() => chain.admit(request, stateWith(ns('default'))))).toMatchObject({ code: 403, message: 'namespaces "default" is forbidden: this namespace may not be deleted' });
  });

  it('orders the steps as kube-apiserver does, the name last among mutating and ResourceQuota last among validating', () => {
    const mutating = MUTATING_ADMISSION.map((s) => s.name);
    const order = ['NamespaceLifecycle', 'LimitRanger', 'DefaultStorageClass', 'DefaultIngressClass', 'GenerateName', 'NameRequired'].map((n) => mutating.indexOf(n));
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(order).not.toContain(-1);
    expect(mutating.slice(-2)).toEqual(['GenerateName', 'NameRequired']);
    expect(VALIDATING_ADMISSION.map((s) => s.name).at(-1)).toBe('ResourceQuota');
  });

  it('collects the validating steps’ warnings in order', () => {
    const warn = (text: string): ValidatingAdmission => ({ name: text, validate: () => ({ warnings: [text] }) });
    const notes = new AdmissionChain([], [warn('one'), { name: 'quiet', validate: () => undefined }, warn('two')]).validate(create(pod({ name: 'p' })), stateWith());
    expect(notes.warnings).toEqual(['one', 'two']);
  });
});
