export * from './cluster-client.port';
export * from './object-cache';
export * from './work-queue';
export * from './controller';
export * from './controller-host';
export * from './events';
