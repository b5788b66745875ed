// End-to-end tests start `logbook up` processes and drive them with kubectl; see int-timeout.ts.
jest.setTimeout(120_000);
