export * from './cluster';
export * from './workloads';
export * from './autoscaling';
