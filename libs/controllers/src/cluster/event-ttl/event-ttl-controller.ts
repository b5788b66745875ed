import { type CachedChange, ClientError, type Controller, type ReconcileContext, type ReconcileResult, keyOf, splitKey } from '@logbook/components';
import type { KubeObject } from '@logbook/kube';

/** kube-apiserver's `--event-ttl` default. */
export const DEFAULT_EVENT_TTL_MS = 3_600_000;

const MAX_WAIT_MS = 86_400_000;

export interface EventTtlControllerOptions {
  /** How long after its last occurrence (`lastTimestamp`) an Event is deleted. Default 1 h. */
  readonly ttlMs?: number;
}

/**
 * Deletes Kubernetes Events whose last occurrence is older than the TTL, as kube-apiserver's
 * `--event-ttl` expires them in etcd. The log keeps them (history is the point of the log;
 * `logbook history` and `get --at` still show an expired Event); the live state, `kubectl get
 * events` and `describe` only show recent ones. Each Event is looked at when it is written and
 * asks to be called again when it expires; only this controller watches Events for their own sake.
 */
export class EventTtlController implements Controller {
  readonly name = 'event-ttl-controller';
  readonly primaryKind = 'Event';
  readonly watches = ['Event'] as const;
  private readonly ttlMs: number;

  constructor(options: EventTtlControllerOptions = {}) {
    this.ttlMs = options.ttlMs ?? DEFAULT_EVENT_TTL_MS;
  }

  keysFor(change: CachedChange): string[] {
    return change.after ? [keyOf(change.after)] : [];
  }

  async reconcile(key: string, ctx: ReconcileContext): Promise<ReconcileResult> {
    const { namespace, name } = splitKey(key);
    const event = ctx.cache.get('Event', namespace, name);
    if (!event) return;
    const expiresMs = lastSeenMs(event) + this.ttlMs;
    const left = expiresMs - ctx.now().getTime();
    // Capped: Node.js timers cannot wait longer than ~24.8 days (a long TTL just looks again).
    if (left > 0) return { requeueAfterMs: Math.min(left, MAX_WAIT_MS) };
    try {
      // The resourceVersion precondition: a repeat counted up meanwhile keeps the Event alive.
      await ctx.client.delete('Event', namespace, name, { ...ctx.cause, preconditions: { uid: event.metadata.uid, resourceVersion: event.metadata.resourceVersion } });
    } catch (err) {
      // Gone already, or counted up since the cache saw it (its change queues it again).
      if (err instanceof ClientError && (err.isNotFound || err.isConflict)) return;
      throw err;
    }
  }
}

/** When the Event last happened: lastTimestamp, else eventTime (events.k8s.io writers), else its creation. */
export function lastSeenMs(event: KubeObject): number {
  for (const t of [event.lastTimestamp, event.eventTime, event.metadata.creationTimestamp]) {
    const ms = typeof t === 'string' ? Date.parse(t) : NaN;
    if (!Number.isNaN(ms)) return ms;
  }
  return 0;
}

const DURATION = /^((\d+(\.\d+)?)(ms|s|m|h))+$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Milliseconds of an event TTL written as kube-apiserver's `--event-ttl` is: a Go duration (`1h`, `30m`, `1h30m`, `90s`). */
export function parseEventTtl(text: string, what = '--event-ttl'): number {
  const t = text.trim();
  let ms = 0;
  if (DURATION.test(t)) for (const m of t.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) ms += Number(m[1]) * UNIT_MS[m[2]];
  if (!(ms > 0)) throw new Error(`${what} must be a positive duration such as 1h, 30m, 1h30m or 90s, not "${text}"`);
  return ms;
}
