import type { KubeObject } from '@logbook/kube';
import { ClientError, type ClusterClient, type ComponentLogger } from '@logbook/components';
import type { HollowNodeRegistry } from './node-registry';
import { withHeartbeat } from './node-status';

export interface NodeHeartbeatsOptions {
  readonly client: ClusterClient;
  readonly nodes: HollowNodeRegistry;
  readonly intervalMs: number;
  readonly now: () => Date;
  readonly log: ComponentLogger;
  /** The freshest copy a cache holds (e.g. the ControllerHost's), if any. */
  readonly read?: (name: string) => KubeObject | undefined;
}

/**
 * Renews each node's Ready condition every interval through /status, with the node's
 * resourceVersion as precondition. Nodes beat on staggered timers so a thousand of them do not
 * write in one burst. A paused node stays silent, which is how tests play a dead node.
 */
export class NodeHeartbeats {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly inFlight = new Map<string, Promise<void>>();
  /** What this agent last wrote or registered, in case the cache has not caught up yet. */
  private readonly written = new Map<string, KubeObject>();
  private stopped = false;

  constructor(private readonly o: NodeHeartbeatsOptions) {}

  /** Records a node's state as registration (or a beat) left it. */
  remember(node: KubeObject): void {
    const known = this.written.get(node.metadata.name!);
    if (!known || rv(node) >= rv(known)) this.written.set(node.metadata.name!, node);
  }

  start(): void {
    const names = this.o.nodes.names;
    names.forEach((name, i) => {
      if (!this.o.nodes.require(name).paused) this.schedule(name, Math.floor((this.o.intervalMs * i) / names.length));
    });
  }

  pause(name: string): void {
    this.o.nodes.require(name).paused = true;
    clearTimeout(this.timers.get(name));
    this.timers.delete(name);
  }

  /** Resumes a node's heartbeats, beating at once. */
  resume(name: string): void {
    this.o.nodes.require(name).paused = false;
    if (!this.stopped && !this.timers.has(name)) this.schedule(name, 0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    await Promise.allSettled(this.inFlight.values());
  }

  /** One heartbeat of one node; on a conflict, once more from the newest copy. */
  async beat(name: string): Promise<void> {
    const current = this.newest(name);
    if (!current) return;
    const next = withHeartbeat(current, this.o.now());
    // Condition times have second precision: a beat within the same second as the last one
    // would change nothing, so it is not sent (intervals under a second would mostly be no-ops).
    if (JSON.stringify(next.status) === JSON.stringify(current.status)) return;
    try {
      this.remember(await this.o.client.updateStatus(next, {}));
    } catch (err) {
      if (!(err instanceof ClientError && err.isConflict)) {
        this.o.log.warn({ node: name, err: (err as Error).message }, 'heartbeat failed');
        return;
      }
      try {
        const fresher = await this.fresher(name, current);
        this.remember(await this.o.client.updateStatus(withHeartbeat(fresher, this.o.now()), {}));
      } catch (again) {
        this.o.log.debug({ node: name, err: (again as Error).message }, 'heartbeat conflicted twice; next interval tries again');
      }
    }
  }

  private schedule(name: string, delayMs: number): void {
    const timer = setTimeout(() => {
      this.timers.delete(name);
      const run = this.beat(name).finally(() => {
        this.inFlight.delete(name);
        if (!this.stopped && !this.o.nodes.require(name).paused && !this.timers.has(name)) this.schedule(name, this.o.intervalMs);
      });
      this.inFlight.set(name, run);
    }, delayMs);
    timer.unref();
    this.timers.set(name, timer);
  }

  private newest(name: string): KubeObject | undefined {
    const cached = this.o.read?.(name);
    const written = this.written.get(name);
    if (!cached) return written;
    if (!written) return cached;
    return rv(cached) >= rv(written) ? cached : written;
  }

  /** A copy newer than `stale`: from the cache when it caught up, else from the API's list. */
  private async fresher(name: string, stale: KubeObject): Promise<KubeObject> {
    const cached = this.newest(name);
    if (cached && rv(cached) > rv(stale)) return cached;
    const { items } = await this.o.client.listAll(['Node']);
    return items.find((n) => n.metadata.name === name) ?? stale;
  }
}

/** resourceVersion is the global log position (DESIGN §1), so copies compare numerically. */
function rv(obj: KubeObject): number {
  return Number(obj.metadata.resourceVersion ?? 0);
}
