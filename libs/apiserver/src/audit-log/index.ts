export * from './policy';
export * from './request-info';
export * from './audit-event';
export * from './audit-file';
export * from './capture';
export * from './request-auditor';
export * from './in-process-audit';
export * from './audit-flags';
