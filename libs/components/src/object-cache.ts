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
  /** `kind\0namespace` → streams: namespaced lists without a scan of the whole kind. */
  private readonly byNamespace = new Map<string, Set<string>>();
  /** Owner uid → streams of objects with an ownerReference to it (any kind). */
  private readonly byOwner = new Map<string, Set<string>>();
  /** Controller owner uid → streams of the objects it controls (a ReplicaSet's thousands of pods). */
  private readonly byController = new Map<string, Set<string>>();
  /** `kind\0namespace` → streams of objects without a controller owner (adoption candidates). */
  private readonly uncontrolledIndex = new Map<string, Set<string>>();
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
      if (before) this.unindex(stream, before);
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
    const streams = namespace === undefined ? this.byKind.get(kind) : this.byNamespace.get(nsKey(kind, namespace));
    return this.resolve(streams);
  }

  /** Objects of `kind` with an ownerReference (controller or not) to this uid. */
  ownedBy(kind: string, namespace: string | undefined, ownerUid: string): KubeObject[] {
    return this.resolve(this.byOwner.get(ownerUid)).filter((o) => o.kind === kind && (namespace === undefined || o.metadata.namespace === namespace));
  }

  /** Objects of `kind` whose controller owner (the ownerReference with `controller: true`) has this uid. */
  controlledBy(kind: string, ownerUid: string): KubeObject[] {
    const out: KubeObject[] = [];
    for (const stream of this.byController.get(ownerUid) ?? []) {
      const obj = this.objects.get(stream)!;
      if (obj.kind === kind) out.push(obj);
    }
    return out;
  }

  /** Objects of `kind` in the namespace without a controller owner: what a controller may adopt. */
  uncontrolled(kind: string, namespace: string | undefined): KubeObject[] {
    return this.resolve(this.uncontrolledIndex.get(nsKey(kind, namespace)));
  }

  private resolve(streams: Iterable<string> | undefined): KubeObject[] {
    const out: KubeObject[] = [];
    if (streams) for (const stream of streams) out.push(this.objects.get(stream)!);
    return out;
  }

  private put(stream: string, obj: KubeObject, position: number): void {
    const before = this.objects.get(stream);
    if (before) this.unindex(stream, before);
    this.objects.set(stream, obj);
    this.positions.set(stream, position);
    addTo(this.byKind, obj.kind, stream);
    addTo(this.byNamespace, nsKey(obj.kind, obj.metadata.namespace), stream);
    for (const ref of obj.metadata.ownerReferences ?? []) addTo(this.byOwner, ref.uid, stream);
    const controller = controllerUidOf(obj);
    if (controller === undefined) addTo(this.uncontrolledIndex, nsKey(obj.kind, obj.metadata.namespace), stream);
    else addTo(this.byController, controller, stream);
  }

  /** Removes the secondary index entries of the object a stream held (byKind stays: same kind). */
  private unindex(stream: string, obj: KubeObject): void {
    removeFrom(this.byNamespace, nsKey(obj.kind, obj.metadata.namespace), stream);
    for (const ref of obj.metadata.ownerReferences ?? []) removeFrom(this.byOwner, ref.uid, stream);
    const controller = controllerUidOf(obj);
    if (controller === undefined) removeFrom(this.uncontrolledIndex, nsKey(obj.kind, obj.metadata.namespace), stream);
    else removeFrom(this.byController, controller, stream);
  }
}

const nsKey = (kind: string, namespace: string | undefined) => `${kind}\0${namespace ?? ''}`;

function controllerUidOf(obj: KubeObject): string | undefined {
  return obj.metadata.ownerReferences?.find((r) => r.controller)?.uid;
}

function addTo(index: Map<string, Set<string>>, key: string, stream: string): void {
  let set = index.get(key);
  if (!set) index.set(key, (set = new Set()));
  set.add(stream);
}

function removeFrom(index: Map<string, Set<string>>, key: string, stream: string): void {
  const set = index.get(key);
  if (!set) return;
  set.delete(stream);
  if (set.size === 0) index.delete(key);
}

export function streamOf(obj: KubeObject): string {
  return streamName(obj.kind, obj.metadata.namespace || undefined, obj.metadata.name!);
}
