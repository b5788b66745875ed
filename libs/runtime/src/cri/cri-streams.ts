import type { Duplex } from 'node:stream';
import type { ExecProcess, ExecStreamOptions } from '../container-runtime.port';
import { RuntimeError } from '../container-runtime.port';
import type { CriClient } from './cri-client';

/**
 * exec, attach and port-forward: CRI hands out a URL on containerd's streaming server, and the
 * streaming client speaks the remote-command / port-forward protocol to it.
 */
export class CriStreams {
  constructor(private readonly client: CriClient) {}

  async exec(containerId: string, command: readonly string[], options: ExecStreamOptions): Promise<ExecProcess> {
    const tty = options.tty !== undefined;
    await this.client.exec({ containerId, cmd: command, tty, stdin: options.stdin || tty, stdout: true, stderr: !tty });
    throw notYet('exec');
  }

  async attach(containerId: string, options: ExecStreamOptions): Promise<ExecProcess> {
    const tty = options.tty !== undefined;
    await this.client.attach({ containerId, tty, stdin: options.stdin, stdout: true, stderr: !tty });
    throw notYet('attach');
  }

  async portForward(podSandboxId: string, port: number): Promise<Duplex> {
    await this.client.portForward(podSandboxId, [port]);
    throw notYet('port-forward');
  }
}

function notYet(what: string): RuntimeError {
  return new RuntimeError('NotSupported', `${what} into containerd containers needs the CRI streaming client, which this build does not have yet`);
}
