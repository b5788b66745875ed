import { f, k, type Schema } from './schema';

/**
 * k8s.io/api v0.32 policy/v1/generated.proto (Eviction, PodDisruptionBudget; policy/v1beta1 has
 * the same field numbers) and authorization/v1/generated.proto (the self access reviews that
 * `kubectl auth can-i` creates).
 */
export const POLICY_AUTHORIZATION_V1: Schema = {
  Eviction: { 1: f('metadata', 'message:ObjectMeta'), 2: f('deleteOptions', 'message:DeleteOptions') },

  PodDisruptionBudget: { 1: f('metadata', 'message:ObjectMeta'), 2: f('spec', 'message:PodDisruptionBudgetSpec'), 3: f('status', 'message:PodDisruptionBudgetStatus') },
  PodDisruptionBudgetSpec: {
    1: f('minAvailable', 'intOrString'),
    2: f('selector', 'message:LabelSelector'),
    3: f('maxUnavailable', 'intOrString'),
    4: k('unhealthyPodEvictionPolicy', 'string'),
  },
  // Status is the disruption controller's; what a client sends there is ignored.
  PodDisruptionBudgetStatus: {},

  SelfSubjectAccessReview: { 1: f('metadata', 'message:ObjectMeta'), 2: f('spec', 'message:SelfSubjectAccessReviewSpec'), 3: f('status', 'message:SubjectAccessReviewStatus') },
  SelfSubjectAccessReviewSpec: { 1: f('resourceAttributes', 'message:ResourceAttributes'), 2: f('nonResourceAttributes', 'message:NonResourceAttributes') },
  ResourceAttributes: {
    1: f('namespace', 'string'),
    2: f('verb', 'string'),
    3: f('group', 'string'),
    4: f('version', 'string'),
    5: f('resource', 'string'),
    6: f('subresource', 'string'),
    7: f('name', 'string'),
  },
  NonResourceAttributes: { 1: f('path', 'string'), 2: f('verb', 'string') },
  SubjectAccessReviewStatus: {},

  SelfSubjectRulesReview: { 1: f('metadata', 'message:ObjectMeta'), 2: f('spec', 'message:SelfSubjectRulesReviewSpec'), 3: f('status', 'message:SubjectRulesReviewStatus') },
  SelfSubjectRulesReviewSpec: { 1: f('namespace', 'string') },
  SubjectRulesReviewStatus: {},
};
