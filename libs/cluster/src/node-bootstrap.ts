import { X509Certificate, createHash, webcrypto } from 'node:crypto';
import { connect, type PeerCertificate } from 'node:tls';
import { isIP } from 'node:net';
import { writeFileSync } from 'node:fs';
import * as x509 from '@peculiar/x509';
import { stringify } from 'yaml';
import { ApiClient, ApiRequestError } from '@logbook/client';
import { type KubeObject, KUBELET_CLIENT_SIGNER, NODE_USER_PREFIX, NODES_GROUP, csrDecision, csrFailed, parseBootstrapToken } from '@logbook/kube';

/**
 * A node joining with a bootstrap token, as kubeadm join and the kubelet's TLS bootstrap do it
 * (docs/security.md "Joining nodes"): find and pin the cluster CA, ask for a client certificate
 * through a CertificateSigningRequest, wait until the controller manager approved and signed it.
 */

/** A join that cannot go on; the message says what to do. */
export class JoinError extends Error {}

export const TOKEN_REFUSED = 'the bootstrap token was refused: it is wrong or expired; create one with `logbook token create`';

/** kubeadm's CA pin: `sha256:<hex>` of the CA certificate's DER SubjectPublicKeyInfo. */
export function caCertHash(caPem: string): string {
  const spki = new X509Certificate(caPem).publicKey.export({ type: 'spki', format: 'der' });
  return `sha256:${createHash('sha256').update(spki).digest('hex')}`;
}

/**
 * The cluster CA from the server's TLS handshake (the API server sends it after its own
 * certificate), accepted only when its key matches the pin and it issued the server's
 * certificate. Nothing is sent to the server before this holds.
 */
export async function discoverCa(server: string, pin: string): Promise<string> {
  const want = pin.toLowerCase();
  if (!/^sha256:[0-9a-f]{64}$/.test(want)) throw new JoinError(`--ca-cert-hash must be sha256:<64 hex digits> (logbook token create --print-join-command prints it), not "${pin}"`);
  const url = new URL(server);
  const chain = await peerChain(url.hostname.replace(/^\[|\]$/g, ''), Number(url.port || 443));
  const leaf = chain[0];
  for (const cert of chain) {
    const pem = cert.toString();
    if (caCertHash(pem) !== want) continue;
    if (!leaf.checkIssued(cert) || !leaf.verify(cert.publicKey)) throw new JoinError(`the CA that matches --ca-cert-hash did not issue the certificate of ${server}`);
    return pem;
  }
  const seen = chain.map((c) => caCertHash(c.toString())).join(', ');
  throw new JoinError(`no certificate of ${server} matches --ca-cert-hash ${pin} (it sent ${seen}): is this the right server, and the hash of its cluster CA?`);
}

function peerChain(host: string, port: number): Promise<X509Certificate[]> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, rejectUnauthorized: false, ...(isIP(host) ? {} : { servername: host }) }, () => {
      const out: X509Certificate[] = [];
      const seen = new Set<string>();
      for (let c: PeerCertificate | undefined = socket.getPeerCertificate(true); c?.raw && !seen.has(c.fingerprint256); c = (c as { issuerCertificate?: PeerCertificate }).issuerCertificate) {
        seen.add(c.fingerprint256);
        out.push(new X509Certificate(c.raw));
      }
      socket.end();
      resolve(out);
    });
    socket.setTimeout(10_000, () => socket.destroy(new Error('no TLS handshake within 10 s')));
    socket.once('error', (err) => reject(new JoinError(`cannot reach ${host}:${port}: ${err.message}`)));
  });
}

export interface NodeCredentials {
  readonly cert: string;
  readonly key: string;
  readonly csrName: string;
}

export interface BootstrapOptions {
  readonly server: string;
  readonly token: string;
  readonly caCert: string;
  readonly nodeName: string;
  /** How long to wait for approval and signing. */
  readonly timeoutMs: number;
  readonly progress: (line: string) => void;
  readonly pollIntervalMs?: number;
}

const EC = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };

/**
 * A new key and a CertificateSigningRequest for `CN=system:node:<name>, O=system:nodes` to the
 * kubelet client signer, made as the bootstrap token's user; resolves with the signed
 * certificate. A refused token, a denied or failed request and the deadline are JoinErrors.
 */
export async function requestNodeCredentials(o: BootstrapOptions): Promise<NodeCredentials> {
  if (!parseBootstrapToken(o.token)) throw new JoinError('--token must be a bootstrap token, <6 characters [a-z0-9]>.<16 characters [a-z0-9]> (logbook token create prints one)');
  const client = new ApiClient({ server: o.server, token: o.token, caCert: o.caCert, insecure: false, namespace: 'default' });
  const keys = (await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  type Params = Parameters<typeof x509.Pkcs10CertificateRequestGenerator.create>;
  const request = await x509.Pkcs10CertificateRequestGenerator.create(
    { name: [{ O: [NODES_GROUP] }, { CN: [NODE_USER_PREFIX + o.nodeName] }], keys: keys as unknown as Params[0]['keys'], signingAlgorithm: EC },
    webcrypto as unknown as Params[1],
  );
  const keyPem = pemOf('PRIVATE KEY', Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)));
  const body = {
    apiVersion: 'certificates.k8s.io/v1',
    kind: 'CertificateSigningRequest',
    metadata: { generateName: 'node-csr-' },
    spec: { request: Buffer.from(request.toString('pem')).toString('base64'), signerName: KUBELET_CLIENT_SIGNER, usages: ['digital signature', 'client auth'] },
  };
  const path = '/apis/certificates.k8s.io/v1/certificatesigningrequests';
  const created = await refusalsExplained(() => client.requestJson<KubeObject>('POST', path, body));
  const name = created.metadata.name!;
  o.progress(`certificate signing request ${name} created for node ${o.nodeName}; waiting for it to be approved`);
  const deadline = Date.now() + o.timeoutMs;
  let approved = false;
  for (;;) {
    const csr = await refusalsExplained(() => client.requestJson<KubeObject>('GET', `${path}/${name}`));
    const decision = csrDecision(csr);
    if (decision === 'Denied') throw new JoinError(`certificate signing request ${name} was denied: ${conditionText(csr, 'Denied')}`);
    if (csrFailed(csr)) throw new JoinError(`certificate signing request ${name} failed: ${conditionText(csr, 'Failed')}`);
    if (decision === 'Approved' && !approved) {
      approved = true;
      o.progress(`certificate signing request ${name} approved (${conditionText(csr, 'Approved')}); waiting for the certificate`);
    }
    if (csr.status?.certificate) {
      o.progress(`certificate issued for ${NODE_USER_PREFIX}${o.nodeName}`);
      return { cert: Buffer.from(csr.status.certificate, 'base64').toString('utf8'), key: keyPem, csrName: name };
    }
    if (Date.now() > deadline) {
      const what = approved ? 'approved but not signed (does the controller manager have the cluster signing CA?)' : `still pending (approve it with: kubectl certificate approve ${name})`;
      throw new JoinError(`timed out after ${Math.round(o.timeoutMs / 1000)} s waiting for certificate signing request ${name}: it is ${what}`);
    }
    await new Promise((r) => setTimeout(r, o.pollIntervalMs ?? 500));
  }
}

async function refusalsExplained<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof ApiRequestError && err.code === 401) throw new JoinError(TOKEN_REFUSED);
    if (err instanceof ApiRequestError && err.code === 403) throw new JoinError(`the bootstrap token may not request a node certificate: ${err.message} (its Secret needs auth-extra-groups system:bootstrappers:logbook:default-node-token)`);
    throw err;
  }
}

function conditionText(csr: KubeObject, type: string): string {
  const c = (csr.status?.conditions ?? []).find((x: { type?: string }) => x.type === type);
  return [c?.reason, c?.message].filter(Boolean).join(': ') || 'no reason given';
}

function pemOf(label: string, der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/** The node's kubeconfig: the pinned CA, its client certificate and key (kubectl and the node agent read it). */
export function writeNodeKubeconfig(path: string, o: { server: string; caCert: string; nodeName: string; cert: string; key: string }): void {
  const user = NODE_USER_PREFIX + o.nodeName;
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'logbook', cluster: { server: o.server, 'certificate-authority-data': Buffer.from(o.caCert).toString('base64') } }],
    users: [{ name: user, user: { 'client-certificate-data': Buffer.from(o.cert).toString('base64'), 'client-key-data': Buffer.from(o.key).toString('base64') } }],
    contexts: [{ name: 'logbook', context: { cluster: 'logbook', user } }],
    'current-context': 'logbook',
    preferences: {},
  };
  writeFileSync(path, stringify(config), { mode: 0o600 });
}
