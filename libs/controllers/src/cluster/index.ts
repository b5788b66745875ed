export * from './job/job-controller';
export * from './job/job-pods';
export * from './node-lifecycle/node-lifecycle-controller';
export * from './node-lifecycle/taints';
export * from './endpoints/endpoints-controller';
export * from './endpoints/endpoint-subsets';
export * from './garbage-collector/garbage-collector';
export * from './garbage-collector/dependency-index';
