import { generateKeyPairSync, randomBytes, webcrypto } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';

// The same library `selfsigned` makes the CA with; node:crypto reads certificates but cannot make them.
x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const EC_SIGN = { name: 'ECDSA', hash: 'SHA-256' } as const;
const EC_KEY = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const DAY_MS = 24 * 3600 * 1000;
/** Backdated like kube's signer, so a machine whose clock is a little behind accepts a fresh certificate. */
const BACKDATE_MS = 5 * 60 * 1000;

/** A certificate and its private key, both PEM. */
export interface IssuedCertificate {
  readonly cert: string;
  readonly key: string;
}

/** The CSR API's key usages (certificates.k8s.io/v1 `spec.usages`) this signer honours. */
export type KeyUsage = 'digital signature' | 'key encipherment' | 'client auth' | 'server auth' | 'signing';

export interface ClientCertificateRequest {
  /** The user name (kube: the subject's CN). */
  readonly commonName: string;
  /** The groups (kube: the subject's O values). */
  readonly organizations?: readonly string[];
  /** Default one year. */
  readonly days?: number;
}

/** The cluster CA as `ensurePki` keeps it in `<dataDir>/pki`. */
export function readClusterCa(dataDir: string): { cert: string; key: string } {
  const dir = join(dataDir, 'pki');
  return { cert: readFileSync(join(dir, 'ca.crt'), 'utf8'), key: readFileSync(join(dir, 'ca.key'), 'utf8') };
}

/**
 * A client certificate from the cluster CA (made by `ensurePki` first): CN = user, O = groups,
 * as kube-apiserver's x509 authenticator reads them. EC P-256 like the rest of the PKI.
 */
export async function issueClientCertificate(dataDir: string, request: ClientCertificateRequest): Promise<IssuedCertificate> {
  const ca = readClusterCa(dataDir);
  return issueCertificate(ca.cert, ca.key, { ...request, usages: ['digital signature', 'key encipherment', 'client auth'] });
}

/**
 * The client certificate kept at `<dataDir>/pki/<file>.crt` and `.key`, issued when missing, when
 * its subject is not the one asked for, or when it expires within a month — so kubeconfigs that
 * name it stay valid across restarts.
 */
export async function ensureClientCertificate(dataDir: string, file: string, request: ClientCertificateRequest): Promise<IssuedCertificate & { certFile: string; keyFile: string }> {
  const certFile = join(dataDir, 'pki', `${file}.crt`);
  const keyFile = join(dataDir, 'pki', `${file}.key`);
  if (existsSync(certFile) && existsSync(keyFile)) {
    const kept = { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8') };
    const subject = certificateSubject(kept.cert);
    const fresh = new x509.X509Certificate(kept.cert).notAfter.getTime() > Date.now() + 30 * DAY_MS;
    if (fresh && subject.commonName === request.commonName && subject.organizations.join(',') === (request.organizations ?? []).join(',')) return { ...kept, certFile, keyFile };
  }
  const issued = await issueClientCertificate(dataDir, request);
  mkdirSync(join(dataDir, 'pki'), { recursive: true, mode: 0o700 });
  writeFileSync(keyFile, issued.key, { mode: 0o600 });
  writeFileSync(certFile, issued.cert);
  return { ...issued, certFile, keyFile };
}

/** A certificate with a new key, signed by the given CA. */
export async function issueCertificate(
  caCert: string,
  caKey: string,
  o: ClientCertificateRequest & { usages: readonly KeyUsage[]; dnsNames?: readonly string[]; ips?: readonly string[] },
): Promise<IssuedCertificate> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const cert = await sign(caCert, caKey, {
    subject: subjectName(o.commonName, o.organizations ?? []),
    publicKey: await webcrypto.subtle.importKey('spki', spki, EC_KEY, true, ['verify']),
    usages: o.usages,
    days: o.days ?? 365,
    dnsNames: o.dnsNames ?? [],
    ips: o.ips ?? [],
  });
  return { cert, key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
}

/**
 * Signs a PEM PKCS#10 request (a CertificateSigningRequest's `spec.request`) with the CA: the
 * subject and public key come from the request, whose own signature must hold; the usages and
 * lifetime come from the caller (kube's signer ignores the request's extensions too).
 */
export async function signCertificateRequest(caCert: string, caKey: string, csrPem: string, o: { usages: readonly KeyUsage[]; days?: number }): Promise<string> {
  let csr: x509.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(csrPem);
  } catch (err) {
    throw new Error(`the certificate request is not a PEM CERTIFICATE REQUEST: ${(err as Error).message}`, { cause: err });
  }
  if (!(await csr.verify())) throw new Error('the certificate request is not signed by its own key');
  return sign(caCert, caKey, { subject: csr.subjectName.toString(), publicKey: await csr.publicKey.export(), usages: o.usages, days: o.days ?? 365, dnsNames: [], ips: [] });
}

/** A certificate's CN and O values (what the x509 authenticator maps to user and groups). */
export function certificateSubject(pem: string): { commonName: string; organizations: string[] } {
  const name = new x509.X509Certificate(pem).subjectName;
  return { commonName: name.getField('CN')[0] ?? '', organizations: name.getField('O') };
}

/** A certificate's DNS and IP subject alternative names. */
export function subjectAltNames(pem: string): { dns: string[]; ips: string[] } {
  const ext = new x509.X509Certificate(pem).getExtension(x509.SubjectAlternativeNameExtension);
  const names = ext?.names.items ?? [];
  return { dns: names.filter((n) => n.type === 'dns').map((n) => n.value), ips: names.filter((n) => n.type === 'ip').map((n) => n.value) };
}

function subjectName(commonName: string, organizations: readonly string[]): x509.JsonName {
  return [...organizations.map((o) => ({ O: [o] })), { CN: [commonName] }];
}

async function sign(
  caCertPem: string,
  caKeyPem: string,
  o: { subject: string | x509.JsonName; publicKey: webcrypto.CryptoKey; usages: readonly KeyUsage[]; days: number; dnsNames: readonly string[]; ips: readonly string[] },
): Promise<string> {
  const caCert = new x509.X509Certificate(caCertPem);
  const signingKey = await webcrypto.subtle.importKey('pkcs8', pemBody(caKeyPem), EC_KEY, false, ['sign']);
  const now = Date.now();
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(keyUsageFlags(o.usages), true),
    await x509.AuthorityKeyIdentifierExtension.create(caCert, false),
  ];
  const extended = o.usages.flatMap((u) => (u === 'client auth' ? [x509.ExtendedKeyUsage.clientAuth] : u === 'server auth' ? [x509.ExtendedKeyUsage.serverAuth] : []));
  if (extended.length > 0) extensions.push(new x509.ExtendedKeyUsageExtension(extended, false));
  if (o.dnsNames.length + o.ips.length > 0) {
    extensions.push(new x509.SubjectAlternativeNameExtension([...o.dnsNames.map((value) => ({ type: 'dns' as const, value })), ...o.ips.map((value) => ({ type: 'ip' as const, value }))], false));
  }
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    subject: o.subject,
    issuer: caCert.subjectName.toString(),
    notBefore: new Date(now - BACKDATE_MS),
    notAfter: new Date(Math.min(now + o.days * DAY_MS, caCert.notAfter.getTime())),
    publicKey: o.publicKey,
    signingKey,
    signingAlgorithm: EC_SIGN,
    extensions,
  });
  return cert.toString('pem') + '\n';
}

/** 128 random bits, positive and minimally encoded (Go's parser refuses a leading zero byte). */
function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = 0x10 + (bytes[0] % 0x70);
  return bytes.toString('hex');
}

function keyUsageFlags(usages: readonly KeyUsage[]): number {
  let flags = 0;
  for (const u of usages) {
    if (u === 'digital signature' || u === 'signing') flags |= x509.KeyUsageFlags.digitalSignature;
    if (u === 'key encipherment') flags |= x509.KeyUsageFlags.keyEncipherment;
  }
  return flags || x509.KeyUsageFlags.digitalSignature;
}

function pemBody(pem: string): Buffer {
  return Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
}
