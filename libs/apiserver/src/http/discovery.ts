import { RESOURCES, type ResourceInfo } from '@logbook/kube';

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

function groups(): string[] {
  return [...new Set(RESOURCES.map((r) => r.group).filter(Boolean))];
}

export function apiVersions(serverAddress: string): object {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
}

export function apiGroupList(): object {
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: groups().map((name) => ({
      name,
      versions: [{ groupVersion: `${name}/v1`, version: 'v1' }],
      preferredVersion: { groupVersion: `${name}/v1`, version: 'v1' },
    })),
  };
}

/** `/api/v1` or `/apis/<group>/v1`; undefined for a group Logbook does not serve. */
export function apiResourceList(group: string): object | undefined {
  const resources = RESOURCES.filter((r) => r.group === group);
  if (resources.length === 0) return undefined;
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: group ? `${group}/v1` : 'v1',
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
      case 'exec':
        return { name: `${r.plural}/exec`, singularName: '', namespaced: r.namespaced, kind: 'PodExecOptions', verbs: ['create', 'get'] };
      case 'attach':
        return { name: `${r.plural}/attach`, singularName: '', namespaced: r.namespaced, kind: 'PodAttachOptions', verbs: ['create', 'get'] };
      case 'portforward':
        return { name: `${r.plural}/portforward`, singularName: '', namespaced: r.namespaced, kind: 'PodPortForwardOptions', verbs: ['create', 'get'] };
      default:
        return { name: `${r.plural}/${sub}`, singularName: '', namespaced: r.namespaced, kind: r.kind, verbs: ['get', 'patch', 'update'] };
    }
  });
  return [main, ...subs];
}
