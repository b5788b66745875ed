import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { get as httpGet } from 'node:http';
import { get as httpsGet } from 'node:https';
import type { ComponentSpec } from './distributed-plan';

export interface RestartPolicy {
  /** First wait before a restart; doubles with each death in a row. */
  readonly initialMs: number;
  readonly maxMs: number;
  /** A process that stayed up this long starts again from `initialMs`. */
  readonly resetAfterMs: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = { initialMs: 1_000, maxMs: 30_000, resetAfterMs: 60_000 };

export interface SupervisedProcessOptions {
  readonly spec: ComponentSpec;
  /** The app's built main.js. */
  readonly entry: string;
  /** Extra environment (the identity's token), on top of the spec's. */
  readonly env?: Readonly<Record<string, string>>;
  /** Receives every line, already prefixed with the process name. */
  readonly out: (line: string) => void;
  /** The process's own log file (appended across restarts). */
  readonly logFile: string;
  /** Width the name is padded to, so the ` | ` columns line up. */
  readonly nameWidth: number;
  readonly restart?: RestartPolicy;
  /** Called whenever the pid changes (start, death, restart). */
  readonly onPidChange: () => void;
}

const TAIL_LINES = 20;

/**
 * One component process under supervision: its lines prefixed with its name, readiness polled on
 * its /readyz, restarted with back-off when it dies, and stopped with SIGTERM then SIGKILL.
 */
export class SupervisedProcess {
  private child?: ChildProcess;
  private readonly tail: string[] = [];
  private readonly log: WriteStream;
  private stopping = false;
  private restartTimer?: NodeJS.Timeout;
  private delayMs: number;
  private startedAt = 0;
  private restartCount = 0;
  private exited?: Promise<void>;

  constructor(private readonly o: SupervisedProcessOptions) {
    this.delayMs = this.policy.initialMs;
    this.log = createWriteStream(o.logFile, { flags: 'a' });
  }

  get name(): string {
    return this.o.spec.name;
  }

  get pid(): number | undefined {
    return this.child && this.child.exitCode === null && this.child.signalCode === null ? this.child.pid : undefined;
  }

  get restarts(): number {
    return this.restartCount;
  }

  get healthPort(): number {
    return this.o.spec.healthPort;
  }

  get metricsUrl(): string {
    return this.o.spec.metricsUrl;
  }

  start(): void {
    if (this.stopping) return;
    const child = spawn(process.execPath, [this.o.entry, ...this.o.spec.args], {
      env: { ...process.env, NODE_OPTIONS: '', ...this.o.spec.env, ...this.o.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group: Ctrl-C reaches the supervisor only, which stops everything in order.
      detached: true,
    });
    this.child = child;
    this.startedAt = Date.now();
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    this.pipe(child.stdout!);
    this.pipe(child.stderr!);
    child.once('error', (err) => this.say(`cannot start: ${err.message}`));
    child.once('exit', (code, signal) => this.onExit(code, signal));
    this.o.onPidChange();
  }

  /** Resolves once /readyz answers 200 (the process may die and come back meanwhile); rejects when it is stopped first. */
  async waitReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.stopping) throw new Error(`${this.name} was stopped before it was ready`);
      if (this.pid !== undefined && (await answers200(this.o.spec.readyUrl))) return;
      if (Date.now() > deadline) {
        throw new Error(`${this.name} not ready after ${Math.round(timeoutMs / 1000)} s (${this.o.spec.readyUrl}); its last lines:\n${this.lastLines()}`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  /** SIGTERM, then SIGKILL when it has not exited after `deadlineMs`; no restart afterwards. */
  async stop(deadlineMs: number): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    if (this.pid === undefined) return;
    this.child!.kill('SIGTERM');
    const timer = setTimeout(() => {
      this.say(`still running ${deadlineMs / 1000} s after SIGTERM: sending SIGKILL`);
      this.child?.kill('SIGKILL');
    }, deadlineMs);
    await this.exited;
    clearTimeout(timer);
  }

  async closeLog(): Promise<void> {
    await new Promise<void>((resolve) => this.log.end(resolve));
  }

  lastLines(): string {
    return this.tail.map((l) => `    ${l}`).join('\n');
  }

  private get policy(): RestartPolicy {
    return this.o.restart ?? DEFAULT_RESTART_POLICY;
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null): void {
    this.o.onPidChange();
    if (this.stopping) return;
    const upMs = Date.now() - this.startedAt;
    if (upMs >= this.policy.resetAfterMs) this.delayMs = this.policy.initialMs;
    const how = signal ? `killed by ${signal}` : `exit code ${code}`;
    this.o.out('');
    this.o.out(`!!! ${this.name} (pid ${this.child?.pid}) DIED: ${how}, after ${(upMs / 1000).toFixed(1)} s; restarting it in ${(this.delayMs / 1000).toFixed(0)} s. Its last lines:`);
    for (const line of this.tail) this.o.out(`!!!   ${line}`);
    const delay = this.delayMs;
    this.delayMs = Math.min(this.delayMs * 2, this.policy.maxMs);
    this.restartTimer = setTimeout(() => {
      if (this.stopping) return;
      this.restartCount++;
      this.start();
      this.say(`restarted (pid ${this.child?.pid}, restart ${this.restartCount})`);
      void this.waitReady(120_000).then(
        () => this.say(`ready again (pid ${this.pid})`),
        (err: Error) => this.stopping || this.say(err.message.split('\n')[0]),
      );
    }, delay);
  }

  private say(message: string): void {
    this.o.out(`${this.name.padEnd(this.o.nameWidth)} * ${message}`);
  }

  private pipe(stream: NodeJS.ReadableStream): void {
    let partial = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) this.line(line);
    });
    stream.on('end', () => partial && this.line(partial));
  }

  private line(line: string): void {
    this.log.write(`${line}\n`);
    this.tail.push(line);
    if (this.tail.length > TAIL_LINES) this.tail.shift();
    this.o.out(`${this.name.padEnd(this.o.nameWidth)} | ${line}`);
  }
}

/** One GET; true on 200. Loopback probes skip certificate checks, as the kubelet's HTTPS probes do. */
function answers200(url: string): Promise<boolean> {
  const get = url.startsWith('https:') ? httpsGet : httpGet;
  return new Promise((resolve) => {
    const req = get(url, { timeout: 2_000, rejectUnauthorized: false, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}
