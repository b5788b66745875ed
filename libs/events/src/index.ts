export * from './envelope';
export * from './domain-events';
export * from './upcast';
