export * from './csr-rules';
export * from './csr-approving-controller';
export * from './csr-signing-controller';
export * from './token-cleaner';
