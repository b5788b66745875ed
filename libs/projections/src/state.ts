import { createHash } from 'node:crypto';
import { type KubeObject, resourceByKind, streamName } from '@logbook/kube';
import type { StoredEvent } from '@logbook/events';
import { canonicalJson } from './canonical-json';
import { evolveObject } from './evolve';
import { PatchConflict } from './immutable-patch';
import { KindIndex } from './kind-index';
import type { SnapshotEntry } from '@logbook/eventstore';
import { type StateView, parseEntries, parseSnapshot, serializeView, viewEntries } from './snapshot-format';

export interface ObjectChange {
  readonly before?: KubeObject;
  readonly after?: KubeObject;
}

export interface ListOptions {
  readonly namespace?: string;
  readonly labels?: (labels: Record<string, string>) => boolean;
  readonly nodeName?: string;
}

/** An event whose patch did not apply; it is skipped (position still advances) so one bad event cannot wedge the projection. */
export interface SkippedEvent {
  readonly position: number;
  readonly stream: string;
  readonly reason: string;
}

const NO_LABELS: Record<string, string> = Object.freeze({}) as Record<string, string>;
const MAX_SKIPPED = 100;

/**
 * The cluster as of one log position: every live object, keyed by its stream, plus indexes by
 * kind+namespace and (for Pods) by node. Objects are stored once and never mutated — apply()
 * replaces them — so what get/list return stays valid as a snapshot of that moment; callers
 * must not mutate it.
 */
export class ClusterState {
  /** The last applied log position; 0 for an empty state. */
  position = 0;
  /** The most recent events skipped because their patch conflicted (not part of the hash). */
  readonly skipped: SkippedEvent[] = [];
  private readonly objects = new Map<string, KubeObject>();
  private readonly index = new KindIndex();

  /**
   * Folds one event in. Idempotent by position: an event at or before `position` is ignored
   * and yields `{}`. Otherwise the result is the stream's object before and after the event
   * (equal when the event changed nothing, both absent when the object does not exist).
   */
  apply(event: StoredEvent): ObjectChange {
    if (event.position <= this.position) return {};
    const before = this.objects.get(event.stream);
    let after: KubeObject | undefined;
    try {
      after = evolveObject(before, event);
    } catch (error) {
      if (!(error instanceof PatchConflict)) throw error;
      this.recordSkip(event, error.message);
      after = before;
    }
    this.position = event.position;
    if (after === before) return { before, after };
    const stream = event.stream;
    if (after === undefined) {
      this.objects.delete(stream);
      this.index.remove(stream, nodeNameOf(before));
    } else if (before === undefined) {
      this.objects.set(stream, after);
      this.index.add(stream, nodeNameOf(after));
    } else {
      this.objects.set(stream, after);
      const from = nodeNameOf(before);
      const to = nodeNameOf(after);
      if (from !== to && stream.startsWith('Pod/')) this.index.moveNode(stream, from, to);
    }
    return { before, after };
  }

  get(kind: string, namespace: string | undefined, name: string): KubeObject | undefined {
    // A cluster-scoped kind has no namespace in its stream, whatever the caller passed.
    const ns = resourceByKind(kind)?.namespaced === false ? undefined : namespace;
    return this.objects.get(streamName(kind, ns, name));
  }

  getByStream(stream: string): KubeObject | undefined {
    return this.objects.get(stream);
  }

  /** Objects of a kind sorted by namespace then name (code-point order, like etcd keys). */
  list(kind: string, opts: ListOptions = {}): KubeObject[] {
    const { namespace, labels, nodeName } = opts;
    let out: KubeObject[];
    if (nodeName !== undefined && kind === 'Pod') {
      out = [];
      for (const stream of this.index.podsOn(nodeName)) {
        const obj = this.objects.get(stream)!;
        if (namespace === undefined || obj.metadata.namespace === namespace) out.push(obj);
      }
      out.sort(byNamespaceThenName);
    } else {
      out = this.index.streams(kind, namespace).map((s) => this.objects.get(s)!);
      if (nodeName !== undefined) out = out.filter((o) => nodeNameOf(o) === nodeName);
    }
    return labels ? out.filter((o) => labels(o.metadata.labels ?? NO_LABELS)) : out;
  }

  count(kind?: string): number {
    return kind === undefined ? this.objects.size : this.index.count(kind);
  }

  /** SHA-256 (hex) over every object in canonical JSON, in stream order, then the position. */
  stateHash(): string {
    const hash = createHash('sha256');
    for (const stream of [...this.objects.keys()].sort()) {
      hash.update(stream);
      hash.update('\n');
      hash.update(canonicalJson(this.objects.get(stream)));
      hash.update('\n');
    }
    hash.update(`position:${this.position}`);
    return hash.digest('hex');
  }

  /**
   * A consistent view for serialising later: O(objects) pointer copies, no object copies, valid
   * forever because objects are never mutated. Lets the Projector snapshot without blocking.
   */
  view(): StateView {
    return { position: this.position, entries: [...this.objects.entries()] };
  }

  serialize(): string {
    return serializeView(this.view());
  }

  /** The state as snapshot entries, in one go (the Projector builds them in chunks instead). */
  snapshotEntries(): SnapshotEntry[] {
    return viewEntries(this.view());
  }

  static restore(serialized: string): ClusterState {
    const state = new ClusterState();
    state.load(serialized);
    return state;
  }

  /** Loads a serialised state into this (empty) one. */
  load(serialized: string): void {
    const snapshot = parseSnapshot(serialized);
    this.loadObjects(snapshot.position, snapshot.entries);
  }

  /**
   * Loads a store's snapshot entries (all of them, or one scope's) into this (empty) state; lets
   * a Projector keep one ClusterState instance. All or nothing: a malformed entry throws
   * SnapshotFormatError before anything is loaded.
   */
  loadEntries(position: number, entries: readonly SnapshotEntry[]): void {
    this.loadObjects(position, parseEntries(entries));
  }

  /**
   * Moves the position to `position` without applying anything: for a state that holds one
   * scope of the cluster (see stateAt) and has applied every event of that scope up to it.
   */
  advanceTo(position: number): void {
    if (position > this.position) this.position = position;
  }

  private loadObjects(position: number, entries: StateView['entries']): void {
    if (this.position !== 0 || this.objects.size !== 0) throw new Error('ClusterState.load needs an empty state');
    for (const [stream, obj] of entries) {
      this.objects.set(stream, obj);
      this.index.add(stream, nodeNameOf(obj));
    }
    this.position = position;
  }

  private recordSkip(event: StoredEvent, reason: string): void {
    this.skipped.push({ position: event.position, stream: event.stream, reason });
    if (this.skipped.length > MAX_SKIPPED) this.skipped.shift();
  }
}

function nodeNameOf(obj: KubeObject | undefined): string | undefined {
  const nodeName = obj?.spec?.nodeName;
  return typeof nodeName === 'string' && nodeName !== '' ? nodeName : undefined;
}

function byNamespaceThenName(a: KubeObject, b: KubeObject): number {
  const na = a.metadata.namespace ?? '';
  const nb = b.metadata.namespace ?? '';
  if (na !== nb) return na < nb ? -1 : 1;
  const ma = a.metadata.name ?? '';
  const mb = b.metadata.name ?? '';
  return ma < mb ? -1 : ma > mb ? 1 : 0;
}
