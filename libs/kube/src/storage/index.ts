export * from './storage';
export * from './volume-matching';
