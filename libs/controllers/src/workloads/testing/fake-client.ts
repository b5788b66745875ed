import { ClientError, type Cause, type ClusterClient, type DeleteOptions } from '@logbook/components';
import { type KubeObject, applyDefaults, streamName } from '@logbook/kube';

export type Write =
  | { verb: 'create'; kind: string; name: string; obj: KubeObject }
  | { verb: 'update'; kind: string; name: string; obj: KubeObject }
  | { verb: 'updateStatus'; kind: string; name: string; obj: KubeObject }
  | { verb: 'delete'; kind: string; name: string };

/**
 * A recording ClusterClient over an in-memory store with the API server's write rules that
 * controllers rely on: resourceVersion preconditions (409), generation bumps on spec changes,
 * status only through updateStatus, defaults and generateName on create. `onChange` lets a
 * harness feed the results back into an ObjectCache.
 */
export class FakeClusterClient implements ClusterClient {
  readonly writes: Write[] = [];
  readonly causes: Cause[] = [];
  private readonly store = new Map<string, KubeObject>();
  private rv = 100;
  private seq = 0;
  private uids = 0;
  onChange?: (kind: string, stream: string, obj: KubeObject | null) => void;
  /** Makes the next matching call fail once. */
  failNext?: { verb: Write['verb']; kind: string; error: Error };

  constructor(
    private readonly now: () => Date = () => new Date('2024-01-01T00:00:00Z'),
    seed: readonly KubeObject[] = [],
  ) {
    for (const o of seed) this.store.set(key(o), structuredClone(o));
  }

  get(kind: string, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.store.get(streamName(kind, namespace, name));
  }

  list(kind: string): KubeObject[] {
    return [...this.store.values()].filter((o) => o.kind === kind);
  }

  /** What a kubelet would write: bypasses the recording. */
  put(obj: KubeObject): KubeObject {
    const next = { ...structuredClone(obj), metadata: { ...structuredClone(obj.metadata), resourceVersion: String(++this.rv) } };
    this.store.set(key(next), next);
    this.onChange?.(next.kind, key(next), next);
    return next;
  }

  async create(obj: KubeObject, cause: Cause): Promise<KubeObject> {
    this.maybeFail('create', obj.kind);
    const o = structuredClone(obj);
    o.metadata.name ??= `${o.metadata.generateName ?? ''}${(++this.seq).toString(36).padStart(5, 'x')}`;
    if (this.store.has(key(o))) throw new ClientError(409, 'AlreadyExists', `${o.kind} "${o.metadata.name}" already exists`);
    // Unique per create, as the API server's: a pod re-created under its name (StatefulSets) is another object.
    o.metadata.uid = `uid-${o.metadata.name}-${++this.uids}`;
    o.metadata.creationTimestamp = this.now().toISOString().replace(/\.\d+Z$/, 'Z');
    o.metadata.generation = 1;
    const created = applyDefaults(o);
    if (created.kind === 'Pod') created.status = { phase: 'Pending', ...(created.status ?? {}) };
    this.record({ verb: 'create', kind: o.kind, name: o.metadata.name!, obj: created }, cause);
    return this.put(created);
  }

  async update(obj: KubeObject, cause: Cause): Promise<KubeObject> {
    this.maybeFail('update', obj.kind);
    const current = this.current(obj);
    const next = applyDefaults({ ...structuredClone(obj), status: current.status });
    next.metadata.generation = JSON.stringify(next.spec) !== JSON.stringify(current.spec) ? (current.metadata.generation ?? 0) + 1 : current.metadata.generation;
    this.record({ verb: 'update', kind: obj.kind, name: obj.metadata.name!, obj: next }, cause);
    return this.put(next);
  }

  async updateStatus(obj: KubeObject, cause: Cause): Promise<KubeObject> {
    this.maybeFail('updateStatus', obj.kind);
    const current = this.current(obj);
    const next = { ...structuredClone(current), status: structuredClone(obj.status) };
    this.record({ verb: 'updateStatus', kind: obj.kind, name: obj.metadata.name!, obj: next }, cause);
    return this.put(next);
  }

  async delete(kind: string, namespace: string | undefined, name: string, options: DeleteOptions): Promise<void> {
    this.maybeFail('delete', kind);
    const k = streamName(kind, namespace, name);
    const current = this.store.get(k);
    if (!current) throw new ClientError(404, 'NotFound', `${kind} "${name}" not found`);
    if (options.preconditions?.uid && options.preconditions.uid !== current.metadata.uid) throw new ClientError(409, 'Conflict', 'uid precondition');
    this.record({ verb: 'delete', kind, name }, options);
    this.store.delete(k);
    this.onChange?.(kind, k, null);
  }

  async bind(): Promise<void> {
    throw new Error('not used by workload controllers');
  }

  async listAll(kinds: readonly string[]): Promise<{ items: KubeObject[]; position: number }> {
    return { items: [...this.store.values()].filter((o) => kinds.includes(o.kind)), position: this.rv };
  }

  /** The writes of one verb and kind, for assertions. */
  of(verb: Write['verb'], kind: string): Write[] {
    return this.writes.filter((w) => w.verb === verb && w.kind === kind);
  }

  clear(): void {
    this.writes.length = 0;
  }

  private current(obj: KubeObject): KubeObject {
    const current = this.store.get(key(obj));
    if (!current) throw new ClientError(404, 'NotFound', `${obj.kind} "${obj.metadata.name}" not found`);
    if (obj.metadata.resourceVersion && obj.metadata.resourceVersion !== current.metadata.resourceVersion) {
      throw new ClientError(409, 'Conflict', `the object has been modified; please apply your changes to the latest version`);
    }
    return current;
  }

  private record(w: Write, cause: Cause): void {
    this.writes.push(w);
    this.causes.push({ causationId: cause.causationId, correlationId: cause.correlationId });
  }

  private maybeFail(verb: Write['verb'], kind: string): void {
    if (this.failNext && this.failNext.verb === verb && this.failNext.kind === kind) {
      const { error } = this.failNext;
      this.failNext = undefined;
      throw error;
    }
  }
}

function key(o: KubeObject): string {
  return streamName(o.kind, o.metadata.namespace || undefined, o.metadata.name!);
}
