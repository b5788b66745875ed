import { f, k, type Schema } from './schema';

/**
 * k8s.io/api v0.32 rbac/v1/generated.proto (what `kubectl create role|clusterrole|rolebinding|
 * clusterrolebinding` sends) and authorization/v1's SubjectAccessReview and
 * LocalSubjectAccessReview (`kubectl auth can-i --as` sends the self review; webhooks these).
 */
export const RBAC_V1: Schema = {
  Role: { 1: f('metadata', 'message:ObjectMeta'), 2: f('rules', 'repeated message:PolicyRule') },
  ClusterRole: { 1: f('metadata', 'message:ObjectMeta'), 2: f('rules', 'repeated message:PolicyRule'), 3: f('aggregationRule', 'message:AggregationRule') },
  AggregationRule: { 1: f('clusterRoleSelectors', 'repeated message:LabelSelector') },
  PolicyRule: {
    1: f('verbs', 'repeated string'),
    2: f('apiGroups', 'repeated string'),
    3: f('resources', 'repeated string'),
    4: f('resourceNames', 'repeated string'),
    5: f('nonResourceURLs', 'repeated string'),
  },
  RoleBinding: { 1: f('metadata', 'message:ObjectMeta'), 2: f('subjects', 'repeated message:Subject'), 3: f('roleRef', 'message:RoleRef') },
  ClusterRoleBinding: { 1: f('metadata', 'message:ObjectMeta'), 2: f('subjects', 'repeated message:Subject'), 3: f('roleRef', 'message:RoleRef') },
  Subject: { 1: k('kind', 'string'), 2: f('apiGroup', 'string'), 3: k('name', 'string'), 4: f('namespace', 'string') },
  RoleRef: { 1: k('apiGroup', 'string'), 2: k('kind', 'string'), 3: k('name', 'string') },

  SubjectAccessReview: { 1: f('metadata', 'message:ObjectMeta'), 2: f('spec', 'message:SubjectAccessReviewSpec'), 3: f('status', 'message:SubjectAccessReviewStatus') },
  LocalSubjectAccessReview: { 1: f('metadata', 'message:ObjectMeta'), 2: f('spec', 'message:SubjectAccessReviewSpec'), 3: f('status', 'message:SubjectAccessReviewStatus') },
  SubjectAccessReviewSpec: {
    1: f('resourceAttributes', 'message:ResourceAttributes'),
    2: f('nonResourceAttributes', 'message:NonResourceAttributes'),
    3: f('user', 'string'),
    4: f('groups', 'repeated string'),
    6: f('uid', 'string'),
  },
};
