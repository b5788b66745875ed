import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { findExecutable } from '../containerd/containerd-available';
import { RegistryCredentialsPair, listRegistry } from './registry-api';

export interface LocalRegistryOptions {
  /** Storage, config and log of the registry. */
  readonly dir: string;
  /** host:port to listen on; port 0 (the default, '127.0.0.1:0') picks a free one. Loopback only. */
  readonly address?: string;
  /** Require these credentials (htpasswd, bcrypt) for every request. */
  readonly htpasswd?: { readonly user: string; readonly password: string };
  readonly log?: (line: string) => void;
  readonly startTimeoutMs?: number;
}

/**
 * Debian's docker-registry (distribution 2.x) on this machine's loopback: where Logbook's own
 * images are pushed and where containerd pulls from (directly, or as the docker.io mirror).
 */
export class LocalRegistry {
  private exited = false;

  private constructor(
    private readonly child: ChildProcess,
    /** host:port it listens on, e.g. '127.0.0.1:40513'. */
    readonly address: string,
    readonly dir: string,
    readonly credentials: RegistryCredentialsPair | undefined,
  ) {
    child.once('exit', () => (this.exited = true));
  }

  get url(): string {
    return `http://${this.address}`;
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  static async start(o: LocalRegistryOptions): Promise<LocalRegistry> {
    const binary = findExecutable('docker-registry');
    if (!binary) throw new Error('docker-registry not found: apt-get install -y docker-registry');
    const dir = resolve(o.dir);
    const address = o.address ?? '127.0.0.1:0';
    const host = address.slice(0, address.lastIndexOf(':'));
    if (!/^127\.|^localhost$|^\[::1\]$/.test(host)) throw new Error(`the local registry listens on loopback only (got ${address})`);
    mkdirSync(join(dir, 'storage'), { recursive: true });
    const config = [
      'version: 0.1',
      'log:',
      '  level: info',
      '  accesslog:',
      '    disabled: true',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${JSON.stringify(join(dir, 'storage'))}`,
      '  delete:',
      '    enabled: true',
      'http:',
      `  addr: ${JSON.stringify(address)}`,
      // A fixed secret keeps the registry from warning at every start; it signs upload state only.
      `  secret: ${JSON.stringify(`logbook-${Math.random().toString(36).slice(2)}`)}`,
    ];
    if (o.htpasswd) {
      const htpasswd = findExecutable('htpasswd');
      if (!htpasswd) throw new Error('htpasswd not found: apt-get install -y apache2-utils');
      const line = execFileSync(htpasswd, ['-Bbn', o.htpasswd.user, o.htpasswd.password], { encoding: 'utf8' }).trim();
      writeFileSync(join(dir, 'htpasswd'), `${line}\n`, { mode: 0o600 });
      config.push('auth:', '  htpasswd:', '    realm: logbook', `    path: ${JSON.stringify(join(dir, 'htpasswd'))}`);
    }
    const configPath = join(dir, 'config.yml');
    writeFileSync(configPath, config.join('\n') + '\n');
    const logPath = join(dir, 'registry.log');
    const logStream = createWriteStream(logPath, { flags: 'a' });
    const child = spawn(binary, ['serve', configPath], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let listening = false;
    child.once('exit', () => logStream.end());
    const actual = await new Promise<string>((ok, fail) => {
      const timer = setTimeout(() => fail(new Error(`docker-registry did not listen within ${o.startTimeoutMs ?? 20_000} ms; its log ends:\n${output.slice(-2000)}`)), o.startTimeoutMs ?? 20_000);
      const onData = (chunk: Buffer) => {
        logStream.write(chunk);
        if (listening) return;
        output += chunk.toString();
        const m = /listening on (\S+?)["\s]/.exec(output);
        if (m) {
          listening = true;
          clearTimeout(timer);
          ok(m[1].replace(/^\[::\]/, '127.0.0.1'));
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.once('exit', (code) => {
        clearTimeout(timer);
        fail(new Error(`docker-registry exited (${code}) while starting; its log ends:\n${output.slice(-2000)}`));
      });
    });
    const creds = o.htpasswd ? { username: o.htpasswd.user, password: o.htpasswd.password } : undefined;
    const registry = new LocalRegistry(child, actual, dir, creds);
    await registry.waitReady(o.startTimeoutMs ?? 20_000);
    o.log?.(`registry: listening on http://${actual} (storage ${join(dir, 'storage')})`);
    return registry;
  }

  /** Repositories and their tags. */
  list(): Promise<{ repository: string; tags: string[] }[]> {
    return listRegistry(this.address, this.credentials);
  }

  async stop(timeoutMs = 5000): Promise<void> {
    if (this.exited || this.child.exitCode !== null) return;
    const exited = new Promise<void>((r) => this.child.once('exit', () => r()));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    await exited;
    clearTimeout(timer);
  }

  private async waitReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < deadline) {
      if (this.exited) throw new Error(`docker-registry exited; its log ends:\n${tailOf(join(this.dir, 'registry.log'))}`);
      try {
        // /v2/ answers 200, or 401 when htpasswd is on: either way the registry serves.
        const res = await fetch(`${this.url}/v2/`, { signal: AbortSignal.timeout(2000) });
        if (res.status === 200 || res.status === 401) return;
        last = `status ${res.status}`;
      } catch (err) {
        last = (err as Error).message;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`registry ${this.address} did not answer /v2/ within ${timeoutMs} ms (${last})`);
  }
}

function tailOf(path: string): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-20).join('\n');
  } catch {
    return '(no log)';
  }
}
