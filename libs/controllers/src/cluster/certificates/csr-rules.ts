import { BOOTSTRAPPERS_GROUP, KUBELET_CLIENT_SIGNER, type KubeObject, NODE_USER_PREFIX, NODES_GROUP, type ParsedCertificateRequest } from '@logbook/kube';

/** The usages a kubelet client certificate may ask for; `client auth` and `digital signature` must be among them. */
const KUBELET_CLIENT_USAGES = ['digital signature', 'key encipherment', 'client auth'];

/**
 * kube's ValidateKubeletClientCSR: subject `O=system:nodes, CN=system:node:<name>`, no subject
 * alternative names, client usages only. Returns why not, or undefined when the request is one.
 */
export function kubeletClientProblem(x509: ParsedCertificateRequest, usages: readonly string[]): string | undefined {
  if (x509.organizations.length !== 1 || x509.organizations[0] !== NODES_GROUP) return `subject organization is not ${NODES_GROUP}`;
  if (!x509.commonName.startsWith(NODE_USER_PREFIX) || x509.commonName.length === NODE_USER_PREFIX.length) return `subject common name does not begin with ${NODE_USER_PREFIX}`;
  if (x509.dnsNames.length) return 'DNS subjectAltNames are not allowed';
  if (x509.emailAddresses.length) return 'Email subjectAltNames are not allowed';
  if (x509.ipAddresses.length) return 'IP subjectAltNames are not allowed';
  if (x509.uris.length) return 'URI subjectAltNames are not allowed';
  const bad = usages.filter((u) => !KUBELET_CLIENT_USAGES.includes(u));
  if (bad.length || !usages.includes('client auth') || !usages.includes('digital signature')) {
    return `usages did not match [${KUBELET_CLIENT_USAGES.join(' ')}]: [${usages.join(' ')}]`;
  }
  return undefined;
}

/** kube-apiserver-client: any subject, but a client certificate only. */
export function apiserverClientProblem(usages: readonly string[]): string | undefined {
  if (!usages.includes('client auth')) return 'usages must include "client auth"';
  const bad = usages.filter((u) => !['digital signature', 'key encipherment', 'client auth'].includes(u));
  return bad.length ? `invalid usages for a client certificate: ${bad.join(', ')}` : undefined;
}

export type AutoApproval = { readonly approve: true; readonly reason: string; readonly message: string } | { readonly approve: false; readonly why: string };

/**
 * What kube's csrapproving controller approves without a human: a kubelet client certificate
 * requested by a bootstrap token (a new node, kube's `nodeclient`) or by the node it names
 * (a renewal, `selfnodeclient`). kube asks a SubjectAccessReview of the create verb on
 * `certificatesigningrequests/nodeclient|selfnodeclient`; Logbook grants those two exactly to
 * the groups RBAC's default bindings name (docs/security.md "Joining nodes"), so it checks the
 * groups directly. Anything else waits for `kubectl certificate approve`.
 */
export function autoApproval(csr: KubeObject, x509: ParsedCertificateRequest): AutoApproval {
  if (csr.spec?.signerName !== KUBELET_CLIENT_SIGNER) return { approve: false, why: `signer ${csr.spec?.signerName} is not ${KUBELET_CLIENT_SIGNER}` };
  const problem = kubeletClientProblem(x509, csr.spec?.usages ?? []);
  if (problem) return { approve: false, why: problem };
  const groups: readonly string[] = csr.spec?.groups ?? [];
  const username: string = csr.spec?.username ?? '';
  if (username === x509.commonName && groups.includes(NODES_GROUP)) {
    return { approve: true, reason: 'AutoApproved', message: 'Auto approving self kubelet client certificate after SubjectAccessReview.' };
  }
  if (groups.includes(BOOTSTRAPPERS_GROUP)) {
    return { approve: true, reason: 'AutoApproved', message: 'Auto approving kubelet client certificate after SubjectAccessReview.' };
  }
  return { approve: false, why: `${username} is neither a bootstrapper nor the node ${x509.commonName}` };
}
