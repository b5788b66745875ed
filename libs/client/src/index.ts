export * from './kubeconfig';
export * from './api-client';
