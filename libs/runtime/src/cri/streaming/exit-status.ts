import { RuntimeError } from '../../container-runtime.port';

/**
 * What the error stream of a remotecommand v4 session says, as client-go reads it: nothing or a
 * `Success` Status is exit code 0; a `NonZeroExitCode` Failure carries the code in its `ExitCode`
 * cause; any other Failure (the command could not start, the container is gone) is an error
 * with the server's message, thrown as RuntimeError('ExecError').
 */
export function exitCodeOf(errorStream: string): number {
  const text = errorStream.trim();
  if (text === '') return 0;
  let status: { status?: string; reason?: string; message?: string; details?: { causes?: { reason?: string; message?: string }[] } };
  try {
    status = JSON.parse(text);
  } catch {
    // Protocols before v4 sent a bare message; v4 servers may too when encoding fails.
    throw new RuntimeError('ExecError', text);
  }
  if (status.status === 'Success') return 0;
  if (status.reason === 'NonZeroExitCode') {
    const cause = status.details?.causes?.find((c) => c.reason === 'ExitCode');
    const code = Number(cause?.message);
    if (Number.isInteger(code)) return code;
  }
  throw new RuntimeError('ExecError', status.message || text);
}
