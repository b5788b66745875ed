import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { type KubeObject, resourceByKind } from '@logbook/kube';
import type { ClusterState } from '@logbook/projections';
import { CSR_REQUESTER } from './certificate-request';
import { decide } from './decide';
import type { WriteContext } from './commands';

const csrs = resourceByKind('CertificateSigningRequest')!;
const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
const context = (): WriteContext => {
  let n = 0;
  return { actor: 'system:bootstrap:abcdef', now: '2026-12-06T12:00:00Z', correlationId: 'req-1', newId: () => `id-${++n}` };
};

async function stored(status?: Record<string, unknown>): Promise<KubeObject> {
  const keys = await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({ name: 'CN=system:node:n1, O=system:nodes', keys: keys as any, signingAlgorithm: ALG }, webcrypto as any);
  return {
    apiVersion: 'certificates.k8s.io/v1',
    kind: 'CertificateSigningRequest',
    metadata: { name: 'node-csr-1', uid: 'u1', resourceVersion: '7', creationTimestamp: '2026-12-06T11:00:00Z' },
    spec: { request: Buffer.from(csr.toString('pem')).toString('base64'), signerName: 'kubernetes.io/kube-apiserver-client-kubelet', usages: ['digital signature', 'client auth'], username: 'system:bootstrap:abcdef', groups: ['system:bootstrappers'] },
    ...(status ? { status } : {}),
  };
}

const patchOf = (events: ReturnType<typeof decide>) => (events[0].data as { patch: { path: string }[] }).patch.map((p) => p.path);
const approved = { type: 'Approved', status: 'True', reason: 'AutoApproved' };
const certificate = Buffer.from('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n').toString('base64');

describe('CertificateSigningRequest writes', () => {
  describe('when it is created', () => {
    it('records who asked, whatever the body claims, with an empty status', async () => {
      const body = await stored({ conditions: [approved] });
      body.spec.username = 'admin';
      body.spec.groups = ['system:masters'];
      const user = { name: 'system:bootstrap:abcdef', uid: '', groups: ['system:bootstrappers', 'system:authenticated'] };
      const admitted = CSR_REQUESTER.admit({ operation: 'CREATE', resource: csrs, name: 'node-csr-1', object: body, user, dryRun: false }, {} as ClusterState)!;
      expect(admitted.spec).toMatchObject({ username: 'system:bootstrap:abcdef', groups: ['system:bootstrappers', 'system:authenticated'] });
      expect(admitted.spec.uid).toBeUndefined();
      expect(admitted.status).toBeUndefined();
    });
  });

  describe('when it is pending', () => {
    it('gets approved through /approval, conditions only', async () => {
      const current = await stored();
      const body = { ...current, spec: { ...current.spec, usages: ['server auth'] }, status: { conditions: [approved], certificate } };
      const events = decide({ type: 'UpdateApproval', resource: csrs, object: body }, current, context());
      expect(patchOf(events)).toEqual(['/status']);
      expect((events[0].data as any).patch[0].value).toEqual({ conditions: [approved] });
    });

    it('cannot be approved through /status', async () => {
      const current = await stored();
      const events = decide({ type: 'UpdateStatus', resource: csrs, object: { ...current, status: { conditions: [approved] } } }, current, context());
      expect(events).toEqual([]);
    });

    it('keeps its spec on an update of the main resource', async () => {
      const current = await stored();
      const events = decide({ type: 'Update', resource: csrs, object: { ...current, metadata: { ...current.metadata, labels: { a: 'b' } }, spec: { ...current.spec, username: 'admin' } } }, current, context());
      expect(patchOf(events)).toEqual(['/metadata/labels']);
    });
  });

  describe('when it is approved', () => {
    it('gets its certificate through /status and keeps the approval', async () => {
      const current = await stored({ conditions: [approved] });
      const events = decide({ type: 'UpdateStatus', resource: csrs, object: { ...current, status: { certificate } } }, current, context());
      expect(patchOf(events)).toEqual(['/status/certificate']);
    });

    it('keeps its certificate when /approval writes', async () => {
      const current = await stored({ conditions: [approved], certificate });
      const events = decide({ type: 'UpdateApproval', resource: csrs, object: { ...current, status: { conditions: [approved] } } }, current, context());
      expect(events).toEqual([]);
    });
  });
});
