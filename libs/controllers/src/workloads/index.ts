export * from './replicaset-controller';
export * from './deployment-controller';
export { podTemplateHash, templatesEqualIgnoringHash, normaliseTemplate, POD_TEMPLATE_HASH } from './pod-template';
export { REVISION, REVISION_HISTORY, DESIRED_REPLICAS, MAX_REPLICAS } from './deployment-util';
export { compareForDeletion } from './scale-down-order';
