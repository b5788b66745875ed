export { evolveObject } from './evolve';
export { ClusterState, type ObjectChange, type ListOptions, type SkippedEvent } from './state';
export { Projector, ProjectionTimeout, ProjectorStopped, type ProjectorOptions, type AppliedListener } from './projector';
export { stateAt, stateAtTime, replayAll } from './time-travel';
export { foldFromStore, FOLD_PAGE_SIZE } from './fold';
export { applyPatchImmutable, PatchConflict } from './immutable-patch';
export { canonicalJson } from './canonical-json';
export { SnapshotFormatError, type StateView } from './snapshot-format';
