export * from './node-agent';
export * from './backoff';
export { resolveEnv, serviceEnv, envReferences, fieldValue, EnvError, type EnvSources } from './env';
export { buildPodStatus, podPhase } from './pod-status';
export { agentNodeObject, agentNodeStatus, nodeConditions, machineCapacity, LIMITS_CONDITION, NODE_AGENT_VERSION, type NodeInfo } from './node-object';
export { ReadOnlyServer, logOptions } from './read-only-server';
export { probeTiming, nextResult, type ProbeTiming } from './probe-worker';
export type { Summary, CpuStats, MemoryStats } from './resource-stats';
export { StreamingServer } from './streaming/streaming-server';
