import type { KubeObject } from '@logbook/kube';
import type { StoredEvent } from '@logbook/events';
import type { EventStore, SnapshotStore, Subscription } from '@logbook/eventstore';
import { foldFromStore } from './fold';
import { viewEntriesInChunks } from './snapshot-format';
import { ClusterState, type ObjectChange } from './state';

export interface ProjectorOptions {
  /** Save a snapshot after this many events past the last one. Default 10,000. */
  readonly snapshotEvery?: number;
  /** Where listener and snapshot failures go; they never stop the projection. Default: console.error. */
  readonly onError?: (error: unknown, context: string) => void;
}

export type AppliedListener = (event: StoredEvent, change: { before?: KubeObject; after?: KubeObject }) => void;

export class ProjectionTimeout extends Error {
  readonly code = 'ProjectionTimeout';
  constructor(
    readonly position: number,
    readonly reached: number,
    timeoutMs: number,
  ) {
    super(`projection did not reach position ${position} within ${timeoutMs} ms (at ${reached})`);
    this.name = 'ProjectionTimeout';
  }
}

export class ProjectorStopped extends Error {
  readonly code = 'ProjectorStopped';
  constructor() {
    super('the projector is stopped');
    this.name = 'ProjectorStopped';
  }
}

interface Waiter {
  readonly position: number;
  resolve(): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

const DEFAULT_WAIT_MS = 30_000;

/**
 * Keeps one ClusterState current with the log: newest snapshot, then the tail, then live
 * events from subscribeAll. Listeners see every applied event in log order, synchronously
 * after the state changed, so a listener reading `state` sees the event's effect.
 */
export class Projector {
  /** The one state instance for the projector's lifetime (start() loads the snapshot into it). */
  readonly state = new ClusterState();
  private readonly snapshotEvery: number;
  private readonly onError: (error: unknown, context: string) => void;
  private readonly listeners = new Set<AppliedListener>();
  private waiters: Waiter[] = [];
  private subscription?: Subscription;
  private starting?: Promise<void>;
  private snapshotting?: Promise<void>;
  private lastSnapshotPosition = 0;
  private stopped = false;

  constructor(
    private readonly store: EventStore,
    private readonly snapshots: SnapshotStore | undefined,
    opts: ProjectorOptions = {},
  ) {
    this.snapshotEvery = opts.snapshotEvery ?? 10_000;
    this.onError = opts.onError ?? ((error, context) => console.error(`projector: ${context}:`, error));
  }

  /** Resolves once the state has caught up with the log's head as of the call; live after that. */
  start(): Promise<void> {
    this.starting ??= this.run();
    return this.starting;
  }

  private async run(): Promise<void> {
    const at = await this.snapshots?.latestSnapshotPosition();
    if (this.snapshots && at !== undefined) {
      try {
        this.state.loadEntries(at, await this.snapshots.readSnapshot(at));
        this.lastSnapshotPosition = at;
        this.settleWaiters();
      } catch (error) {
        // A snapshot is only a cache of the log: when it cannot be read (a format from a newer
        // version, corruption), the log still can, so fold from the start instead of failing.
        this.onError(error, `snapshot at position ${at} is unreadable; replaying the whole log`);
      }
    }
    // Catch up in large readAll pages (much faster than per-event subscription delivery),
    // then subscribe from wherever that left us: the subscription reads from the store after
    // our position, so nothing appended meanwhile is missed or applied twice.
    await foldFromStore(this.state, this.store, {
      each: (event, change) => this.afterApply(event, change),
      shouldStop: () => this.stopped,
    });
    if (this.stopped) return;
    this.subscription = this.store.subscribeAll(this.state.position, (event) => {
      if (event.position <= this.state.position) return;
      this.afterApply(event, this.state.apply(event));
    });
  }

  /** Read-your-writes: resolves once the state includes `position`. */
  waitFor(position: number, timeoutMs = DEFAULT_WAIT_MS): Promise<void> {
    if (this.state.position >= position) return Promise.resolve();
    if (this.stopped) return Promise.reject(new ProjectorStopped());
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        position,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters = this.waiters.filter((w) => w !== waiter);
          reject(new ProjectionTimeout(position, this.state.position, timeoutMs));
        }, timeoutMs),
      };
      this.waiters.push(waiter);
    });
  }

  onApplied(listener: AppliedListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Stops following the log and waits for a snapshot in flight; pending waitFor calls reject. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.starting?.catch(() => undefined);
    await this.subscription?.close();
    await this.snapshotting;
    for (const waiter of this.waiters) {
      clearTimeout(waiter.timer);
      waiter.reject(new ProjectorStopped());
    }
    this.waiters = [];
  }

  private afterApply(event: StoredEvent, change: ObjectChange): void {
    for (const listener of this.listeners) {
      try {
        listener(event, change);
      } catch (error) {
        this.onError(error, `onApplied listener failed at position ${event.position}`);
      }
    }
    this.settleWaiters();
    this.maybeSnapshot();
  }

  private settleWaiters(): void {
    if (this.waiters.length === 0) return;
    const position = this.state.position;
    const pending: Waiter[] = [];
    for (const waiter of this.waiters) {
      if (waiter.position <= position) {
        clearTimeout(waiter.timer);
        waiter.resolve();
      } else pending.push(waiter);
    }
    this.waiters = pending;
  }

  /**
   * Snapshots run beside the fold, never two at once: the view is taken synchronously at the
   * current position (pointer copies only; objects are immutable), then serialised in chunks
   * and saved while events keep being applied.
   */
  private maybeSnapshot(): void {
    if (!this.snapshots || this.snapshotting || this.stopped) return;
    if (this.state.position - this.lastSnapshotPosition < this.snapshotEvery) return;
    const view = this.state.view();
    const snapshots = this.snapshots;
    this.lastSnapshotPosition = view.position;
    this.snapshotting = (async () => {
      const entries = await viewEntriesInChunks(view);
      await snapshots.saveSnapshot(view.position, entries);
    })()
      .catch((error) => this.onError(error, `snapshot at position ${view.position} failed`))
      .finally(() => {
        this.snapshotting = undefined;
      });
  }

  /** Settles when the snapshot being written (if any) is saved; for tests and orderly shutdown. */
  async snapshotIdle(): Promise<void> {
    while (this.snapshotting) await this.snapshotting;
  }
}
