export { validateObject } from './validate-object';
export { validateUpdate } from './validate-update';
export type { Issue, Reason } from './rule';
