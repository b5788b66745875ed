import { CORE_V1 } from './core';
import { META_V1 } from './meta';
import type { Schema } from './schema';
import { APPS_BATCH_V1 } from './workloads';

export type { FieldSpec, FieldType, MessageTable, Schema } from './schema';

/** Every message the decoder knows, by its short name (no two packages we cover share one). */
export const KUBE_SCHEMA: Schema = { ...META_V1, ...CORE_V1, ...APPS_BATCH_V1 };

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
  'batch/v1/CronJob': 'CronJob',
};
