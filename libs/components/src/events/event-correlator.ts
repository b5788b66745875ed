import type { KubeObject } from '@logbook/kube';
import type { EventType, ObjectReference } from './event-recorder';
import { Lru } from './lru';

/** Who reports an Event: `source.component` (e.g. `default-scheduler`, `kubelet`) and, for node components, the node. */
export interface EventSource {
  readonly component: string;
  readonly host?: string;
}

/** One occurrence a recorder was asked to record. */
export interface Occurrence {
  readonly involvedObject: ObjectReference;
  readonly type: EventType;
  readonly reason: string;
  readonly message: string;
  readonly source: EventSource;
  /** The name a new Event gets (`<object>.<hex>`); the recorder makes it so the correlator stays pure. */
  readonly name: string;
}

/** What to write for an occurrence: a new Event, the existing one counted up, or nothing (rate-limited). */
export type Correlation = { readonly action: 'create' | 'update'; readonly event: KubeObject } | { readonly action: 'skip' };

export interface CorrelatorOptions {
  /** Distinct messages of one (source, object, type, reason) within the window before they are combined into one Event. Default 10. */
  readonly maxSimilar?: number;
  /** A repeat counts on the existing Event when it comes within this long of the previous occurrence. Default 10 min. */
  readonly windowMs?: number;
  /** Events one source may write about one object and reason in a burst. Default 25. */
  readonly burst?: number;
  /** After the burst, one more per this interval. Default 5 min. */
  readonly refillMs?: number;
  /** Entries kept per cache (least recently used go first). Default 4096. */
  readonly cacheSize?: number;
}

export const COMBINED_PREFIX = '(combined from similar events): ';

interface Similar {
  readonly messages: Set<string>;
  lastMs: number;
}

interface Observation {
  readonly event: KubeObject;
  readonly lastMs: number;
}

interface Bucket {
  tokens: number;
  lastMs: number;
}

/**
 * client-go's EventCorrelator, pure (the time comes in; no I/O):
 * 1. aggregation — more than `maxSimilar` different messages for one (source, object, type,
 *    reason) within the window become one Event, `(combined from similar events): <latest>`;
 * 2. deduplication — a repeat of the same (source, object, type, reason, message) within the
 *    window of the previous one counts up `count` and `lastTimestamp` on the existing Event;
 * 3. spam filter — a token bucket per (source, object, type, reason): `burst` writes, then one per
 *    `refillMs`; what it holds back is skipped (the count still grows, so the next write is right).
 */
export class EventCorrelator {
  private readonly maxSimilar: number;
  private readonly windowMs: number;
  private readonly burst: number;
  private readonly refillMs: number;
  private readonly similar: Lru<Similar>;
  private readonly observations: Lru<Observation>;
  private readonly buckets: Lru<Bucket>;

  constructor(o: CorrelatorOptions = {}) {
    this.maxSimilar = o.maxSimilar ?? 10;
    this.windowMs = o.windowMs ?? 600_000;
    this.burst = o.burst ?? 25;
    this.refillMs = o.refillMs ?? 300_000;
    const size = o.cacheSize ?? 4096;
    this.similar = new Lru(size);
    this.observations = new Lru(size);
    this.buckets = new Lru(size);
  }

  correlate(o: Occurrence, nowMs: number): Correlation {
    const objectKey = keyOf(o);
    const { key, message } = this.aggregate(objectKey, o, nowMs);
    const event = this.observe(key, o, message, nowMs);
    if (!this.allow(objectKey, nowMs)) return { action: 'skip' };
    return { action: event.count > 1 ? 'update' : 'create', event };
  }

  private aggregate(objectKey: string, o: Occurrence, nowMs: number): { key: string; message: string } {
    let record = this.similar.get(objectKey);
    if (!record || nowMs - record.lastMs > this.windowMs) record = { messages: new Set(), lastMs: nowMs };
    record.messages.add(o.message);
    record.lastMs = nowMs;
    this.similar.set(objectKey, record);
    if (record.messages.size < this.maxSimilar) return { key: `${objectKey}\0${o.involvedObject.fieldPath ?? ''}\0${o.message}`, message: o.message };
    // Keep the set at its threshold: every further distinct message stays combined.
    record.messages.delete(record.messages.values().next().value!);
    return { key: `${objectKey}\0combined`, message: COMBINED_PREFIX + o.message };
  }

  private observe(key: string, o: Occurrence, message: string, nowMs: number): KubeObject {
    const last = this.observations.get(key);
    const now = kubeTime(nowMs);
    const event =
      last && nowMs - last.lastMs <= this.windowMs
        ? { ...last.event, message, count: (last.event.count ?? 1) + 1, lastTimestamp: now }
        : newEvent(o, message, now);
    this.observations.set(key, { event, lastMs: nowMs });
    return event;
  }

  private allow(key: string, nowMs: number): boolean {
    const bucket = this.buckets.get(key) ?? { tokens: this.burst, lastMs: nowMs };
    bucket.tokens = Math.min(this.burst, bucket.tokens + (nowMs - bucket.lastMs) / this.refillMs);
    bucket.lastMs = nowMs;
    this.buckets.set(key, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }
}

/** The core/v1 Event for a first occurrence (client-go's makeEvent). */
function newEvent(o: Occurrence, message: string, now: string): KubeObject {
  const { involvedObject: ref, source } = o;
  return {
    apiVersion: 'v1',
    kind: 'Event',
    // Events about cluster-scoped objects (Nodes) live in `default`, as in Kubernetes.
    metadata: { name: o.name, namespace: ref.namespace || 'default' },
    involvedObject: { ...ref },
    reason: o.reason,
    message,
    source: source.host ? { component: source.component, host: source.host } : { component: source.component },
    firstTimestamp: now,
    lastTimestamp: now,
    count: 1,
    type: o.type,
    reportingComponent: source.component,
    reportingInstance: source.host ?? '',
  };
}

function keyOf(o: Occurrence): string {
  const r = o.involvedObject;
  return [o.source.component, o.source.host ?? '', r.kind, r.namespace ?? '', r.name, r.uid ?? '', r.apiVersion ?? '', o.type, o.reason].join('\0');
}

/** metav1.Time: whole seconds. */
export function kubeTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
}
