export * from './container-runtime.port';
