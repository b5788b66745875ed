/**
 * The metav1.Status a remote command ends with on its error channel (remotecommand protocol v4+):
 * kubectl exits 0 on Success, with the code of a NonZeroExitCode failure's ExitCode cause, and 1
 * with the message for anything else.
 */
export type ExecStatus = Readonly<Record<string, unknown>>;

export function successStatus(): ExecStatus {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success' };
}

export function exitCodeStatus(code: number): ExecStatus {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: exit status ${code}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(code) }] },
  };
}

export function errorStatus(message: string): ExecStatus {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: 'InternalError', code: 500 };
}
