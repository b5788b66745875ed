import type { Config } from 'jest';

// Three tiers, one jest project each (STYLE.md "Tests"): unit tests touch no I/O,
// integration tests use real SQLite files and the real Kafka broker, end-to-end tests
// start real processes and drive them with real kubectl and @kubernetes/client-node.
const shared = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: {
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true },
          target: 'es2023',
        },
        module: { type: 'commonjs' },
      },
    ],
  },
  moduleNameMapper: { '^@logbook/(.*)$': '<rootDir>/libs/$1/src' },
  roots: ['<rootDir>/apps', '<rootDir>/libs', '<rootDir>/infra'],
};

const config: Config = {
  // Only with LOGBOOK_KAFKA=testcontainers: Kafka in a container instead of the jar broker.
  globalSetup: '<rootDir>/infra/jest/kafka-global-setup.ts',
  globalTeardown: '<rootDir>/infra/jest/kafka-global-teardown.ts',
  projects: [
    { ...shared, displayName: 'unit', testMatch: ['**/*.spec.ts'] },
    // testTimeout is a global option that projects ignore: each tier sets its own in a setup file.
    { ...shared, displayName: 'int', testMatch: ['**/*.int-spec.ts'], slowTestThreshold: 30, setupFilesAfterEnv: ['<rootDir>/infra/jest/int-timeout.ts'] },
    { ...shared, displayName: 'e2e', testMatch: ['**/*.e2e-spec.ts'], slowTestThreshold: 60, setupFilesAfterEnv: ['<rootDir>/infra/jest/e2e-timeout.ts'] },
  ],
};

export default config;
