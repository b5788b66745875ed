export * from './job/job-controller';
export * from './job/job-pods';
