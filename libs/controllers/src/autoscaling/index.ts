export * from './hpa-controller';
export * from './replica-calculator';
export * from './behavior';
