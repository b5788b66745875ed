import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { type KubeObject, bootstrapTokenSecret } from '@logbook/kube';
import { fixture } from '../testing/fixture';
import { CsrApprovingController } from './csr-approving-controller';
import { CsrSigningController } from './csr-signing-controller';
import { TokenCleaner } from './token-cleaner';

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
const KUBELET = 'kubernetes.io/kube-apiserver-client-kubelet';
const CLIENT_USAGES = ['digital signature', 'client auth'];

async function request(subject: string, dnsNames: string[] = []): Promise<string> {
  const keys = await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
  const extensions = dnsNames.length ? [new x509.SubjectAlternativeNameExtension(dnsNames.map((value) => ({ type: 'dns' as const, value })))] : [];
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({ name: subject, keys: keys as any, signingAlgorithm: ALG, extensions }, webcrypto as any);
  return Buffer.from(csr.toString('pem')).toString('base64');
}

interface CsrSpec {
  subject?: string;
  dnsNames?: string[];
  signerName?: string;
  usages?: string[];
  username?: string;
  groups?: string[];
  conditions?: unknown[];
}

async function csr(o: CsrSpec = {}): Promise<KubeObject> {
  return {
    apiVersion: 'certificates.k8s.io/v1',
    kind: 'CertificateSigningRequest',
    metadata: { name: 'node-csr-1' },
    spec: {
      request: await request(o.subject ?? 'CN=system:node:n1, O=system:nodes', o.dnsNames),
      signerName: o.signerName ?? KUBELET,
      usages: o.usages ?? CLIENT_USAGES,
      username: o.username ?? 'system:bootstrap:abcdef',
      groups: o.groups ?? ['system:bootstrappers', 'system:bootstrappers:logbook:default-node-token', 'system:authenticated'],
    },
    ...(o.conditions ? { status: { conditions: o.conditions } } : {}),
  };
}

class ApprovingClient {
  approvals: KubeObject[] = [];
}

async function approve(obj: KubeObject) {
  const { ctx, client } = fixture([obj], '2026-12-06T12:00:00Z');
  const recorder = new ApprovingClient();
  (client as any).updateApproval = async (o: KubeObject) => (recorder.approvals.push(o), o);
  await new CsrApprovingController().reconcile('node-csr-1', ctx);
  return recorder.approvals;
}

describe('CsrApprovingController.reconcile', () => {
  describe('when a bootstrap token asks for a kubelet client certificate', () => {
    it('approves it through /approval', async () => {
      const approvals = await approve(await csr());
      expect(approvals).toHaveLength(1);
      expect(approvals[0].status.conditions).toEqual([expect.objectContaining({ type: 'Approved', status: 'True', reason: 'AutoApproved' })]);
    });
  });

  describe('when the node renews its own certificate', () => {
    it('approves it', async () => {
      expect(await approve(await csr({ username: 'system:node:n1', groups: ['system:nodes', 'system:authenticated'] }))).toHaveLength(1);
    });

    it('leaves a node asking for another node\'s certificate', async () => {
      expect(await approve(await csr({ username: 'system:node:n2', groups: ['system:nodes', 'system:authenticated'] }))).toHaveLength(0);
    });
  });

  describe('when the request is not a kubelet client certificate of a bootstrapper', () => {
    it.each<[string, CsrSpec]>([
      ['a subject outside system:nodes', { subject: 'CN=system:node:n1, O=system:masters' }],
      ['a second organization', { subject: 'CN=system:node:n1, O=system:nodes, O=system:masters' }],
      ['a common name that is not a node', { subject: 'CN=admin, O=system:nodes' }],
      ['DNS names', { dnsNames: ['n1.example'] }],
      ['server usages', { usages: ['digital signature', 'client auth', 'server auth'] }],
      ['another signer', { signerName: 'kubernetes.io/kube-apiserver-client' }],
      ['a requester outside system:bootstrappers', { username: 'alice', groups: ['system:authenticated'] }],
    ])('leaves it for a person: %s', async (_, spec) => {
      expect(await approve(await csr(spec))).toHaveLength(0);
    });

    it('never touches a request already denied', async () => {
      expect(await approve(await csr({ conditions: [{ type: 'Denied', status: 'True', reason: 'No' }] }))).toHaveLength(0);
    });
  });
});

describe('CsrSigningController.reconcile', () => {
  const approved = [{ type: 'Approved', status: 'True', reason: 'AutoApproved' }];
  const signer = () => {
    const calls: { pem: string; usages: readonly string[]; days: number }[] = [];
    const sign = async (pem: string, o: { usages: readonly string[]; days: number }) => (calls.push({ pem, ...o }), '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    return { calls, sign };
  };

  it('signs an approved kubelet client request and writes the certificate through /status', async () => {
    const { ctx, client } = fixture([await csr({ conditions: approved })]);
    const s = signer();
    await new CsrSigningController({ sign: s.sign }).reconcile('node-csr-1', ctx);
    expect(s.calls).toEqual([expect.objectContaining({ usages: CLIENT_USAGES, days: 365 })]);
    expect(s.calls[0].pem).toMatch(/^-----BEGIN CERTIFICATE REQUEST-----/);
    expect(client.summary).toEqual(['updateStatus CertificateSigningRequest/node-csr-1']);
    const written = client.calls[0] as { object: KubeObject };
    expect(Buffer.from(written.object.status.certificate, 'base64').toString()).toMatch(/^-----BEGIN CERTIFICATE-----/);
  });

  it('marks a request that breaks its signer\'s rules Failed instead of signing it', async () => {
    const { ctx, client } = fixture([await csr({ subject: 'CN=system:node:n1, O=system:masters', conditions: approved })]);
    const s = signer();
    await new CsrSigningController({ sign: s.sign }).reconcile('node-csr-1', ctx);
    expect(s.calls).toEqual([]);
    const written = client.calls[0] as { object: KubeObject };
    expect(written.object.status.conditions).toEqual([...approved, expect.objectContaining({ type: 'Failed', reason: 'SignerValidationFailure', message: 'subject organization is not system:nodes' })]);
  });

  it.each<[string, CsrSpec]>([
    ['not approved yet', {}],
    ['denied', { conditions: [{ type: 'Denied', status: 'True' }] }],
    ['for a signer that is not its', { signerName: 'example.com/custom', conditions: approved }],
  ])('signs nothing %s', async (_, spec) => {
    const { ctx, client } = fixture([await csr(spec)]);
    const s = signer();
    await new CsrSigningController({ sign: s.sign }).reconcile('node-csr-1', ctx);
    expect(s.calls).toEqual([]);
    expect(client.calls).toEqual([]);
  });
});

describe('TokenCleaner.reconcile', () => {
  const token = { id: 'abcdef', secret: '0123456789abcdef' };

  it('deletes an expired token', async () => {
    const { ctx, client } = fixture([bootstrapTokenSecret({ token, expiration: '2026-12-06T11:00:00Z' })], '2026-12-06T12:00:00Z');
    await new TokenCleaner().reconcile('kube-system/bootstrap-token-abcdef', ctx);
    expect(client.summary).toEqual(['delete Secret/bootstrap-token-abcdef']);
  });

  it('comes back when a live token expires', async () => {
    const { ctx, client } = fixture([bootstrapTokenSecret({ token, expiration: '2026-12-06T13:00:00Z' })], '2026-12-06T12:00:00Z');
    expect(await new TokenCleaner().reconcile('kube-system/bootstrap-token-abcdef', ctx)).toEqual({ requeueAfterMs: 3_600_000 });
    expect(client.calls).toEqual([]);
  });

  it('keeps a token without expiration', async () => {
    const { ctx, client } = fixture([bootstrapTokenSecret({ token })], '2026-12-06T12:00:00Z');
    await new TokenCleaner().reconcile('kube-system/bootstrap-token-abcdef', ctx);
    expect(client.calls).toEqual([]);
  });
});
