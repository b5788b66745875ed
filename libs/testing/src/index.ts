export * from './eventually';
export * from './tmp-dir';
export * from './logbook-process';
export * from './kubectl';
export * from './prometheus-text';
export * from './workloads';
export * from './docker-engine';
export * from './container-kit';
