export * from './container-runtime.port';
export { ProcessRuntime, UNKNOWN_EXIT } from './process/process-runtime';
export type { ProcessRuntimeOptions } from './process/process-runtime';
export { containerSpecHash } from './process/container-record';
export { processStartTicks } from './process/proc-stat';
export { machineUsage, type ProcUsage } from './process/proc-usage';
