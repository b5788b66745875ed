import { f, k, type Schema } from './schema';

/** k8s.io/api v0.32 apps/v1/generated.proto and batch/v1/generated.proto. */
export const APPS_BATCH_V1: Schema = {
  Deployment: { 1: f('metadata', 'message:ObjectMeta'), 2: f('spec', 'message:DeploymentSpec'), 3: f('status', 'message:DeploymentStatus') },
  DeploymentSpec: {
    1: k('replicas', 'int32'),
    2: f('selector', 'message:LabelSelector'),
    3: f('template', 'message:PodTemplateSpec'),
    4: f('strategy', 'message:DeploymentStrategy'),
    5: f('minReadySeconds', 'int32'),
    6: k('revisionHistoryLimit', 'int32'),
    7: f('paused', 'bool'),
    9: k('progressDeadlineSeconds', 'int32'),
  },
  DeploymentStrategy: { 1: f('type', 'string'), 2: f('rollingUpdate', 'message:RollingUpdateDeployment') },
  RollingUpdateDeployment: { 1: f('maxUnavailable', 'intOrString'), 2: f('maxSurge', 'intOrString') },
  // A create body carries an empty status; what a client puts there is ignored anyway.
  DeploymentStatus: {},

  ReplicaSet: { 1: f('metadata', 'message:ObjectMeta'), 2: f('spec', 'message:ReplicaSetSpec'), 3: f('status', 'message:ReplicaSetStatus') },
  ReplicaSetSpec: {
    1: k('replicas', 'int32'),
    2: f('selector', 'message:LabelSelector'),
    3: f('template', 'message:PodTemplateSpec'),
    4: f('minReadySeconds', 'int32'),
  },
  ReplicaSetStatus: {},

  Job: { 1: f('metadata', 'message:ObjectMeta'), 2: f('spec', 'message:JobSpec'), 3: f('status', 'message:JobStatus') },
  JobSpec: {
    1: k('parallelism', 'int32'),
    2: k('completions', 'int32'),
    3: k('activeDeadlineSeconds', 'int64'),
    4: f('selector', 'message:LabelSelector'),
    5: k('manualSelector', 'bool'),
    6: f('template', 'message:PodTemplateSpec'),
    7: k('backoffLimit', 'int32'),
    8: k('ttlSecondsAfterFinished', 'int32'),
    9: k('completionMode', 'string'),
    10: k('suspend', 'bool'),
    12: k('backoffLimitPerIndex', 'int32'),
    13: k('maxFailedIndexes', 'int32'),
    14: k('podReplacementPolicy', 'string'),
    15: k('managedBy', 'string'),
  },
  JobStatus: {},

  // kubectl create cronjob (1.32) sends one; timeZone (8) came after the history limits (6, 7).
  CronJob: { 1: f('metadata', 'message:ObjectMeta'), 2: f('spec', 'message:CronJobSpec'), 3: f('status', 'message:CronJobStatus') },
  CronJobSpec: {
    1: f('schedule', 'string'),
    2: k('startingDeadlineSeconds', 'int64'),
    3: f('concurrencyPolicy', 'string'),
    4: k('suspend', 'bool'),
    5: f('jobTemplate', 'message:JobTemplateSpec'),
    6: k('successfulJobsHistoryLimit', 'int32'),
    7: k('failedJobsHistoryLimit', 'int32'),
    8: k('timeZone', 'string'),
  },
  JobTemplateSpec: { 1: f('metadata', 'message:ObjectMeta'), 2: f('spec', 'message:JobSpec') },
  CronJobStatus: {},
};
