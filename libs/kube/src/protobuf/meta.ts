import { f, k, type Schema } from './schema';

/** k8s.io/apimachinery v0.32 pkg/apis/meta/v1/generated.proto (Time, IntOrString, Quantity are built in). */
export const META_V1: Schema = {
  ObjectMeta: {
    1: f('name', 'string'),
    2: f('generateName', 'string'),
    3: f('namespace', 'string'),
    4: f('selfLink', 'string'),
    5: f('uid', 'string'),
    6: f('resourceVersion', 'string'),
    7: f('generation', 'int64'),
    8: f('creationTimestamp', 'time'),
    9: f('deletionTimestamp', 'time'),
    10: k('deletionGracePeriodSeconds', 'int64'),
    11: f('labels', 'map<string,string>'),
    12: f('annotations', 'map<string,string>'),
    13: f('ownerReferences', 'repeated message:OwnerReference'),
    14: f('finalizers', 'repeated string'),
  },
  OwnerReference: {
    1: k('kind', 'string'),
    3: k('name', 'string'),
    4: k('uid', 'string'),
    5: k('apiVersion', 'string'),
    6: k('controller', 'bool'),
    7: k('blockOwnerDeletion', 'bool'),
  },
  DeleteOptions: {
    1: k('gracePeriodSeconds', 'int64'),
    2: f('preconditions', 'message:Preconditions'),
    3: k('orphanDependents', 'bool'),
    4: k('propagationPolicy', 'string'),
    5: f('dryRun', 'repeated string'),
    6: k('ignoreStoreReadErrorWithClusterBreakingPotential', 'bool'),
  },
  Preconditions: { 1: k('uid', 'string'), 2: k('resourceVersion', 'string') },
  LabelSelector: {
    1: f('matchLabels', 'map<string,string>'),
    2: f('matchExpressions', 'repeated message:LabelSelectorRequirement'),
  },
  LabelSelectorRequirement: {
    1: k('key', 'string'),
    2: k('operator', 'string'),
    3: f('values', 'repeated string'),
  },
};
