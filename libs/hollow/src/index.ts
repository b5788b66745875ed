export * from './hollow-nodes';
export * from './hollow-kubelet';
export * from './heartbeats';
export * from './node-registry';
export { nodeAddress, podAddress, PodIpAllocator, POD_SLOTS } from './addresses';
export { hollowNodeObject, hollowNodeStatus, withHeartbeat, readyCondition, HOLLOW_LABEL, HOLLOW_KUBELET_VERSION, type NodeCapacity } from './node-status';
export { runningPodStatus, terminatedPodStatus, runsToCompletion, hollowExitCode, qosClass, EXIT_CODE_ANNOTATION } from './pod-status';
