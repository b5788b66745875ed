export * from './metrics-registry';
export * from './collected-gauge';
export * from './consumer-groups';
export * from './health-routes';
export * from './health-server';
export * from './health-env';
export * from './http-listen';
