import type { MutatingAdmission, ValidatingAdmission } from './admission';
import { AdmissionChain } from './chain';
import { NAMESPACE_LIFECYCLE } from './plugins/namespace-lifecycle';
import { DEFAULT_STORAGE_CLASS } from './plugins/default-storage-class';
import { DEFAULT_INGRESS_CLASS } from './plugins/default-ingress-class';
import { GENERATE_NAME } from './plugins/generate-name';
import { NAME_REQUIRED } from './plugins/name-required';
import { LimitRanger } from './limit-ranger/limit-ranger';
import { PodSecurityAdmission } from './pod-security/pod-security-admission';
import { ResourceQuotaAdmission } from './resource-quota/resource-quota-admission';
import { ServiceAccountAdmission } from './service-account/service-account-admission';
import { RBAC_ESCALATION } from '../authz/rbac-escalation';
import { CSR_REQUESTER } from '../write/certificate-request';
import { CERTIFICATE_APPROVAL, CERTIFICATE_SIGNING, CERTIFICATE_SUBJECT_RESTRICTION } from './plugins/certificates';

const LIMIT_RANGER = new LimitRanger();

/**
 * The admission steps every write passes, in kube-apiserver's order (its AllOrderedPlugins),
 * leaving out the plugins Logbook does not have. docs/security.md lists them.
 *
 * Service addresses (ClusterIP, node ports) are not a step: like kube's Service REST storage
 * they are allocated after the mutating steps and held until the append is applied, so the
 * writer wraps the write in write/cluster-ip.ts's allocator instead.
 */
export const MUTATING_ADMISSION: readonly MutatingAdmission[] = [
  // kube's CSR PrepareForCreate, before any plugin: the requester is who authenticated, never the body.
  CSR_REQUESTER,
  NAMESPACE_LIFECYCLE,
  LIMIT_RANGER,
  new ServiceAccountAdmission(),
  DEFAULT_STORAGE_CLASS,
  DEFAULT_INGRESS_CLASS,
  // Not admission plugins in kube but its BeforeCreate, after every mutating plugin: the name.
  GENERATE_NAME,
  NAME_REQUIRED,
];

/** Validating steps see the object as it would be stored (after defaulting and the decider's own validation). */
export const VALIDATING_ADMISSION: readonly ValidatingAdmission[] = [
  LIMIT_RANGER,
  new PodSecurityAdmission(),
  CERTIFICATE_APPROVAL,
  CERTIFICATE_SIGNING,
  CERTIFICATE_SUBJECT_RESTRICTION,
  // Not an admission plugin in kube but its RBAC storage's check; here so every client's writes pass it.
  RBAC_ESCALATION,
  // Last, after every other validating step: it charges what the others admitted. One instance
  // per process, so that API servers sharing this process also share its reservations.
  new ResourceQuotaAdmission(),
];

/** The chain the API server runs for every write, whichever client made it. */
export function defaultAdmissionChain(): AdmissionChain {
  return new AdmissionChain(MUTATING_ADMISSION, VALIDATING_ADMISSION);
}
