export * from './envelope';
export * from './domain-events';
