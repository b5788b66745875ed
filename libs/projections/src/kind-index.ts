import { parseStreamName } from '@logbook/kube';

/** Streams of one kind in one namespace ('' for cluster-scoped kinds). */
interface Bucket {
  readonly streams: Set<string>;
  /** Streams in name order; dropped whenever a stream joins or leaves, rebuilt on the next list. */
  sorted?: string[];
}

/**
 * Secondary indexes of ClusterState. They hold stream names only (the same string instances
 * the object map is keyed by), never objects, so an index costs a pointer per entry.
 *
 * Within one bucket every stream shares the `<Kind>/<namespace>/` prefix, so sorting streams
 * sorts by name; namespaces are sorted separately because `/` would order `a` after `a-b`.
 */
export class KindIndex {
  private readonly kinds = new Map<string, Map<string, Bucket>>();
  private readonly counts = new Map<string, number>();
  /** Pods by spec.nodeName: what a node agent lists, without scanning the cluster. */
  private readonly podsByNode = new Map<string, Set<string>>();

  add(stream: string, nodeName: string | undefined): void {
    const { kind, namespace } = parseStreamName(stream);
    let namespaces = this.kinds.get(kind);
    if (!namespaces) this.kinds.set(kind, (namespaces = new Map()));
    const ns = namespace ?? '';
    let bucket = namespaces.get(ns);
    if (!bucket) namespaces.set(ns, (bucket = { streams: new Set() }));
    bucket.streams.add(stream);
    bucket.sorted = undefined;
    this.counts.set(kind, (this.counts.get(kind) ?? 0) + 1);
    if (kind === 'Pod') this.moveNode(stream, undefined, nodeName);
  }

  remove(stream: string, nodeName: string | undefined): void {
    const { kind, namespace } = parseStreamName(stream);
    const namespaces = this.kinds.get(kind);
    const ns = namespace ?? '';
    const bucket = namespaces?.get(ns);
    if (!namespaces || !bucket || !bucket.streams.delete(stream)) return;
    bucket.sorted = undefined;
    if (bucket.streams.size === 0) namespaces.delete(ns);
    const left = (this.counts.get(kind) ?? 1) - 1;
    if (left === 0) this.counts.delete(kind);
    else this.counts.set(kind, left);
    if (kind === 'Pod') this.moveNode(stream, nodeName, undefined);
  }

  /** Called when a Pod's spec.nodeName changes (binding, or a patch). */
  moveNode(stream: string, from: string | undefined, to: string | undefined): void {
    if (from === to) return;
    if (from !== undefined) {
      const set = this.podsByNode.get(from);
      set?.delete(stream);
      if (set?.size === 0) this.podsByNode.delete(from);
    }
    if (to !== undefined) {
      let set = this.podsByNode.get(to);
      if (!set) this.podsByNode.set(to, (set = new Set()));
      set.add(stream);
    }
  }

  count(kind: string): number {
    return this.counts.get(kind) ?? 0;
  }

  /** Streams of a kind, sorted by namespace then name; one namespace when given. */
  streams(kind: string, namespace?: string): string[] {
    const namespaces = this.kinds.get(kind);
    if (!namespaces) return [];
    if (namespace !== undefined) {
      const bucket = namespaces.get(namespace);
      return bucket ? sortedOf(bucket) : [];
    }
    const out: string[] = [];
    for (const ns of [...namespaces.keys()].sort()) for (const s of sortedOf(namespaces.get(ns)!)) out.push(s);
    return out;
  }

  /** Pod streams bound to a node, in no particular order. */
  podsOn(nodeName: string): ReadonlySet<string> {
    return this.podsByNode.get(nodeName) ?? EMPTY;
  }
}

const EMPTY: ReadonlySet<string> = new Set();

function sortedOf(bucket: Bucket): string[] {
  if (!bucket.sorted) bucket.sorted = [...bucket.streams].sort();
  return bucket.sorted;
}
