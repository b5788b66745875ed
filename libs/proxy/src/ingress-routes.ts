import type { KubeObject } from '@logbook/kube';

/** The controller name Logbook's IngressClasses carry in `spec.controller`. */
export const INGRESS_CONTROLLER_NAME = 'logbook.io/ingress';
/** Marks the IngressClass used for Ingresses that name none. */
export const DEFAULT_CLASS_ANNOTATION = 'ingressclass.kubernetes.io/is-default-class';
/** The pre-v1 way to pick a class, still honoured by controllers. */
const LEGACY_CLASS_ANNOTATION = 'kubernetes.io/ingress.class';

/** Where a matched request goes: a port of a Service in the Ingress's namespace. */
export interface IngressTarget {
  readonly namespace: string;
  readonly service: string;
  /** The Service port, by number or by name. */
  readonly port: number | string;
  /** `namespace/ingress`, for logs. */
  readonly ingress: string;
}

export type PathType = 'Exact' | 'Prefix' | 'ImplementationSpecific';

interface PathRoute {
  readonly path: string;
  readonly pathType: PathType;
  readonly target: IngressTarget;
}

/** One rule's paths, grouped under its host ('' for every host). */
interface HostRoutes {
  readonly host: string;
  readonly paths: PathRoute[];
}

export interface RouteTable {
  readonly hosts: readonly HostRoutes[];
  /** The defaultBackend of the oldest served Ingress that has one. */
  readonly defaultBackend?: IngressTarget;
}

export const EMPTY_ROUTES: RouteTable = { hosts: [] };

/** Whether this controller serves the class: it names our controller. */
const ours = (cls: KubeObject | undefined): boolean => cls?.spec?.controller === INGRESS_CONTROLLER_NAME;
const isDefault = (cls: KubeObject): boolean => cls.metadata.annotations?.[DEFAULT_CLASS_ANNOTATION] === 'true';

/**
 * Whether an Ingress is ours: its `spec.ingressClassName` (or the legacy annotation) names an
 * IngressClass of our controller, or it names none and the cluster's default class is ours
 * (Kubernetes' admission would have filled the name in; this controller does the same reading).
 */
export function servesIngress(ingress: KubeObject, classes: readonly KubeObject[]): boolean {
  const name: string | undefined = ingress.spec?.ingressClassName || ingress.metadata.annotations?.[LEGACY_CLASS_ANNOTATION];
  if (name) return ours(classes.find((c) => c.metadata.name === name));
  const defaults = classes.filter(isDefault);
  // Two default classes: Kubernetes refuses to pick (admission fails); so does this controller.
  return defaults.length === 1 && ours(defaults[0]);
}

function targetOf(backend: any, ingress: KubeObject): IngressTarget | undefined {
  const svc = backend?.service;
  if (!svc?.name) return undefined; // resource backends are not served
  const port = svc.port?.number || svc.port?.name;
  if (port === undefined || port === '') return undefined;
  const namespace = ingress.metadata.namespace ?? 'default';
  return { namespace, service: svc.name, port, ingress: `${namespace}/${ingress.metadata.name}` };
}

/** Oldest first, then by namespace/name: who wins when two Ingresses claim the same host and path. */
function byAge(a: KubeObject, b: KubeObject): number {
  const ta = a.metadata.creationTimestamp ?? '';
  const tb = b.metadata.creationTimestamp ?? '';
  if (ta !== tb) return ta < tb ? -1 : 1;
  const ka = `${a.metadata.namespace}/${a.metadata.name}`;
  const kb = `${b.metadata.namespace}/${b.metadata.name}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/** The routes of every Ingress this controller serves (pure; the cache's objects in, a table out). */
export function buildRoutes(ingresses: readonly KubeObject[], classes: readonly KubeObject[]): RouteTable {
  const hosts = new Map<string, PathRoute[]>();
  let defaultBackend: IngressTarget | undefined;
  for (const ing of [...ingresses].filter((i) => !i.metadata.deletionTimestamp && servesIngress(i, classes)).sort(byAge)) {
    defaultBackend ??= targetOf(ing.spec?.defaultBackend, ing);
    for (const rule of ing.spec?.rules ?? []) {
      const host = String(rule?.host ?? '').toLowerCase();
      const list = hosts.get(host) ?? [];
      for (const p of rule?.http?.paths ?? []) {
        const target = targetOf(p?.backend, ing);
        if (!target) continue;
        const pathType: PathType = p.pathType === 'Exact' || p.pathType === 'Prefix' ? p.pathType : 'ImplementationSpecific';
        list.push({ path: p.path || '/', pathType, target });
      }
      hosts.set(host, list);
    }
  }
  return { hosts: [...hosts].map(([host, paths]) => ({ host, paths })), defaultBackend };
}

/**
 * Host match per the Ingress spec: a precise host equals the request's host (port and case
 * ignored); `*.example.com` matches exactly one more label (`a.example.com`, not `example.com`
 * nor `a.b.example.com`); an empty host matches every request.
 */
export function hostMatches(ruleHost: string, requestHost: string): boolean {
  if (ruleHost === '') return true;
  if (ruleHost.startsWith('*.')) {
    const suffix = ruleHost.slice(1); // `.example.com`
    if (!requestHost.endsWith(suffix)) return false;
    const label = requestHost.slice(0, requestHost.length - suffix.length);
    return label.length > 0 && !label.includes('.');
  }
  return ruleHost === requestHost;
}

/**
 * Path match per the Ingress spec. Exact: the whole path, case-sensitive. Prefix: element-wise
 * over `/`-separated segments, ignoring a trailing slash (`/foo` matches `/foo`, `/foo/` and
 * `/foo/bar`, not `/foobar`); `/` matches everything. ImplementationSpecific is served as Prefix.
 * Returns the matched length (longer wins), or -1.
 */
export function pathMatch(route: { path: string; pathType: PathType }, requestPath: string): number {
  if (route.pathType === 'Exact') return route.path === requestPath ? route.path.length : -1;
  const want = route.path.split('/').filter(Boolean);
  const got = requestPath.split('/').filter(Boolean);
  if (want.length > got.length) return -1;
  for (let i = 0; i < want.length; i++) if (want[i] !== got[i]) return -1;
  return want.join('/').length + 1;
}

/** `Host: a.example:8080` → `a.example`; `[::1]:80` → `::1`. */
export function normalizeHost(header: string | undefined): string {
  const h = (header ?? '').trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(1, h.indexOf(']') > 0 ? h.indexOf(']') : undefined);
  const colon = h.lastIndexOf(':');
  return colon >= 0 ? h.slice(0, colon) : h;
}

const hostRank = (host: string): number => (host === '' ? 2 : host.startsWith('*.') ? 1 : 0);

/**
 * Where a request goes. Rules are tried from the most specific host class to the least (precise
 * hosts, then wildcards, then rules without a host); within the first class with a match, the
 * longest matching path wins and, at equal length, Exact before Prefix (then the oldest Ingress).
 * No match: the default backend if one is set, else undefined (404).
 */
export function resolveRoute(table: RouteTable, hostHeader: string | undefined, url: string): IngressTarget | undefined {
  const host = normalizeHost(hostHeader);
  const q = url.indexOf('?');
  const path = (q >= 0 ? url.slice(0, q) : url) || '/';
  for (const rank of [0, 1, 2]) {
    let best: { len: number; exact: boolean; target: IngressTarget } | undefined;
    for (const h of table.hosts) {
      if (hostRank(h.host) !== rank || !hostMatches(h.host, host)) continue;
      for (const route of h.paths) {
        const len = pathMatch(route, path);
        if (len < 0) continue;
        const exact = route.pathType === 'Exact';
        if (!best || len > best.len || (len === best.len && exact && !best.exact)) best = { len, exact, target: route.target };
      }
    }
    if (best) return best.target;
  }
  return table.defaultBackend;
}
