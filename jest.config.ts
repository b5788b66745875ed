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
  projects: [
    { ...shared, displayName: 'unit', testMatch: ['**/*.spec.ts'] },
    // Real brokers and processes on a loaded 2-core CI machine: a test's own deadlines (eventually())
    // say what it waited for; jest's 5 s default would only cut them short with a less useful message.
    { ...shared, displayName: 'int', testMatch: ['**/*.int-spec.ts'], slowTestThreshold: 30, testTimeout: 60_000 },
    { ...shared, displayName: 'e2e', testMatch: ['**/*.e2e-spec.ts'], slowTestThreshold: 60, testTimeout: 120_000 },
  ],
};

export default config;
