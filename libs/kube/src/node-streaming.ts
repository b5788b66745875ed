/**
 * How the API server reaches a node agent's authenticated streaming port (kubectl exec,
 * port-forward): the port is a node annotation, and the API server proves who it is with a
 * client certificate of the cluster CA bearing this common name (kube's apiserver-kubelet-client).
 */
export const STREAMING_PORT_ANNOTATION = 'node.logbook.io/streaming-port';
export const API_SERVER_CLIENT_CN = 'logbook-apiserver-kubelet-client';
