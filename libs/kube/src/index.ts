export * from './object';
export * from './resources';
export * from './api-error';
export * from './strategic-merge-patch';
export * from './label-selector';
export * from './field-selector';
export * from './validation';
export * from './defaults';
