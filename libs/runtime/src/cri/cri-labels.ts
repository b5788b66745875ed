/** Labels and annotations the adapter puts on sandboxes and containers, kubelet's names where it has one. */
export const POD_UID = 'io.kubernetes.pod.uid';
export const POD_NAME = 'io.kubernetes.pod.name';
export const POD_NAMESPACE = 'io.kubernetes.pod.namespace';
export const CONTAINER_NAME = 'io.kubernetes.container.name';
export const RESTART_COUNT = 'io.kubernetes.container.restartCount';
/** Which node agent owns the object: several agents (and tests) may share one containerd. */
export const NODE = 'io.logbook.node';
export const GRACE_PERIOD = 'io.logbook.pod.terminationGracePeriodSeconds';
/** The image as the pod spec names it (CRI reports the resolved reference instead). */
export const IMAGE = 'io.logbook.container.image';
export const TERMINATION_LOG = 'io.logbook.container.terminationLog';
/** The sandbox's own config, kept so that a restarted agent passes the same one to CreateContainer. */
export const SANDBOX_CONFIG = 'io.logbook.pod.sandboxConfig';
