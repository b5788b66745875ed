import { CORE_V1 } from './core';
import { META_V1 } from './meta';
import type { Schema } from './schema';
import { APPS_BATCH_V1 } from './workloads';
import { POLICY_AUTHORIZATION_V1 } from './policy';
import { AUTOSCALING_V1 } from './autoscaling';
import { NETWORKING_V1 } from './networking';
import { CERTIFICATES_V1 } from './certificates';
import { AUTHENTICATION_V1 } from './authentication';
import { RBAC_V1 } from './rbac';

export type { FieldSpec, FieldType, MessageTable, Schema } from './schema';

/** Every message the decoder knows, by its short name (no two packages we cover share one). */
export const KUBE_SCHEMA: Schema = { ...META_V1, ...CORE_V1, ...APPS_BATCH_V1, ...POLICY_AUTHORIZATION_V1, ...AUTOSCALING_V1, ...NETWORKING_V1, ...CERTIFICATES_V1, ...AUTHENTICATION_V1, ...RBAC_V1 };

/** `apiVersion/kind` of the top-level objects decoded from a protobuf body → their message. */
export const DECODED_KINDS: Readonly<Record<string, string>> = {
  'v1/Namespace': 'Namespace',
  'v1/ConfigMap': 'ConfigMap',
  'v1/Secret': 'Secret',
  'v1/Service': 'Service',
  'v1/Pod': 'Pod',
  'apps/v1/Deployment': 'Deployment',
  'apps/v1/ReplicaSet': 'ReplicaSet',
  'batch/v1/Job': 'Job',
  'policy/v1/Eviction': 'Eviction',
  'policy/v1beta1/Eviction': 'Eviction',
  'policy/v1/PodDisruptionBudget': 'PodDisruptionBudget',
  'authorization.k8s.io/v1/SelfSubjectAccessReview': 'SelfSubjectAccessReview',
  'authorization.k8s.io/v1/SelfSubjectRulesReview': 'SelfSubjectRulesReview',
  'authorization.k8s.io/v1/SubjectAccessReview': 'SubjectAccessReview',
  'authorization.k8s.io/v1/LocalSubjectAccessReview': 'LocalSubjectAccessReview',
  'rbac.authorization.k8s.io/v1/Role': 'Role',
  'rbac.authorization.k8s.io/v1/ClusterRole': 'ClusterRole',
  'rbac.authorization.k8s.io/v1/RoleBinding': 'RoleBinding',
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': 'ClusterRoleBinding',
  'autoscaling/v1/HorizontalPodAutoscaler': 'HorizontalPodAutoscaler',
  'batch/v1/CronJob': 'CronJob',
  'networking.k8s.io/v1/Ingress': 'Ingress',
  'networking.k8s.io/v1/IngressClass': 'IngressClass',
  'certificates.k8s.io/v1/CertificateSigningRequest': 'CertificateSigningRequest',
  'authentication.k8s.io/v1/TokenRequest': 'TokenRequest',
};
