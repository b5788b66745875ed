import { RuntimeError } from '../../container-runtime.port';
import { exitCodeOf } from './exit-status';

describe('exitCodeOf (the v4 error stream)', () => {
  it.each([
    ['nothing', '', 0],
    ['a Success Status, as containerd 1.6 sends it', '{"metadata":{},"status":"Success"}', 0],
    [
      'a NonZeroExitCode Failure',
      JSON.stringify({ metadata: {}, status: 'Failure', message: 'command terminated with non-zero exit code: exit status 3', reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: '3' }] } }),
      3,
    ],
  ])('reads %s', (_what, text, code) => {
    expect(exitCodeOf(text)).toBe(code);
  });

  it.each([
    ['an InternalError Status', JSON.stringify({ metadata: {}, status: 'Failure', message: 'error executing command in container: not found', reason: 'InternalError', code: 500 }), 'error executing command in container: not found'],
    ['a NonZeroExitCode Failure without its cause', JSON.stringify({ status: 'Failure', reason: 'NonZeroExitCode', message: 'exit status ?' }), 'exit status ?'],
    ['a bare message (protocols before v4)', 'something broke', 'something broke'],
  ])('throws ExecError with the message of %s', (_what, text, message) => {
    let thrown: unknown;
    try {
      exitCodeOf(text);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(RuntimeError);
    expect(thrown).toMatchObject({ reason: 'ExecError', message });
  });
});
