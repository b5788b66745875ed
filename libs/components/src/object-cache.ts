import { type KubeObject, streamName } from '@logbook/kube';

export interface CachedChange {
  readonly kind: string;
  readonly before?: KubeObject;
  readonly after?: KubeObject;
}

/**
 * A component's local copy of the objects it reads, kept current from the relayed events
 * (event-carried state transfer). Idempotent by log position: a redelivered or older event
 * changes nothing, so at-least-once delivery is harmless. Objects are read-only.
 */
export class ObjectCache {
  private readonly objects = new Map<string, KubeObject>();
  private readonly positions = new Map<string, number>();
  private readonly byKind = new Map<string, Set<string>>();
  /** Events at or below this position are already in the bootstrap list. */
  private floor = 0;

  /** Loads a consistent list (from the API) taken at `position`. */
  bootstrap(items: readonly KubeObject[], position: number): void {
    for (const obj of items) this.put(streamOf(obj), obj, position);
    this.floor = Math.max(this.floor, position);
  }

  /** Applies the state an event left behind; undefined when it changed nothing new. */
  apply(stream: string, kind: string, position: number, object: KubeObject | null): CachedChange | undefined {
    if (position <= this.floor || position <= (this.positions.get(stream) ?? 0)) return undefined;
    const before = this.objects.get(stream);
    if (object) this.put(stream, object, position);
    else {
      this.objects.delete(stream);
      this.positions.set(stream, position);
      this.byKind.get(kind)?.delete(stream);
    }
    return { kind, before, after: object ?? undefined };
  }

  get(kind: string, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.objects.get(streamName(kind, namespace, name)) ?? this.objects.get(streamName(kind, undefined, name));
  }

  list(kind: string, namespace?: string): KubeObject[] {
    const out: KubeObject[] = [];
    for (const stream of this.byKind.get(kind) ?? []) {
      const obj = this.objects.get(stream)!;
      if (namespace === undefined || obj.metadata.namespace === namespace) out.push(obj);
    }
    return out;
  }

  /** Objects of `kind` whose controller owner has this uid. */
  ownedBy(kind: string, namespace: string | undefined, ownerUid: string): KubeObject[] {
    return this.list(kind, namespace).filter((o) => o.metadata.ownerReferences?.some((r) => r.uid === ownerUid));
  }

  private put(stream: string, obj: KubeObject, position: number): void {
    this.objects.set(stream, obj);
    this.positions.set(stream, position);
    let set = this.byKind.get(obj.kind);
    if (!set) this.byKind.set(obj.kind, (set = new Set()));
    set.add(stream);
  }
}

export function streamOf(obj: KubeObject): string {
  return streamName(obj.kind, obj.metadata.namespace || undefined, obj.metadata.name!);
}
