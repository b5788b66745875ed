import { type KubeObject, RESOURCES, streamName } from '@logbook/kube';
import type { ClusterState } from '@logbook/projections';
import { changeList, type FieldChange } from './change-list';

export interface ObjectRef {
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
  readonly resourceVersion?: string;
}

export interface StateDiff {
  readonly added: ObjectRef[];
  readonly removed: ObjectRef[];
  readonly changed: (ObjectRef & { readonly fromResourceVersion?: string; readonly changes: FieldChange[] })[];
}

export interface DiffScope {
  /** Resolved kinds to compare; all kinds when absent. */
  readonly kinds?: readonly string[];
  readonly namespace?: string;
  readonly name?: string;
  /** Whether the reader may see an object at all (default: every object). */
  readonly visible?: (o: KubeObject) => boolean;
  /** How an object is shown (Secrets: opened, redacted or `[shredded]`). */
  readonly view?: (o: KubeObject) => KubeObject;
}

/**
 * Objects added, removed and changed (with field-level changes) from state `a` to state `b`.
 * An object whose only change is its resourceVersion is not reported. Pure.
 */
export function diffStates(a: ClusterState, b: ClusterState, scope: DiffScope = {}): StateDiff {
  const added: ObjectRef[] = [];
  const removed: ObjectRef[] = [];
  const changed: StateDiff['changed'] = [];
  for (const resource of RESOURCES) {
    if (scope.kinds && !scope.kinds.includes(resource.kind)) continue;
    const ns = resource.namespaced ? scope.namespace : undefined;
    const pick = (s: ClusterState) => {
      const all =
        scope.name !== undefined && (ns !== undefined || !resource.namespaced)
          ? [s.get(resource.kind, ns, scope.name)].filter((o): o is KubeObject => !!o)
          : s.list(resource.kind, { namespace: ns }).filter((o) => scope.name === undefined || o.metadata.name === scope.name);
      return new Map(all.filter((o) => !scope.visible || scope.visible(o)).map((o) => [streamName(resource.kind, o.metadata.namespace, o.metadata.name!), o]));
    };
    const before = pick(a);
    const after = pick(b);
    for (const [stream, o] of after) {
      const old = before.get(stream);
      if (!old) added.push(ref(resource.kind, o));
      else if (old !== o && old.metadata.resourceVersion !== o.metadata.resourceVersion) {
        const changes = scope.view ? changeList(scope.view(old), scope.view(o)) : changeList(old, o);
        if (changes.length > 0) changed.push({ ...ref(resource.kind, o), fromResourceVersion: old.metadata.resourceVersion, changes });
      }
    }
    for (const [stream, o] of before) if (!after.has(stream)) removed.push(ref(resource.kind, o));
  }
  return { added, removed, changed };
}

function ref(kind: string, o: KubeObject): ObjectRef {
  return { kind, ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}), name: o.metadata.name!, ...(o.metadata.resourceVersion ? { resourceVersion: o.metadata.resourceVersion } : {}) };
}
