export * from './event-recorder';
export * from './event-correlator';
export * from './event-broadcaster';
export * from './recorded-events';
