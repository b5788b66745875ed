/**
 * A keyed work queue (client-go's workqueue): a key is queued at most once, a key being
 * processed that is added again runs once more afterwards, failures come back with
 * exponential back-off. Keys are `namespace/name` or `name`.
 */
export class WorkQueue {
  private readonly queued = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly timers = new Map<string, { timer: NodeJS.Timeout; dueAt: number }>();
  /** Keys resting after a run (see done); adds meanwhile are deferred until the rest ends. */
  private readonly cooling = new Map<string, NodeJS.Timeout>();
  private readonly deferred = new Set<string>();
  private readonly order: string[] = [];
  /** Workers blocked in next(); each add wakes one, close wakes all. */
  private readonly waiters: (() => void)[] = [];
  private closed = false;

  constructor(
    private readonly baseDelayMs = 50,
    private readonly maxDelayMs = 30_000,
  ) {}

  add(key: string): void {
    if (this.closed) return;
    if (this.cooling.has(key)) {
      this.deferred.add(key);
      return;
    }
    if (this.processing.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    this.queued.add(key);
    this.order.push(key);
    this.waiters.shift()?.();
  }

  /** Adds the key again after the back-off its failure count earns. */
  addRateLimited(key: string): void {
    const n = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, n);
    this.addAfter(key, Math.min(this.baseDelayMs * 2 ** (n - 1), this.maxDelayMs));
  }

  /**
   * Adds the key after `delayMs`. A key already waiting keeps the earlier of the two times, as
   * client-go's delaying queue does: a pod's 10 s volume resync must not hold back its 300 ms
   * restart back-off.
   */
  addAfter(key: string, delayMs: number): void {
    if (this.closed) return;
    const dueAt = Date.now() + delayMs;
    const waiting = this.timers.get(key);
    if (waiting) {
      if (waiting.dueAt <= dueAt) return;
      clearTimeout(waiting.timer);
    }
    const timer = setTimeout(() => {
      this.timers.delete(key);
      this.add(key);
    }, delayMs);
    timer.unref();
    this.timers.set(key, { timer, dueAt });
  }

  /** Forgets a key's failures after it succeeded. */
  forget(key: string): void {
    this.failures.delete(key);
  }

  /** The next key, or undefined once the queue is closed. */
  async next(): Promise<string | undefined> {
    while (this.order.length === 0) {
      if (this.closed) return undefined;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    const key = this.order.shift()!;
    this.queued.delete(key);
    this.processing.add(key);
    return key;
  }

  /**
   * Marks a run finished. With `restMs` ≥ 1 the key runs again no sooner than that: a key whose
   * changes keep coming (a Deployment of thousands of pods) is reconciled once per rest with
   * everything that arrived meanwhile, instead of once per change.
   */
  done(key: string, restMs = 0): void {
    this.processing.delete(key);
    if (restMs >= 1 && !this.closed) {
      const timer = setTimeout(() => {
        this.cooling.delete(key);
        if (this.deferred.delete(key)) this.add(key);
      }, restMs);
      timer.unref();
      this.cooling.set(key, timer);
      if (this.dirty.delete(key)) this.deferred.add(key);
      return;
    }
    if (this.dirty.delete(key)) this.add(key);
  }

  get length(): number {
    return this.order.length;
  }

  /** Whether nothing is queued, running or waiting for a retry. */
  get idle(): boolean {
    return this.order.length === 0 && this.processing.size === 0 && this.timers.size === 0 && this.deferred.size === 0;
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers.values()) clearTimeout(t.timer);
    this.timers.clear();
    for (const t of this.cooling.values()) clearTimeout(t);
    this.cooling.clear();
    this.deferred.clear();
    for (const wake of this.waiters.splice(0)) wake();
  }
}
