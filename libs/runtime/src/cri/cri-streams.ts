import type { Duplex } from 'node:stream';
import type { ExecProcess, ExecStreamOptions } from '../container-runtime.port';
import type { CriClient } from './cri-client';
import { openPortForward, openRemoteCommand } from './streaming';

/**
 * exec, attach and port-forward: CRI hands out a single-use URL on containerd's streaming
 * server, and the streaming client speaks remotecommand / port-forward to it. With a terminal
 * stderr is merged into stdout, so it is not asked for (CRI refuses both).
 */
export class CriStreams {
  constructor(private readonly client: CriClient) {}

  async exec(containerId: string, command: readonly string[], options: ExecStreamOptions): Promise<ExecProcess> {
    const tty = options.tty !== undefined;
    const url = await this.client.exec({ containerId, cmd: command, tty, stdin: options.stdin, stdout: true, stderr: !tty });
    return openRemoteCommand(url, { stdin: options.stdin, stdout: true, stderr: !tty, tty: options.tty });
  }

  async attach(containerId: string, options: ExecStreamOptions): Promise<ExecProcess> {
    const tty = options.tty !== undefined;
    const url = await this.client.attach({ containerId, tty, stdin: options.stdin, stdout: true, stderr: !tty });
    return openRemoteCommand(url, { stdin: options.stdin, stdout: true, stderr: !tty, tty: options.tty });
  }

  async portForward(podSandboxId: string, port: number): Promise<Duplex> {
    const url = await this.client.portForward(podSandboxId, [port]);
    return openPortForward(url, port);
  }
}
