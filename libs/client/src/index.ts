export * from './kubeconfig';
export * from './api-client';
export * from './http-cluster-client';
export * from './api-stream';
