export * from './cluster';
export * from './workloads';
