import type { KubeObject } from '@logbook/kube';
import type { ClusterState } from '@logbook/projections';
import type { Authorizer, Decision, RequestAttributes } from './authorizer';

export const NODES_GROUP = 'system:nodes';
const NODE_USER_PREFIX = 'system:node:';
export const NODE_LEASE_NAMESPACE = 'kube-node-lease';

const NO_OPINION: Decision = { allowed: false, decided: false, reason: '' };
const allow = (reason: string): Decision => ({ allowed: true, decided: true, reason });
/** Decided, so RBAC's broader system:node grants cannot reopen what the graph closed. */
const deny = (reason: string): Decision => ({ allowed: false, decided: true, reason });

/** `system:node:<name>` in `system:nodes` → `<name>`; anyone else is not a node. */
export function nodeNameOf(user: { readonly name: string; readonly groups: readonly string[] }): string | undefined {
  if (!user.groups.includes(NODES_GROUP) || !user.name.startsWith(NODE_USER_PREFIX)) return undefined;
  const name = user.name.slice(NODE_USER_PREFIX.length);
  return name || undefined;
}

/**
 * kube's Node authorizer: a node agent reads only the Secrets, ConfigMaps, claims, volumes and
 * service-account tokens of pods bound to it, and writes only its own Node, its Lease and its
 * own pods (status, delete). Relations are read from the projection at request time (the pods
 * on a node are indexed), so a pod bound a moment ago already counts. Anything else a node does
 * (list/watch pods, nodes, services, events) is left to RBAC's `system:node` role.
 */
export class NodeAuthorizer implements Authorizer {
  constructor(private readonly state: () => ClusterState) {}

  authorize(attrs: RequestAttributes): Decision {
    const node = nodeNameOf(attrs.user);
    if (node === undefined || !attrs.resourceRequest) return NO_OPINION;
    const group = attrs.apiGroup ?? '';
    const { resource, subresource, verb, namespace, name } = attrs;
    if (group === '') {
      switch (resource) {
        case 'secrets':
        case 'configmaps':
        case 'persistentvolumeclaims':
        case 'persistentvolumes':
          if (subresource) return deny(`node '${node}' cannot access ${resource}/${subresource}`);
          if (verb !== 'get' || !name) return deny(`can only get individual resources of this type`);
          return this.related(node, resource, namespace, name) ? allow('') : deny(noRelationship(node));
        case 'serviceaccounts':
          if (subresource !== 'token') return NO_OPINION;
          if (verb !== 'create' || !name) return deny(`can only create tokens for individual service accounts`);
          return this.podsOn(node).some((p) => p.metadata.namespace === namespace && serviceAccountOf(p) === name) ? allow('') : deny(noRelationship(node));
        case 'nodes':
          if (['get', 'list', 'watch', 'create'].includes(verb)) return NO_OPINION;
          return name === node ? allow('') : deny(`node '${node}' cannot modify node '${name ?? ''}'`);
        case 'pods':
          if ((subresource === 'status' && (verb === 'update' || verb === 'patch')) || (!subresource && verb === 'delete')) {
            const pod = name ? this.state().get('Pod', namespace, name) : undefined;
            // An absent pod is let through: the write path answers 404, as it would to anyone.
            return !pod || pod.spec?.nodeName === node ? allow('') : deny(`node '${node}' can only ${verb === 'delete' ? 'delete' : 'update the status of'} pods bound to it`);
          }
          return NO_OPINION;
        default:
          return NO_OPINION;
      }
    }
    if (group === 'coordination.k8s.io' && resource === 'leases') {
      if (namespace !== NODE_LEASE_NAMESPACE) return deny(`can only access leases in the ${NODE_LEASE_NAMESPACE} namespace`);
      if (!['get', 'create', 'update', 'patch', 'delete'].includes(verb)) return deny(`can only get, create, update, patch, or delete a node lease`);
      return verb === 'create' && !name ? allow('') : name === node ? allow('') : deny(`can only access node lease with the same name as the requesting node`);
    }
    return NO_OPINION;
  }

  private podsOn(node: string): KubeObject[] {
    return this.state().list('Pod', { nodeName: node });
  }

  private related(node: string, resource: string, namespace: string | undefined, name: string): boolean {
    const state = this.state();
    const pods = this.podsOn(node);
    if (resource === 'persistentvolumes') {
      return pods.some((pod) => claimsOf(pod).some((claim) => state.get('PersistentVolumeClaim', pod.metadata.namespace, claim)?.spec?.volumeName === name));
    }
    const local = pods.filter((p) => p.metadata.namespace === namespace);
    if (resource === 'persistentvolumeclaims') return local.some((pod) => claimsOf(pod).includes(name));
    const kind = resource === 'secrets' ? 'secret' : 'configMap';
    return local.some((pod) => referencedBy(pod, kind).has(name));
  }
}

const noRelationship = (node: string): string => `no relationship found between node '${node}' and this object`;

function serviceAccountOf(pod: KubeObject): string {
  return pod.spec?.serviceAccountName || pod.spec?.serviceAccount || 'default';
}

/** Claims a pod mounts, ephemeral volumes' generated claims (`<pod>-<volume>`) included. */
function claimsOf(pod: KubeObject): string[] {
  const out: string[] = [];
  for (const v of (pod.spec?.volumes ?? []) as Record<string, any>[]) {
    if (v.persistentVolumeClaim?.claimName) out.push(v.persistentVolumeClaim.claimName);
    if (v.ephemeral) out.push(`${pod.metadata.name}-${v.name}`);
  }
  return out;
}

/** Names of the Secrets (or ConfigMaps) a pod refers to: volumes, projected sources, env, envFrom, imagePullSecrets. */
function referencedBy(pod: KubeObject, kind: 'secret' | 'configMap'): Set<string> {
  const names = new Set<string>();
  const spec = (pod.spec ?? {}) as Record<string, any>;
  for (const v of spec.volumes ?? []) {
    if (kind === 'secret' && v.secret?.secretName) names.add(v.secret.secretName);
    if (kind === 'configMap' && v.configMap?.name) names.add(v.configMap.name);
    for (const source of v.projected?.sources ?? []) if (source?.[kind]?.name) names.add(source[kind].name);
  }
  for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? []), ...(spec.ephemeralContainers ?? [])]) {
    for (const e of c.env ?? []) {
      const ref = kind === 'secret' ? e.valueFrom?.secretKeyRef : e.valueFrom?.configMapKeyRef;
      if (ref?.name) names.add(ref.name);
    }
    for (const e of c.envFrom ?? []) {
      const ref = kind === 'secret' ? e.secretRef : e.configMapRef;
      if (ref?.name) names.add(ref.name);
    }
  }
  if (kind === 'secret') for (const s of spec.imagePullSecrets ?? []) if (s?.name) names.add(s.name);
  return names;
}
