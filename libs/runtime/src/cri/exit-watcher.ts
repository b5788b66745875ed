import type { CriClient } from './cri-client';
import { NODE } from './cri-labels';
import type { CriContainerStatus } from './cri-types';

/**
 * Notices containers that stop running. containerd 1.6's CRI has no event stream
 * (GetContainerEvents came later), so this polls ListContainers, as the kubelet's PLEG does,
 * and reports each container once on its way from running to exited.
 */
export class ExitWatcher {
  /** Running containers by id, with when we started watching each. */
  private readonly running = new Map<string, number>();
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private started: Promise<void> | undefined;

  constructor(
    private readonly client: CriClient,
    private readonly nodeName: string,
    private readonly pollMs: number,
    private readonly onExit: (status: CriContainerStatus) => void,
  ) {}

  /** What runs now is the baseline: containers that ended while no agent watched are read from listContainers, not reported. */
  start(): Promise<void> {
    this.started ??= this.client
      .listContainers({ labels: { [NODE]: this.nodeName } })
      .then((list) => {
        for (const c of list) if (c.state === 'CONTAINER_RUNNING') this.running.set(c.id, Date.now());
      })
      .finally(() => this.schedule());
    return this.started;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  isRunning(id: string): boolean {
    return this.running.has(id);
  }

  /** A container this agent just started: watched from now on, even if it ends before the next poll. */
  watch(id: string): void {
    this.running.set(id, Date.now());
  }

  /** Checks one container at once (after StopContainer), so onExit fires before the stop resolves. */
  async check(id: string): Promise<void> {
    if (!this.running.has(id)) return;
    const status = await this.client.containerStatus(id).catch(() => undefined);
    if (status && status.state !== 'CONTAINER_RUNNING') this.report(status);
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.poll().finally(() => this.schedule()), this.pollMs);
    this.timer.unref();
  }

  private async poll(): Promise<void> {
    if (this.running.size === 0) return;
    const asked = Date.now();
    const list = await this.client.listContainers({ labels: { [NODE]: this.nodeName } }).catch(() => undefined);
    if (!list) return; // containerd restarting: the next poll sees what happened meanwhile
    const ended = list.filter((c) => c.state !== 'CONTAINER_RUNNING' && this.running.has(c.id));
    await Promise.all(ended.map((c) => this.check(c.id)));
    // A watched container missing from the list was removed by someone (nothing left to report),
    // unless it was started after the list was asked for.
    const present = new Set(list.map((c) => c.id));
    for (const [id, since] of this.running) if (!present.has(id) && since < asked) this.running.delete(id);
  }

  private report(status: CriContainerStatus): void {
    if (this.stopped || !this.running.delete(status.id)) return; // reported once, whoever saw it first
    this.onExit(status);
  }
}
