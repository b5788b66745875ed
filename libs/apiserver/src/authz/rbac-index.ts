import type { KubeObject } from '@logbook/kube';
import type { ClusterState } from '@logbook/projections';
import type { User } from '../identity/token-file';
import { AUTHENTICATED_GROUP, type Subject, serviceAccountUser } from './rbac-rules';

/** A binding as the index keeps it: the object and the one subject that put it under a key. */
export interface IndexedBinding {
  readonly binding: KubeObject;
  readonly subject: Subject;
}

const BINDING_KINDS = new Set(['RoleBinding', 'ClusterRoleBinding']);

/**
 * The bindings of the projection keyed by subject (`User:<name>`, `Group:<name>`; a
 * ServiceAccount under its user name), so a request costs the bindings of its user and groups,
 * not a scan of every binding. Rebuilt lazily after any binding changed: bindings change rarely,
 * requests are many. Roles are not copied: their rules are read from the state when used, so an
 * aggregated ClusterRole's rules are current as soon as the projection has them.
 */
export class BindingIndex {
  private cluster = new Map<string, IndexedBinding[]>();
  /** namespace → subject key → bindings. */
  private namespaced = new Map<string, Map<string, IndexedBinding[]>>();
  private dirty = true;

  constructor(private readonly state: () => ClusterState) {}

  /** Called for every applied event's stream; marks the index stale when a binding changed. */
  changed(stream: string): void {
    if (!this.dirty && BINDING_KINDS.has(stream.slice(0, stream.indexOf('/')))) this.dirty = true;
  }

  /** The ClusterRoleBindings naming this user (or one of its groups), in a stable order. */
  clusterBindingsOf(user: User): IndexedBinding[] {
    this.refresh();
    return collect(this.cluster, user);
  }

  /** The RoleBindings of one namespace naming this user (or one of its groups). */
  roleBindingsOf(user: User, namespace: string): IndexedBinding[] {
    this.refresh();
    const byKey = this.namespaced.get(namespace);
    return byKey ? collect(byKey, user) : [];
  }

  private refresh(): void {
    if (!this.dirty) return;
    this.dirty = false;
    const state = this.state();
    const cluster = new Map<string, IndexedBinding[]>();
    const namespaced = new Map<string, Map<string, IndexedBinding[]>>();
    for (const binding of state.list('ClusterRoleBinding')) for (const subject of subjectsOf(binding)) push(cluster, keyOf(subject, undefined), { binding, subject });
    for (const binding of state.list('RoleBinding')) {
      const ns = binding.metadata.namespace ?? '';
      let byKey = namespaced.get(ns);
      if (!byKey) namespaced.set(ns, (byKey = new Map()));
      for (const subject of subjectsOf(binding)) push(byKey, keyOf(subject, ns), { binding, subject });
    }
    this.cluster = cluster;
    this.namespaced = namespaced;
  }
}

function subjectsOf(binding: KubeObject): Subject[] {
  const subjects = (binding as { subjects?: unknown }).subjects;
  return Array.isArray(subjects) ? subjects.filter((s): s is Subject => !!s && typeof s.kind === 'string' && typeof s.name === 'string') : [];
}

function keyOf(subject: Subject, bindingNamespace: string | undefined): string | undefined {
  switch (subject.kind) {
    case 'User':
      return `User:${subject.name}`;
    case 'Group':
      return `Group:${subject.name}`;
    case 'ServiceAccount':
      return `User:${serviceAccountUser(subject.namespace || bindingNamespace || '', subject.name)}`;
    default:
      return undefined;
  }
}

function push(map: Map<string, IndexedBinding[]>, key: string | undefined, entry: IndexedBinding): void {
  if (key === undefined) return;
  const list = map.get(key);
  if (list) list.push(entry);
  else map.set(key, [entry]);
}

function collect(map: Map<string, IndexedBinding[]>, user: User): IndexedBinding[] {
  const out: IndexedBinding[] = [...(map.get(`User:${user.name}`) ?? [])];
  const groups = user.groups.includes(AUTHENTICATED_GROUP) ? user.groups : [...user.groups, AUTHENTICATED_GROUP];
  for (const group of groups) {
    const list = map.get(`Group:${group}`);
    if (list) out.push(...list);
  }
  return out;
}
