export * from './backends';
export * from './port-listener';
export * from './service-proxy-controller';
export * from './service-proxy';
export * from './ingress-routes';
export * from './ingress-controller';
