export { VolumeManager, type VolumeManagerOptions, type ServiceAccountTokenSource } from './volume-manager';
export { VolumeError, type VolumeErrorReason } from './volume-error';
export type { NodeAllocatable } from './resource-field';
