import { ApiError, KUBE_APISERVER_CLIENT_SIGNER, parseCertificateRequest } from '@logbook/kube';
import type { ClusterState } from '@logbook/projections';
import type { AdmissionRequest, ValidatingAdmission } from '../admission';
import { RbacAuthorizer } from '../../authz/rbac-authorizer';

const CERTIFICATES = 'certificates.k8s.io';
const MASTERS = 'system:masters';

const isCsr = (r: AdmissionRequest) => r.resource.kind === 'CertificateSigningRequest';

const forbidden = (r: AdmissionRequest, why: string) => ApiError.forbidden(`certificatesigningrequests.${CERTIFICATES} ${JSON.stringify(r.name)} is forbidden: ${why}`);

/**
 * kube's IsAuthorizedForSignerName: the verb on `signers` named after the signer, or on the
 * signer's domain wildcard (`example.com/*`). Asked of RBAC over the state being written to,
 * as the escalation check does (approvals and signatures are rare).
 */
function mayForSigner(request: AdmissionRequest, state: ClusterState, verb: 'approve' | 'sign', signerName: string): boolean {
  const rbac = new RbacAuthorizer(() => state);
  const ask = (name: string) => rbac.authorize({ user: request.user, verb, resourceRequest: true, apiGroup: CERTIFICATES, resource: 'signers', name }).allowed;
  return ask(signerName) || ask(`${signerName.split('/')[0]}/*`);
}

/** kube's CertificateApproval: deciding a request on `/approval` takes `approve` on its signer. */
export const CERTIFICATE_APPROVAL: ValidatingAdmission = {
  name: 'CertificateApproval',
  validate(request, state) {
    if (!isCsr(request) || request.operation !== 'UPDATE' || request.subresource !== 'approval') return;
    const signer: string = request.oldObject?.spec?.signerName ?? '';
    if (!mayForSigner(request, state, 'approve', signer)) throw forbidden(request, `user not permitted to approve requests with signerName ${JSON.stringify(signer)}`);
  },
};

/** kube's CertificateSigning: setting or changing `status.certificate` takes `sign` on the signer. */
export const CERTIFICATE_SIGNING: ValidatingAdmission = {
  name: 'CertificateSigning',
  validate(request, state) {
    if (!isCsr(request) || request.operation !== 'UPDATE' || request.subresource !== 'status') return;
    if ((request.object?.status?.certificate ?? '') === (request.oldObject?.status?.certificate ?? '')) return;
    const signer: string = request.oldObject?.spec?.signerName ?? '';
    if (!mayForSigner(request, state, 'sign', signer)) throw forbidden(request, `user not permitted to sign requests with signerName ${JSON.stringify(signer)}`);
  },
};

/**
 * kube's CertificateSubjectRestriction: nobody gets a system:masters client certificate through
 * the API (it would be an admin that RBAC cannot take back).
 */
export const CERTIFICATE_SUBJECT_RESTRICTION: ValidatingAdmission = {
  name: 'CertificateSubjectRestriction',
  validate(request) {
    if (!isCsr(request) || request.operation !== 'CREATE' || request.object?.spec?.signerName !== KUBE_APISERVER_CLIENT_SIGNER) return;
    let organizations: readonly string[];
    try {
      organizations = parseCertificateRequest(request.object.spec.request ?? '').organizations;
    } catch {
      return; // Validation has refused it already.
    }
    if (organizations.includes(MASTERS)) throw forbidden(request, `use of ${KUBE_APISERVER_CLIENT_SIGNER} signer with ${MASTERS} group is not allowed`);
  },
};
