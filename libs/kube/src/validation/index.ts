export { validateObject } from './validate-object';
export type { Issue, Reason } from './rule';
