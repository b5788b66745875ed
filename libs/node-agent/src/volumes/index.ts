export { VolumeManager, type VolumeManagerOptions } from './volume-manager';
export type { ServiceAccountTokenSource } from './sources';
export { VolumeError, type VolumeErrorReason } from './volume-error';
export type { NodeAllocatable } from './resource-field';
export { LocalPathReclaimer, type LocalPathReclaimerOptions } from './local-path-reclaimer';
export { ServiceAccountTokens, needsRefresh } from './service-account-tokens';
