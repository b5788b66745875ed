import * as x509 from '@peculiar/x509';
import type { KubeObject } from './object';

/** certificates.k8s.io's well-known signers (the ones the controller manager signs for). */
export const KUBE_APISERVER_CLIENT_SIGNER = 'kubernetes.io/kube-apiserver-client';
export const KUBELET_CLIENT_SIGNER = 'kubernetes.io/kube-apiserver-client-kubelet';
export const KUBELET_SERVING_SIGNER = 'kubernetes.io/kubelet-serving';
export const LEGACY_UNKNOWN_SIGNER = 'kubernetes.io/legacy-unknown';

const SUBJECT_ALT_NAME_OID = '2.5.29.17';

export const NODE_USER_PREFIX = 'system:node:';
export const NODES_GROUP = 'system:nodes';

/** certificates.k8s.io/v1 KeyUsage values, in kube's order. */
export const KEY_USAGES = [
  'signing',
  'digital signature',
  'content commitment',
  'key encipherment',
  'key agreement',
  'data encipherment',
  'cert sign',
  'crl sign',
  'encipher only',
  'decipher only',
  'any',
  'server auth',
  'client auth',
  'code signing',
  'email protection',
  's/mime',
  'ipsec end system',
  'ipsec tunnel',
  'ipsec user',
  'timestamping',
  'ocsp signing',
  'microsoft sgc',
  'netscape sgc',
] as const;

/** What a PKCS#10 request asks for, as the approver and signer look at it. */
export interface ParsedCertificateRequest {
  readonly commonName: string;
  readonly organizations: readonly string[];
  readonly dnsNames: readonly string[];
  readonly ipAddresses: readonly string[];
  readonly emailAddresses: readonly string[];
  readonly uris: readonly string[];
  readonly pem: string;
}

/**
 * Parses `spec.request` (base64 of a PEM CERTIFICATE REQUEST, as the JSON form of kube's []byte
 * field carries it). Throws with kube's message for a PEM block of another type.
 */
export function parseCertificateRequest(request: string): ParsedCertificateRequest {
  const pem = Buffer.from(request, 'base64').toString('utf8');
  const block = /-----BEGIN ([A-Z ]+)-----([\s\S]*?)-----END \1-----/.exec(pem);
  if (!block || block[1] !== 'CERTIFICATE REQUEST') throw new Error('PEM block type must be CERTIFICATE REQUEST');
  let csr: x509.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(block[0]);
  } catch (err) {
    throw new Error(`asn1: structure error: ${(err as Error).message}`, { cause: err });
  }
  // Extensions of a request come back generic: the SAN one is read again as what it is.
  const san = csr.extensions.find((e) => e.type === SUBJECT_ALT_NAME_OID);
  const names = san ? new x509.SubjectAlternativeNameExtension(san.rawData).names.items : [];
  const of = (type: string) => names.filter((n) => n.type === type).map((n) => n.value);
  return {
    commonName: csr.subjectName.getField('CN')[0] ?? '',
    organizations: csr.subjectName.getField('O'),
    dnsNames: of('dns'),
    ipAddresses: of('ip'),
    emailAddresses: of('email'),
    uris: of('url'),
    pem: block[0],
  };
}

/** A CSR's Approved or Denied condition, if it has one (kube: at most one of them). */
export function csrDecision(csr: KubeObject): 'Approved' | 'Denied' | undefined {
  const conditions: { type?: string; status?: string }[] = csr.status?.conditions ?? [];
  for (const c of conditions) if ((c.type === 'Approved' || c.type === 'Denied') && c.status !== 'False') return c.type;
  return undefined;
}

/** A CSR whose signer gave up (`Failed=True`). */
export function csrFailed(csr: KubeObject): boolean {
  return (csr.status?.conditions ?? []).some((c: { type?: string; status?: string }) => c.type === 'Failed' && c.status !== 'False');
}
