import { eventually } from '@logbook/testing';
import type { ExecProcess } from '../container-runtime.port';
import { useRuntimeKit } from './process-runtime.test-kit';
import { shellQuote } from './terminal';

/** Everything a stream gives, as text, read as it comes. */
function reader(stream: NodeJS.ReadableStream): () => string {
  let text = '';
  stream.on('data', (c: Buffer) => (text += c.toString()));
  return () => text;
}

describe('ProcessRuntime.execStream (kubectl exec)', () => {
  const { runtime, sandbox, container, start } = useRuntimeKit();

  async function running() {
    const rt = runtime();
    const sb = await sandbox(rt);
    await start(rt, container(sb.uid, 'setInterval(() => {}, 1000)', { env: { MARK: 'from-the-container' }, workingDir: '/tmp' }));
    return { rt, sb };
  }

  it('runs beside the container with its environment, working directory and POD_IP; pipes stdin and reports the exit code', async () => {
    const { rt, sb } = await running();
    const proc = await rt.execStream(sb.uid, 'main', ['sh', '-c', 'echo "$MARK $POD_IP $(pwd)"; tr a-z A-Z; echo oops >&2; exit 3'], { stdin: true });
    const out = reader(proc.stdout);
    const err = reader(proc.stderr);
    proc.stdin!.end('shout\n');
    expect(await proc.exited).toBe(3);
    await eventually(() => out() === `from-the-container ${sb.ip} /tmp\nSHOUT\n` && err() === 'oops\n', { what: `output, got ${JSON.stringify(out())}` });
  });

  it('gives a terminal of the asked size on -t, resized later with SIGWINCH', async () => {
    const { rt, sb } = await running();
    const proc: ExecProcess = await rt.execStream(sb.uid, 'main', ['sh', '-c', "tty; trap 'stty size' WINCH; stty size; while :; do sleep 0.05; done"], { stdin: false, tty: { cols: 100, rows: 30 } });
    const out = reader(proc.stdout);
    await eventually(() => /\/dev\/pts\/\d+\r\n30 100\r\n/.test(out()), { what: `the terminal and its first size, got ${JSON.stringify(out())}` });
    proc.resize!({ cols: 120, rows: 50 });
    await eventually(() => out().includes('50 120\r\n'), { what: `the new size after SIGWINCH, got ${JSON.stringify(out())}` });
    proc.kill();
    expect(await proc.exited).toBe(137);
  });

  it('ends exec\'d commands with their container', async () => {
    const { rt, sb } = await running();
    const proc = await rt.execStream(sb.uid, 'main', ['sleep', '600'], { stdin: false });
    await rt.stopContainer(sb.uid, 'main', 0);
    expect(await proc.exited).toBe(137);
  });

  it('says why a command cannot start: not found, or the container is not running', async () => {
    const { rt, sb } = await running();
    await expect(rt.execStream(sb.uid, 'main', ['no-such-command-anywhere'], { stdin: false })).rejects.toMatchObject({ reason: 'CommandNotFound' });
    await expect(rt.execStream(sb.uid, 'other', ['true'], { stdin: false })).rejects.toMatchObject({ reason: 'NotRunning' });
  });

  it('quotes arguments for the terminal\'s shell so they arrive unchanged', () => {
    expect(shellQuote('plain-arg_1.txt')).toBe('plain-arg_1.txt');
    expect(shellQuote("it's $HOME; rm -rf *")).toBe(`'it'\\''s $HOME; rm -rf *'`);
  });
});
