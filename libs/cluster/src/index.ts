export * from './embedded-cluster';
export * from './logger';
export * from './components';
export * from './shutdown';
