import { X509Certificate, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { InProcessClusterClient } from '@logbook/apiserver';
import { ClientError } from '@logbook/components';
import { type KubeObject, bootstrapTokenSecret } from '@logbook/kube';
import { eventually, randomName } from '@logbook/testing';
import { type AcceptanceCluster, startAcceptanceCluster } from './harness';

const EC = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
type Params = Parameters<typeof x509.Pkcs10CertificateRequestGenerator.create>;

async function csrFor(name: string, subject: x509.JsonName, signerName: string, usages = ['digital signature', 'client auth']): Promise<KubeObject> {
  const keys = await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify']);
  const req = await x509.Pkcs10CertificateRequestGenerator.create({ name: subject, keys: keys as unknown as Params[0]['keys'], signingAlgorithm: EC }, webcrypto as unknown as Params[1]);
  return { apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', metadata: { name }, spec: { request: Buffer.from(req.toString('pem')).toString('base64'), signerName, usages } };
}

/** The CSR path end to end in one process: RBAC, the requester admission step, the approver and the signer of the embedded controller manager, kubectl certificate approve|deny. */
describe('certificate signing requests', () => {
  let a: AcceptanceCluster;
  const get = (name: string) => a.cluster.projector.state.getByStream(`CertificateSigningRequest/${name}`);
  const caPem = () => a.cluster.api.caCert;

  beforeAll(async () => {
    a = await startAcceptanceCluster({});
  }, 60_000);
  afterAll(() => a?.close());

  describe('when a bootstrap token asks for a node certificate', () => {
    it('is approved and signed for system:node:<name> by the cluster CA, and records the requester', async () => {
      const bootstrapper = { name: 'system:bootstrap:abcdef', uid: '', groups: ['system:bootstrappers', 'system:bootstrappers:logbook:default-node-token', 'system:authenticated'] };
      const client = new InProcessClusterClient(a.cluster.api.writer, a.cluster.projector, bootstrapper, a.cluster.api.authorizer);
      const node = randomName('n');
      const name = randomName('node-csr');
      const body = await csrFor(name, [{ O: ['system:nodes'] }, { CN: [`system:node:${node}`] }], 'kubernetes.io/kube-apiserver-client-kubelet');
      body.spec.username = 'admin';
      body.spec.groups = ['system:masters'];
      await client.create(body, {});
      const issued = await eventually(() => (get(name)?.status?.certificate ? get(name) : undefined), { timeoutMs: 30_000, what: 'the certificate' });
      expect(issued!.spec).toMatchObject({ username: bootstrapper.name, groups: bootstrapper.groups });
      expect(issued!.status.conditions).toEqual([expect.objectContaining({ type: 'Approved', status: 'True', reason: 'AutoApproved' })]);
      const cert = new X509Certificate(Buffer.from(issued!.status.certificate, 'base64'));
      const ca = new X509Certificate(caPem());
      expect(cert.subject.split('\n').sort()).toEqual([`CN=system:node:${node}`, 'O=system:nodes']);
      expect(cert.checkIssued(ca) && cert.verify(ca.publicKey)).toBe(true);
      expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']);
    });

    it('may not approve requests: /approval is for those RBAC lets update certificatesigningrequests/approval', async () => {
      const bootstrapper = { name: 'system:bootstrap:fedcba', uid: '', groups: ['system:bootstrappers', 'system:authenticated'] };
      const client = new InProcessClusterClient(a.cluster.api.writer, a.cluster.projector, bootstrapper, a.cluster.api.authorizer);
      const name = randomName('self');
      await a.kubectl(['create', '-f', '-'], { input: JSON.stringify(await csrFor(name, [{ CN: ['someone'] }], 'kubernetes.io/kube-apiserver-client')) });
      const csr = get(name)!;
      await expect(client.updateApproval!({ ...csr, status: { conditions: [{ type: 'Approved', status: 'True', reason: 'Mine' }] } }, {})).rejects.toMatchObject({ code: 403 } as Partial<ClientError>);
    });
  });

  describe('when a bootstrap token expires', () => {
    it('is deleted by the token cleaner; a live one stays', async () => {
      const expired = bootstrapTokenSecret({ token: { id: 'exp1re', secret: '0123456789abcdef' }, expiration: '2020-01-01T00:00:00Z' });
      const live = bootstrapTokenSecret({ token: { id: 'l1vexx', secret: '0123456789abcdef' }, expiration: new Date(Date.now() + 3_600_000).toISOString() });
      await a.kubectl(['create', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [expired, live] }) });
      const secret = (name: string) => a.cluster.projector.state.getByStream(`Secret/kube-system/${name}`);
      await eventually(() => secret('bootstrap-token-exp1re') === undefined, { timeoutMs: 30_000, what: 'the expired token deleted' });
      expect(secret('bootstrap-token-l1vexx')).toBeDefined();
    });
  });

  describe('when a user asks for a client certificate', () => {
    it('waits for a person: kubectl certificate approve issues it, deny never does', async () => {
      const approved = randomName('alice');
      const denied = randomName('mallory');
      for (const [name, cn] of [[approved, 'alice'], [denied, 'mallory']]) {
        await a.kubectl(['create', '-f', '-'], { input: JSON.stringify(await csrFor(name, [{ O: ['developers'] }, { CN: [cn] }], 'kubernetes.io/kube-apiserver-client')) });
      }
      const pending = await a.kubectl(['get', 'csr', approved]);
      expect(pending.stdout).toMatch(new RegExp(`^${approved}\\s+\\S+\\s+kubernetes.io/kube-apiserver-client\\s+admin\\s+(<none>\\s+)?Pending$`, 'm'));

      expect((await a.kubectl(['certificate', 'approve', approved])).stdout).toContain(`certificatesigningrequest.certificates.k8s.io/${approved} approved`);
      expect((await a.kubectl(['certificate', 'deny', denied])).stdout).toContain(`certificatesigningrequest.certificates.k8s.io/${denied} denied`);
      await eventually(() => get(approved)?.status?.certificate, { timeoutMs: 30_000, what: 'the approved certificate' });
      const cert = new X509Certificate(Buffer.from(get(approved)!.status.certificate, 'base64'));
      expect(cert.subject.split('\n').sort()).toEqual(['CN=alice', 'O=developers']);
      const listed = await a.kubectl(['get', 'csr', approved, denied]);
      expect(listed.stdout).toMatch(new RegExp(`^${approved}\\s.*\\sApproved,Issued$`, 'm'));
      expect(listed.stdout).toMatch(new RegExp(`^${denied}\\s.*\\sDenied$`, 'm'));
      expect(get(denied)!.status.certificate).toBeUndefined();
    });

    it('takes approve on the signer to approve, not only update on /approval (kube\'s CertificateApproval)', async () => {
      const role = randomName('csr-updater');
      const user = { name: randomName('carol'), uid: '', groups: ['system:authenticated'] };
      const rbac = [
        { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: role }, rules: [{ apiGroups: ['certificates.k8s.io'], resources: ['certificatesigningrequests/approval'], verbs: ['update'] }] },
        { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: role }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role }, subjects: [{ kind: 'User', name: user.name, apiGroup: 'rbac.authorization.k8s.io' }] },
      ];
      await a.kubectl(['create', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: rbac }) });
      const name = randomName('dave');
      await a.kubectl(['create', '-f', '-'], { input: JSON.stringify(await csrFor(name, [{ CN: ['dave'] }], 'kubernetes.io/kube-apiserver-client')) });
      const client = new InProcessClusterClient(a.cluster.api.writer, a.cluster.projector, user, a.cluster.api.authorizer);
      const csr = get(name)!;
      await expect(client.updateApproval!({ ...csr, status: { conditions: [{ type: 'Approved', status: 'True', reason: 'Carol' }] } }, {})).rejects.toMatchObject({
        code: 403,
        message: `certificatesigningrequests.certificates.k8s.io "${name}" is forbidden: user not permitted to approve requests with signerName "kubernetes.io/kube-apiserver-client"`,
      });
      expect(get(name)!.status?.conditions).toBeUndefined();
    });

    it('never issues system:masters through the API (kube\'s CertificateSubjectRestriction)', async () => {
      const body = await csrFor(randomName('root'), [{ O: ['system:masters'] }, { CN: ['root'] }], 'kubernetes.io/kube-apiserver-client');
      const r = await a.kubectl(['create', '-f', '-'], { input: JSON.stringify(body), allowFailure: true });
      expect(r.stderr).toContain(`certificatesigningrequests.certificates.k8s.io "${body.metadata.name}" is forbidden: use of kubernetes.io/kube-apiserver-client signer with system:masters group is not allowed`);
      expect(get(body.metadata.name!)).toBeUndefined();
    });

    it('refuses a request that is not a PEM certificate request with kube\'s message', async () => {
      const body = await csrFor(randomName('bad'), [{ CN: ['x'] }], 'kubernetes.io/kube-apiserver-client');
      body.spec.request = Buffer.from('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n').toString('base64');
      const r = await a.kubectl(['create', '-f', '-'], { input: JSON.stringify(body), allowFailure: true });
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain('spec.request: Invalid value:');
      expect(r.stderr).toContain('PEM block type must be CERTIFICATE REQUEST');
      expect(get(body.metadata.name!)).toBeUndefined();
    });
  });
});
