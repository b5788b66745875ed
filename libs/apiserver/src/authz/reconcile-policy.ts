import { randomUUID } from 'node:crypto';
import { ApiError, type KubeObject, aggregatedRules, resourceByKind } from '@logbook/kube';
import { type Projector, canonicalJson } from '@logbook/projections';
import type { Caller, ClusterWriter } from '../write/cluster-writer';
import type { User } from '../identity/token-file';
import { AUTOUPDATE_ANNOTATION, bootstrapClusterRoleBindings, bootstrapClusterRoles } from './bootstrap-policy';

/** The identity the API server's own start-up writes are made as (kube's loopback user, a master). */
export const API_SERVER_ACTOR = 'system:apiserver';
const API_SERVER_USER: User = { name: API_SERVER_ACTOR, uid: '', groups: ['system:masters'] };

/**
 * kube's bootstrap-policy reconcile, at every API server start: missing default roles and
 * bindings are created; existing ones get the labels, annotations, rules and subjects they lack
 * (nothing an operator added is removed) unless annotated `rbac.authorization.kubernetes.io/
 * autoupdate: "false"`. Writes only what differs, so a restart appends nothing. Aggregated roles
 * get their rules here too (view, then edit, then admin), the same rules the aggregation
 * controller computes, so they work before any controller manager runs.
 */
export async function reconcileBootstrapPolicy(writer: ClusterWriter, projector: Projector): Promise<{ written: number }> {
  let written = 0;
  const roles = bootstrapClusterRoles();
  const plain = roles.filter((r) => !('aggregationRule' in r));
  const aggregated = roles.filter((r) => 'aggregationRule' in r).reverse();
  for (const expected of [...plain, ...aggregated]) {
    const current = projector.state.get('ClusterRole', undefined, expected.metadata.name!);
    const desired = current ? mergeRole(current, expected) : expected;
    const withAggregation = 'aggregationRule' in desired ? { ...desired, rules: aggregatedRules(desired, projector.state.list('ClusterRole')) } : desired;
    if (await ensure(writer, current, current && autoupdateOff(current) ? current : withAggregation)) written++;
  }
  for (const expected of bootstrapClusterRoleBindings()) {
    const current = projector.state.get('ClusterRoleBinding', undefined, expected.metadata.name!);
    const desired = !current ? expected : autoupdateOff(current) ? current : mergeBinding(current, expected);
    if (await ensure(writer, current, desired)) written++;
  }
  return { written };
}

function autoupdateOff(obj: KubeObject): boolean {
  return obj.metadata.annotations?.[AUTOUPDATE_ANNOTATION] === 'false';
}

type Loose = KubeObject & Record<string, unknown>;

function mergeMeta(current: KubeObject, expected: KubeObject): KubeObject['metadata'] {
  return {
    ...current.metadata,
    labels: { ...expected.metadata.labels, ...current.metadata.labels },
    annotations: { ...expected.metadata.annotations, ...current.metadata.annotations },
  };
}

function mergeRole(current: KubeObject, expected: KubeObject): KubeObject {
  const c = current as Loose;
  const e = expected as Loose;
  const out: Loose = { ...c, metadata: mergeMeta(current, expected) };
  if (e.aggregationRule) {
    const selectors = [...(((c.aggregationRule as { clusterRoleSelectors?: unknown[] }) ?? {}).clusterRoleSelectors ?? [])];
    for (const s of (e.aggregationRule as { clusterRoleSelectors: unknown[] }).clusterRoleSelectors) if (!selectors.some((x) => canonicalJson(x) === canonicalJson(s))) selectors.push(s);
    out.aggregationRule = { clusterRoleSelectors: selectors };
  } else out.rules = union((c.rules as unknown[]) ?? [], (e.rules as unknown[]) ?? []);
  return out;
}

function mergeBinding(current: KubeObject, expected: KubeObject): KubeObject {
  const c = current as Loose;
  return { ...c, metadata: mergeMeta(current, expected), subjects: union((c.subjects as unknown[]) ?? [], ((expected as Loose).subjects as unknown[]) ?? []) } as KubeObject;
}

function union(have: readonly unknown[], want: readonly unknown[]): unknown[] {
  const keys = new Set(have.map((x) => canonicalJson(x)));
  return [...have, ...want.filter((x) => !keys.has(canonicalJson(x)))];
}

/** Creates or updates when `desired` differs from `current`; true when it wrote. */
async function ensure(writer: ClusterWriter, current: KubeObject | undefined, desired: KubeObject): Promise<boolean> {
  if (current && canonicalJson(comparable(current)) === canonicalJson(comparable(desired))) return false;
  const resource = resourceByKind(desired.kind)!;
  const name = desired.metadata.name!;
  const caller: Caller = { actor: API_SERVER_ACTOR, user: API_SERVER_USER, correlationId: randomUUID() };
  try {
    await writer.write(resource, undefined, name, current ? { type: 'Update', resource, object: desired } : { type: 'Create', resource, object: desired }, caller);
    return true;
  } catch (err) {
    // Another API server on the same log reconciled first; the next start sees its result.
    if (err instanceof ApiError && err.code === 409) return false;
    throw err;
  }
}

function comparable(obj: KubeObject): unknown {
  const o = obj as Loose;
  return { labels: obj.metadata.labels ?? {}, annotations: obj.metadata.annotations ?? {}, rules: o.rules ?? [], aggregationRule: o.aggregationRule ?? null, subjects: o.subjects ?? [], roleRef: o.roleRef ?? null };
}
