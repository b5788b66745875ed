export * from './object';
export * from './resources';
export * from './api-error';
