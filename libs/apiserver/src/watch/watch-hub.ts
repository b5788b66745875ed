import type { KubeObject } from '@logbook/kube';
import type { StoredEvent } from '@logbook/events';
import type { Projector } from '@logbook/projections';
import { parseStreamName } from '@logbook/kube';

export interface Change {
  readonly position: number;
  readonly kind: string;
  readonly before?: KubeObject;
  readonly after?: KubeObject;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface WatchFilter {
  readonly kind: string;
  readonly namespace?: string;
  readonly matches: (obj: KubeObject) => boolean;
}

export type WatchListener = (type: WatchEventType, object: KubeObject, position: number) => void;

/**
 * Fans the projection's changes out to watchers. Recent changes stay in a ring buffer (the
 * watch cache) so a watch can resume from any resourceVersion still inside it; an older one
 * gets 410 Expired and the client relists, as with kube-apiserver.
 */
export class WatchHub {
  private readonly buffer: Change[] = [];
  private readonly listeners = new Set<(change: Change) => void>();
  private readonly unsubscribe: () => void;
  /** Position before the first change the buffer can replay. */
  private horizon: number;

  constructor(private readonly projector: Projector, private readonly capacity = 100_000) {
    this.horizon = projector.state.position;
    this.unsubscribe = projector.onApplied((event: StoredEvent, change) => {
      const c: Change = { position: event.position, kind: parseStreamName(event.stream).kind, before: change.before, after: change.after };
      this.buffer.push(c);
      if (this.buffer.length > this.capacity) this.horizon = this.buffer.shift()!.position;
      for (const l of this.listeners) l(c);
    });
  }

  /** Whether a watch can start after `resourceVersion` without losing changes. */
  canResumeFrom(resourceVersion: number): boolean {
    return resourceVersion >= this.horizon;
  }

  /** Replays buffered changes after `from` (when given), then follows live ones. Synchronous, so no gap. */
  watch(filter: WatchFilter, from: number | undefined, listener: WatchListener): () => void {
    const deliver = (c: Change) => {
      if (c.kind !== filter.kind) return;
      const matchBefore = c.before !== undefined && this.inScope(filter, c.before);
      const matchAfter = c.after !== undefined && this.inScope(filter, c.after);
      if (matchAfter && !matchBefore) listener('ADDED', c.after!, c.position);
      else if (matchAfter && matchBefore) listener('MODIFIED', c.after!, c.position);
      else if (matchBefore && !matchAfter) {
        const last = c.after ?? c.before!;
        listener('DELETED', { ...last, metadata: { ...last.metadata, resourceVersion: String(c.position) } }, c.position);
      }
    };
    if (from !== undefined) for (const c of this.buffer) if (c.position > from) deliver(c);
    this.listeners.add(deliver);
    return () => this.listeners.delete(deliver);
  }

  close(): void {
    this.unsubscribe();
    this.listeners.clear();
  }

  private inScope(filter: WatchFilter, obj: KubeObject): boolean {
    if (filter.namespace !== undefined && obj.metadata.namespace !== filter.namespace) return false;
    return filter.matches(obj);
  }
}
