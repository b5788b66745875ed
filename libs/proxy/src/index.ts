export * from './backends';
export * from './port-listener';
export * from './service-proxy-controller';
export * from './service-proxy';
