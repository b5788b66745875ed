import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generate } from 'selfsigned';
import { API_SERVER_CLIENT_CN } from '@logbook/kube';
import { issueCertificate, subjectAltNames } from './certificates';

/** The names in-cluster clients reach the API server by (the `kubernetes` Service in `default`). */
export const IN_CLUSTER_API_NAMES = ['kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local'];

export interface ServerPki {
  readonly caCert: string;
  readonly cert: string;
  readonly key: string;
  /** The API server's client identity towards node agents' streaming ports (kube's apiserver-kubelet-client). */
  readonly nodeClient: { readonly cert: string; readonly key: string };
}

/**
 * The cluster CA and the API server's certificate, made on first start and kept in
 * `<dataDir>/pki` so that kubeconfigs written earlier stay valid across restarts.
 */
export async function ensurePki(dataDir: string, hosts: string[] = ['127.0.0.1', 'localhost']): Promise<ServerPki> {
  const dir = join(dataDir, 'pki');
  const files = { caCert: join(dir, 'ca.crt'), caKey: join(dir, 'ca.key'), cert: join(dir, 'apiserver.crt'), key: join(dir, 'apiserver.key') };
  const names = [...new Set([...hosts, ...IN_CLUSTER_API_NAMES])];
  if (!(existsSync(files.caCert) && existsSync(files.cert) && existsSync(files.key))) await createServerPki(dir, files, names);
  const caCert = readFileSync(files.caCert, 'utf8');
  if (!coversNames(readFileSync(files.cert, 'utf8'), names)) await renewServerCertificate(files, caCert, names);
  return { caCert, cert: readFileSync(files.cert, 'utf8'), key: readFileSync(files.key, 'utf8'), nodeClient: await ensureNodeClient(dir, caCert, files.caKey) };
}

function coversNames(certPem: string, names: readonly string[]): boolean {
  const { dns, ips } = subjectAltNames(certPem);
  return names.every((n) => (isIp(n) ? ips.includes(n) : dns.includes(n)));
}

const isIp = (h: string) => /^[\d.]+$|:/.test(h);

/**
 * A data directory made before the in-cluster names (or for another host) gets a new API server
 * certificate from the same CA on start: kubeconfigs and component certificates stay valid.
 */
async function renewServerCertificate(files: { caKey: string; cert: string; key: string }, caCert: string, names: readonly string[]): Promise<void> {
  const server = await issueCertificate(caCert, readFileSync(files.caKey, 'utf8'), {
    commonName: 'logbook-apiserver',
    usages: ['digital signature', 'key encipherment', 'server auth'],
    days: 10 * 365,
    dnsNames: names.filter((n) => !isIp(n)),
    ips: names.filter(isIp),
  });
  writeFileSync(files.key, server.key, { mode: 0o600 });
  writeFileSync(files.cert, server.cert);
}

/**
 * Made beside the CA on first need (data directories older than exec get it on their next start).
 * Node agents trust the cluster CA and check this name, so only the API server reaches their
 * streaming ports.
 */
async function ensureNodeClient(dir: string, caCert: string, caKeyFile: string): Promise<{ cert: string; key: string }> {
  const files = { cert: join(dir, 'apiserver-kubelet-client.crt'), key: join(dir, 'apiserver-kubelet-client.key') };
  if (existsSync(files.cert) && existsSync(files.key)) return { cert: readFileSync(files.cert, 'utf8'), key: readFileSync(files.key, 'utf8') };
  const client = await generate([{ name: 'commonName', value: API_SERVER_CLIENT_CN }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notAfterDate: new Date(Date.now() + 10 * 365 * 24 * 3600 * 1000),
    ca: { key: readFileSync(caKeyFile, 'utf8'), cert: caCert },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', clientAuth: true },
    ],
  });
  writeFileSync(files.cert, client.cert);
  writeFileSync(files.key, client.private, { mode: 0o600 });
  return { cert: client.cert, key: client.private };
}

async function createServerPki(dir: string, files: { caCert: string; caKey: string; cert: string; key: string }, hosts: string[]): Promise<void> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const notAfterDate = new Date(Date.now() + 10 * 365 * 24 * 3600 * 1000);
  const ca = await generate([{ name: 'commonName', value: 'logbook-ca' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notAfterDate,
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  });
  const server = await generate([{ name: 'commonName', value: 'logbook-apiserver' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notAfterDate,
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: hosts.map((h) => (isIp(h) ? { type: 7 as const, ip: h } : { type: 2 as const, value: h })),
      },
    ],
  });
  writeFileSync(files.caCert, ca.cert);
  writeFileSync(files.caKey, ca.private, { mode: 0o600 });
  writeFileSync(files.cert, server.cert);
  writeFileSync(files.key, server.private, { mode: 0o600 });
}
