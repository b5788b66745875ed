export * from './embedded-cluster';
export * from './logger';
