import { RESOURCES, type ResourceInfo, servedVersions } from '@logbook/kube';

const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

export const VERSION_INFO = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.0-logbook',
  gitCommit: 'logbook',
  gitTreeState: 'clean',
  buildDate: '2026-01-01T00:00:00Z',
  goVersion: 'node',
  compiler: 'logbook',
  platform: `${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`,
};

/**
 * authorization.k8s.io's reviews (`kubectl auth can-i`, webhooks asking about a user) are
 * answered, never stored, so they are not in RESOURCES (no stream, topic or table).
 */
export const AUTHORIZATION_GROUP = 'authorization.k8s.io';
const AUTHORIZATION_RESOURCES = [
  { name: 'selfsubjectaccessreviews', singularName: 'selfsubjectaccessreview', namespaced: false, kind: 'SelfSubjectAccessReview', verbs: ['create'] },
  { name: 'selfsubjectrulesreviews', singularName: 'selfsubjectrulesreview', namespaced: false, kind: 'SelfSubjectRulesReview', verbs: ['create'] },
  { name: 'subjectaccessreviews', singularName: 'subjectaccessreview', namespaced: false, kind: 'SubjectAccessReview', verbs: ['create'] },
  { name: 'localsubjectaccessreviews', singularName: 'localsubjectaccessreview', namespaced: true, kind: 'LocalSubjectAccessReview', verbs: ['create'] },
];

/** authentication.k8s.io: `kubectl auth whoami`'s review, answered from the request (ops/self-subject-review.ts). */
export const AUTHENTICATION_GROUP = 'authentication.k8s.io';
const AUTHENTICATION_RESOURCES = [{ name: 'selfsubjectreviews', singularName: 'selfsubjectreview', namespaced: false, kind: 'SelfSubjectReview', verbs: ['create'] }];

function groups(): string[] {
  return [...new Set([...RESOURCES.map((r) => r.group).filter(Boolean), AUTHENTICATION_GROUP, AUTHORIZATION_GROUP])];
}

/** A group's versions, preferred first: its resources' stored version, then the others they serve. */
function groupVersions(group: string): string[] {
  const versions = [...new Set(RESOURCES.filter((r) => r.group === group).flatMap((r) => servedVersions(r)))];
  return versions.length > 0 ? versions : ['v1']; // authorization.k8s.io: answered, not stored
}

export function apiVersions(serverAddress: string): object {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
}

export function apiGroupList(): object {
  const group = (name: string, versions: string[]) => ({
    name,
    versions: versions.map((version) => ({ groupVersion: `${name}/${version}`, version })),
    preferredVersion: { groupVersion: `${name}/${versions[0]}`, version: versions[0] },
  });
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    // metrics.k8s.io is served from the node agents' usage, not stored (ops/resource-metrics.ts).
    groups: [...groups().map((name) => group(name, groupVersions(name))), group('metrics.k8s.io', ['v1beta1'])],
  };
}

/** `/api/v1` or `/apis/<group>/<version>`; undefined for a group or version Logbook does not serve. */
export function apiResourceList(group: string, version = 'v1'): object | undefined {
  if (group === AUTHENTICATION_GROUP) {
    return version === 'v1' ? { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: `${group}/v1`, resources: AUTHENTICATION_RESOURCES } : undefined;
  }
  if (group === AUTHORIZATION_GROUP) {
    return version === 'v1' ? { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: `${group}/v1`, resources: AUTHORIZATION_RESOURCES } : undefined;
  }
  const resources = RESOURCES.filter((r) => r.group === group && servedVersions(r).includes(version));
  if (resources.length === 0) return undefined;
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: group ? `${group}/${version}` : 'v1',
    resources: resources.flatMap(resourceEntries),
  };
}

function resourceEntries(r: ResourceInfo): object[] {
  const main = {
    name: r.plural,
    singularName: r.singular,
    namespaced: r.namespaced,
    kind: r.kind,
    verbs: VERBS,
    ...(r.shortNames.length ? { shortNames: r.shortNames } : {}),
    ...(r.categories.length ? { categories: r.categories } : {}),
  };
  const subs = r.subresources.map((sub) => {
    switch (sub) {
      case 'scale':
        return { name: `${r.plural}/scale`, singularName: '', namespaced: r.namespaced, group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: ['get', 'patch', 'update'] };
      case 'binding':
        return { name: `${r.plural}/binding`, singularName: '', namespaced: r.namespaced, kind: 'Binding', verbs: ['create'] };
      case 'log':
        return { name: `${r.plural}/log`, singularName: '', namespaced: r.namespaced, kind: r.kind, verbs: ['get'] };
      case 'eviction':
        // kubectl drain evicts only when it finds this entry (kind Eviction with a group and version).
        return { name: `${r.plural}/eviction`, singularName: '', namespaced: r.namespaced, group: 'policy', version: 'v1', kind: 'Eviction', verbs: ['create'] };
      case 'exec':
        return { name: `${r.plural}/exec`, singularName: '', namespaced: r.namespaced, kind: 'PodExecOptions', verbs: ['create', 'get'] };
      case 'attach':
        return { name: `${r.plural}/attach`, singularName: '', namespaced: r.namespaced, kind: 'PodAttachOptions', verbs: ['create', 'get'] };
      case 'token':
        return { name: `${r.plural}/token`, singularName: '', namespaced: r.namespaced, group: AUTHENTICATION_GROUP, version: 'v1', kind: 'TokenRequest', verbs: ['create'] };
      case 'portforward':
        return { name: `${r.plural}/portforward`, singularName: '', namespaced: r.namespaced, kind: 'PodPortForwardOptions', verbs: ['create', 'get'] };
      default:
        return { name: `${r.plural}/${sub}`, singularName: '', namespaced: r.namespaced, kind: r.kind, verbs: ['get', 'patch', 'update'] };
    }
  });
  return [main, ...subs];
}
