import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { generate } from 'selfsigned';
import { parse } from 'yaml';
import { issueCertificate, issueClientCertificate, writeCertificateKubeconfig } from '@logbook/apiserver';
import { eventually, kubectl, kubectlBinaries, kubectlVersion, makeTmpDir, randomName, useKubectl } from '@logbook/testing';
import { type AcceptanceCluster, startAcceptanceCluster } from './harness';

/** kubectl 1.20 prints the 401's reason, 1.32 what it means. */
const UNAUTHORIZED = /Unauthorized|the server has asked for the client to provide credentials/;

/** Who the API server says the caller is: a SelfSubjectReview, created with --raw (kubectl 1.20 has no `auth whoami`). */
async function whoami(kubeconfig: string, dir: string, extra: string[] = []): Promise<{ code: number | null; user?: any; stderr: string }> {
  const body = join(dir, 'ssr.json');
  writeFileSync(body, JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' }));
  const r = await kubectl(kubeconfig, ['create', '--raw', '/apis/authentication.k8s.io/v1/selfsubjectreviews', '-f', body, ...extra]);
  return { code: r.code, stderr: r.stderr, ...(r.code === 0 ? { user: JSON.parse(r.stdout).status.userInfo } : {}) };
}

function tokenKubeconfig(path: string, base: string, token: string): string {
  const config = parse(readFileSync(base, 'utf8'));
  config.users = [{ name: 'u', user: { token } }];
  config.contexts = [{ name: 'c', context: { cluster: config.clusters[0].name, user: 'u' } }];
  config['current-context'] = 'c';
  writeFileSync(path, JSON.stringify(config), { mode: 0o600 });
  return path;
}

/** A TokenRequest through kubectl: `create token` where it exists (1.24+), else the raw POST. */
async function createToken(a: AcceptanceCluster, bin: string, dir: string, ns: string, sa: string, bound?: { kind: string; name: string }): Promise<string> {
  const minor = Number(/v1\.(\d+)/.exec(kubectlVersion(bin))?.[1] ?? 0);
  if (minor >= 24) {
    const args = ['-n', ns, 'create', 'token', sa, '--duration', '20m', ...(bound ? ['--bound-object-kind', bound.kind, '--bound-object-name', bound.name] : [])];
    return (await a.kubectl(args)).stdout.trim();
  }
  const uid = bound ? a.cluster.projector.state.get(bound.kind, ns, bound.name)!.metadata.uid : undefined;
  const body = join(dir, 'tr.json');
  writeFileSync(body, JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: bound ? { boundObjectRef: { apiVersion: 'v1', kind: bound.kind, name: bound.name, uid } } : {} }));
  const r = await a.kubectl(['create', '--raw', `/api/v1/namespaces/${ns}/serviceaccounts/${sa}/token`, '-f', body]);
  return JSON.parse(r.stdout).status.token;
}

describe.each(kubectlBinaries())('authentication with kubectl %s', (bin) => {
  let a: AcceptanceCluster;
  let dir: ReturnType<typeof makeTmpDir>;
  const ns = randomName('authn');

  beforeAll(async () => {
    useKubectl(bin);
    dir = makeTmpDir('logbook-authn-');
    a = await startAcceptanceCluster({});
    await a.kubectl(['create', 'namespace', ns]);
  }, 90_000);
  afterAll(async () => {
    await a?.close();
    dir?.remove();
  });

  it('the admin kubeconfig\'s certificate context is admin in system:masters', async () => {
    const r = await whoami(a.cluster.kubeconfig, dir.path, ['--context', 'logbook-cert']);
    expect(r.user).toEqual({ username: 'admin', groups: ['system:masters', 'system:authenticated'] });
  });

  it('a client certificate of the cluster CA authenticates as its CN, in its O groups', async () => {
    const user = randomName('alice');
    const cert = await issueClientCertificate(dirname(a.cluster.kubeconfig), { commonName: user, organizations: ['team-a', 'team-b'], days: 1 });
    const path = join(dir.path, `${user}.kubeconfig`);
    writeCertificateKubeconfig(path, { server: a.cluster.url, caCert: a.cluster.api.caCert, userName: user, ...cert });
    expect((await whoami(path, dir.path)).user).toEqual({ username: user, groups: ['team-a', 'team-b', 'system:authenticated'] });
    if (Number(/v1\.(\d+)/.exec(kubectlVersion(bin))?.[1]) >= 28) {
      const r = await kubectl(path, ['auth', 'whoami', '-o', 'json']);
      expect(JSON.parse(r.stdout).status.userInfo.username).toBe(user);
    }
  });

  it('a client certificate of another CA is 401', async () => {
    const other = await generate([{ name: 'commonName', value: 'other-ca' }], {
      keyType: 'ec',
      curve: 'P-256',
      algorithm: 'sha256',
      extensions: [{ name: 'basicConstraints', cA: true, critical: true }, { name: 'keyUsage', keyCertSign: true, digitalSignature: true, critical: true }],
    });
    const cert = await issueCertificate(other.cert, other.private, { commonName: 'admin', organizations: ['system:masters'], usages: ['digital signature', 'client auth'] });
    const path = join(dir.path, 'foreign.kubeconfig');
    writeCertificateKubeconfig(path, { server: a.cluster.url, caCert: a.cluster.api.caCert, userName: 'admin', ...cert });
    const r = await kubectl(path, ['get', 'namespaces']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(UNAUTHORIZED);
  });

  it('a user added as docs/security.md says (openssl request, the CSR API, approve) authenticates with the signed certificate', async () => {
    const user = randomName('dave');
    const key = join(dir.path, `${user}.key`);
    const csr = join(dir.path, `${user}.csr`);
    execFileSync('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-subj', `/O=team-a/CN=${user}`, '-out', csr], { stdio: 'ignore' });
    const request = { apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', metadata: { name: user }, spec: { request: readFileSync(csr).toString('base64'), signerName: 'kubernetes.io/kube-apiserver-client', usages: ['digital signature', 'client auth'] } };
    await a.kubectl(['apply', '-f', '-'], { input: JSON.stringify(request) });
    await a.kubectl(['certificate', 'approve', user]);
    const cert = await eventually(async () => (await a.kubectl(['get', 'csr', user, '-o', 'jsonpath={.status.certificate}'])).stdout.trim() || undefined, { timeoutMs: 30_000, what: 'the signed certificate' });
    const path = join(dir.path, `${user}.kubeconfig`);
    writeCertificateKubeconfig(path, { server: a.cluster.url, caCert: a.cluster.api.caCert, userName: user, cert: Buffer.from(cert!, 'base64').toString('utf8'), key: readFileSync(key, 'utf8') });
    expect((await whoami(path, dir.path)).user).toEqual({ username: user, groups: ['team-a', 'system:authenticated'] });
    await a.kubectl(['delete', 'csr', user]);
  });

  describe('service-account tokens', () => {
    const sa = randomName('robot');
    beforeAll(async () => {
      await a.kubectl(['-n', ns, 'apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: sa } }) });
    });

    it('a TokenRequest token authenticates as the service account, in its groups', async () => {
      const token = await createToken(a, bin, dir.path, ns, sa);
      const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));
      expect(claims).toMatchObject({ iss: 'https://kubernetes.default.svc.cluster.local', sub: `system:serviceaccount:${ns}:${sa}`, 'kubernetes.io': { namespace: ns, serviceaccount: { name: sa } } });
      // kubectl create token --duration 20m; the raw request takes the default hour.
      expect(claims.exp - claims.iat).toBe(Number(/v1\.(\d+)/.exec(kubectlVersion(bin))?.[1]) >= 24 ? 1200 : 3600);
      const r = await whoami(tokenKubeconfig(join(dir.path, 'sa.kubeconfig'), a.cluster.kubeconfig, token), dir.path);
      expect(r.user).toMatchObject({ username: `system:serviceaccount:${ns}:${sa}`, groups: ['system:serviceaccounts', `system:serviceaccounts:${ns}`, 'system:authenticated'] });
    });

    it('a TokenRequest under ten minutes is a 422 and one for a missing account a 404', async () => {
      const body = join(dir.path, 'short.json');
      writeFileSync(body, JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 599 } }));
      const short = await a.kubectl(['create', '--raw', `/api/v1/namespaces/${ns}/serviceaccounts/${sa}/token`, '-f', body], { allowFailure: true });
      expect(short.stderr).toContain('spec.expirationSeconds: Invalid value: 599: may not specify a duration less than 10 minutes');
      writeFileSync(body, JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: {} }));
      const missing = await a.kubectl(['create', '--raw', `/api/v1/namespaces/${ns}/serviceaccounts/nobody/token`, '-f', body], { allowFailure: true });
      expect(missing.stderr).toMatch(/NotFound|not found/);
    });

    it('a token whose signature was altered is 401', async () => {
      const token = await createToken(a, bin, dir.path, ns, sa);
      const [h, p, s] = token.split('.');
      const forged = `${h}.${p}.${s.startsWith('A') ? 'B' : 'A'}${s.slice(1)}`;
      const r = await whoami(tokenKubeconfig(join(dir.path, 'forged.kubeconfig'), a.cluster.kubeconfig, forged), dir.path);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(UNAUTHORIZED);
    });

    it('a token bound to a pod stops working once the pod is deleted', async () => {
      const pod = randomName('p');
      const manifest = { apiVersion: 'v1', kind: 'Pod', metadata: { name: pod }, spec: { serviceAccountName: sa, containers: [{ name: 'c', image: 'busybox' }] } };
      await a.kubectl(['-n', ns, 'apply', '-f', '-'], { input: JSON.stringify(manifest) });
      const token = await createToken(a, bin, dir.path, ns, sa, { kind: 'Pod', name: pod });
      const path = tokenKubeconfig(join(dir.path, 'bound.kubeconfig'), a.cluster.kubeconfig, token);
      expect((await whoami(path, dir.path)).user.extra?.['authentication.kubernetes.io/pod-name']).toEqual([pod]);
      await a.kubectl(['-n', ns, 'delete', 'pod', pod, '--wait=false']);
      const r = await eventually(async () => {
        const w = await whoami(path, dir.path);
        return w.code !== 0 ? w : undefined;
      }, { timeoutMs: 20_000, what: 'the bound token refused' });
      expect(r!.stderr).toMatch(UNAUTHORIZED);
    });
  });

  describe('impersonation', () => {
    it('the admin may act as another user and its groups', async () => {
      const r = await whoami(a.cluster.kubeconfig, dir.path, ['--as', 'bob', '--as-group', 'devs']);
      expect(r.user).toEqual({ username: 'bob', groups: ['devs', 'system:authenticated'] });
    });

    it('a user without the impersonate permission gets 403 with kube\'s message', async () => {
      const user = randomName('carol');
      const cert = await issueClientCertificate(dirname(a.cluster.kubeconfig), { commonName: user, days: 1 });
      const path = join(dir.path, `${user}.kubeconfig`);
      writeCertificateKubeconfig(path, { server: a.cluster.url, caCert: a.cluster.api.caCert, userName: user, ...cert });
      // --raw: without it kubectl's discovery, refused the same way, hides the message.
      const r = await kubectl(path, ['get', '--raw', '/api/v1/namespaces/default/pods', '--as', 'bob']);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain(`users "bob" is forbidden: User "${user}" cannot impersonate resource "users" in API group "" at the cluster scope`);
    });
  });
});
