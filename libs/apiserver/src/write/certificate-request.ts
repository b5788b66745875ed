import type { KubeObject } from '@logbook/kube';
import type { MutatingAdmission } from '../admission/admission';

/**
 * kube's CertificateSigningRequest strategies: each way of writing a CSR may change only its
 * own part, so the requester cannot approve its own request and the approver cannot issue a
 * certificate.
 */
type Condition = { type?: string };
const isDecision = (c: Condition) => c.type === 'Approved' || c.type === 'Denied';

/** The main resource: the spec is fixed at creation (ignored, not refused, as kube does) and status is the subresources'. */
export function csrForUpdate(current: KubeObject, input: KubeObject): KubeObject {
  return { ...input, spec: current.spec };
}

/** `/status` (the signer): everything of status but the Approved and Denied conditions, which stay as they are. */
export function csrForStatus(current: KubeObject, input: KubeObject): KubeObject {
  const kept = (current.status?.conditions ?? []).filter(isDecision);
  const given = (input.status?.conditions ?? []).filter((c: Condition) => !isDecision(c));
  const conditions = [...kept, ...given];
  const status = { ...input.status };
  if (conditions.length) status.conditions = conditions;
  else delete status.conditions;
  // Nothing left to write: the stored status (perhaps none) stays, rather than an empty one appearing.
  return { ...current, status: Object.keys(status).length ? status : current.status };
}

/** `/approval` (`kubectl certificate approve|deny`): the conditions only; the certificate stays. */
export function csrForApproval(current: KubeObject, input: KubeObject): KubeObject {
  const status = { ...current.status };
  if (input.status?.conditions?.length) status.conditions = input.status.conditions;
  else delete status.conditions;
  return { ...current, status };
}

/**
 * Who asked, recorded by the server and never taken from the body (kube's PrepareForCreate):
 * the approver and the signer decide on `spec.username` and `spec.groups`, so a caller must
 * not be able to claim another identity. The status starts empty.
 */
export const CSR_REQUESTER: MutatingAdmission = {
  name: 'CertificateSigningRequestRequester',
  admit(request) {
    if (request.operation !== 'CREATE' || request.resource.kind !== 'CertificateSigningRequest' || !request.object) return undefined;
    const { user } = request;
    const spec = { ...request.object.spec, username: user.name, groups: [...user.groups] };
    if (user.uid) spec.uid = user.uid;
    else delete spec.uid;
    if (user.extra && Object.keys(user.extra).length) spec.extra = user.extra;
    else delete spec.extra;
    const object = { ...request.object, spec };
    delete object.status;
    return object;
  },
};
