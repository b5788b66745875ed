import type { KubeObject } from '@logbook/kube';
import type { ApiServerEndpoint } from './api-server-access';

/** What env resolution needs from outside the pod (fetched through the API by the caller). */
export interface EnvSources {
  readonly configMaps: ReadonlyMap<string, KubeObject | undefined>;
  readonly secrets: ReadonlyMap<string, KubeObject | undefined>;
  /** Services of the pod's namespace (for `<SVC>_SERVICE_HOST` and friends). */
  readonly services: readonly KubeObject[];
  readonly podIP: string;
  readonly hostIP: string;
  /** Where the pod reaches the API server: the `KUBERNETES_*` variables, set whatever enableServiceLinks says. */
  readonly apiServer?: ApiServerEndpoint;
}

/** A container's env cannot be built (kube's CreateContainerConfigError). */
export class EnvError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EnvError';
  }
}

/** ConfigMap and Secret names a container's env refers to, to fetch before resolving. */
export function envReferences(container: any): { configMaps: string[]; secrets: string[] } {
  const configMaps = new Set<string>();
  const secrets = new Set<string>();
  for (const e of container.env ?? []) {
    if (e.valueFrom?.configMapKeyRef) configMaps.add(e.valueFrom.configMapKeyRef.name);
    if (e.valueFrom?.secretKeyRef) secrets.add(e.valueFrom.secretKeyRef.name);
  }
  for (const f of container.envFrom ?? []) {
    if (f.configMapRef) configMaps.add(f.configMapRef.name);
    if (f.secretRef) secrets.add(f.secretRef.name);
  }
  return { configMaps: [...configMaps], secrets: [...secrets] };
}

/**
 * A container's environment as the kubelet builds it: service variables first, then envFrom
 * (in order, with prefix), then env (in order; `$(VAR)` references to earlier variables are
 * expanded, `$$` escapes). Optional references that are missing are skipped.
 */
export function resolveEnv(pod: KubeObject, container: any, src: EnvSources): Record<string, string> {
  // The `kubernetes` Service's own ClusterIP is not reachable from a pod here: its variables name the endpoint given.
  const isKubernetes = (svc: KubeObject) => svc.metadata.name === 'kubernetes' && (svc.metadata.namespace ?? pod.metadata.namespace) === 'default';
  const services = src.apiServer ? src.services.filter((svc) => !isKubernetes(svc)) : src.services;
  const out: Record<string, string> = { ...serviceEnv(services), ...(src.apiServer ? kubernetesServiceEnv(src.apiServer) : {}) };
  for (const f of container.envFrom ?? []) {
    const prefix = f.prefix ?? '';
    const ref = f.configMapRef ?? f.secretRef;
    const obj = f.configMapRef ? src.configMaps.get(ref.name) : src.secrets.get(ref.name);
    if (!obj) {
      if (ref.optional) continue;
      throw new EnvError(`${f.configMapRef ? 'configmap' : 'secret'} "${ref.name}" not found`);
    }
    for (const [k, v] of Object.entries(dataOf(obj, !!f.secretRef))) out[prefix + k] = v;
  }
  for (const e of container.env ?? []) {
    const value = e.valueFrom ? valueFrom(pod, e.valueFrom, src) : expand(e.value ?? '', out);
    if (value !== undefined) out[e.name] = value;
  }
  return out;
}

function valueFrom(pod: KubeObject, from: any, src: EnvSources): string | undefined {
  if (from.configMapKeyRef || from.secretKeyRef) {
    const secret = !!from.secretKeyRef;
    const ref = from.configMapKeyRef ?? from.secretKeyRef;
    const obj = secret ? src.secrets.get(ref.name) : src.configMaps.get(ref.name);
    const what = secret ? 'secret' : 'configmap';
    if (!obj) {
      if (ref.optional) return undefined;
      throw new EnvError(`${what} "${ref.name}" not found`);
    }
    const value = dataOf(obj, secret)[ref.key];
    if (value === undefined && !ref.optional) throw new EnvError(`couldn't find key ${ref.key} in ${secret ? 'Secret' : 'ConfigMap'} ${pod.metadata.namespace}/${ref.name}`);
    return value;
  }
  if (from.fieldRef) return fieldValue(pod, from.fieldRef.fieldPath, src);
  if (from.resourceFieldRef) return undefined; // not supported by this agent
  return undefined;
}

/** The downward API fields kube supports in env. */
export function fieldValue(pod: KubeObject, path: string, src: Pick<EnvSources, 'podIP' | 'hostIP'>): string {
  const m = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
  if (m) return (pod.metadata as any)[m[1]]?.[m[2]] ?? '';
  switch (path) {
    case 'metadata.name':
      return pod.metadata.name ?? '';
    case 'metadata.namespace':
      return pod.metadata.namespace ?? '';
    case 'metadata.uid':
      return pod.metadata.uid ?? '';
    case 'metadata.labels':
    case 'metadata.annotations': {
      const map: Record<string, string> = (pod.metadata as any)[path.slice(9)] ?? {};
      return Object.entries(map).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}="${v}"`).join('\n');
    }
    case 'spec.nodeName':
      return pod.spec?.nodeName ?? '';
    case 'spec.serviceAccountName':
      return pod.spec?.serviceAccountName ?? 'default';
    case 'status.podIP':
      return src.podIP;
    case 'status.hostIP':
      return src.hostIP;
    default:
      throw new EnvError(`unsupported fieldRef ${path}`);
  }
}

function dataOf(obj: KubeObject, secret: boolean): Record<string, string> {
  const out: Record<string, string> = {};
  if (secret) {
    for (const [k, v] of Object.entries((obj as any).data ?? {})) out[k] = Buffer.from(String(v), 'base64').toString('utf8');
    Object.assign(out, (obj as any).stringData ?? {});
  } else {
    Object.assign(out, (obj as any).data ?? {});
  }
  return out;
}

/** `$(VAR)` → the variable's value when defined earlier, kept literally otherwise; `$$(VAR)` → `$(VAR)`. */
export function expand(value: string, defined: Readonly<Record<string, string>>): string {
  return value.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (all, name?: string) => {
    if (all === '$$') return '$';
    return name !== undefined && defined[name] !== undefined ? defined[name] : all;
  });
}

/**
 * Docker-links-style service variables, as the kubelet sets them for every Service of the pod's
 * namespace with a cluster IP: `<SVC>_SERVICE_HOST`, `<SVC>_SERVICE_PORT`, `<SVC>_SERVICE_PORT_<NAME>`,
 * `<SVC>_PORT`, `<SVC>_PORT_<N>_<PROTO>` (and its `_PROTO`, `_PORT`, `_ADDR`).
 */
export function serviceEnv(services: readonly KubeObject[]): Record<string, string> {
  const out: Record<string, string> = {};
  const sorted = [...services].sort((a, b) => a.metadata.name!.localeCompare(b.metadata.name!));
  for (const svc of sorted) {
    const ip = svc.spec?.clusterIP;
    if (!ip || ip === 'None') continue;
    const ports: any[] = svc.spec?.ports ?? [];
    if (ports.length === 0) continue;
    const name = svc.metadata.name!.toUpperCase().replace(/-/g, '_');
    out[`${name}_SERVICE_HOST`] = ip;
    out[`${name}_SERVICE_PORT`] = String(ports[0].port);
    for (const p of ports) if (p.name) out[`${name}_SERVICE_PORT_${p.name.toUpperCase().replace(/-/g, '_')}`] = String(p.port);
    const proto0 = (ports[0].protocol ?? 'TCP').toLowerCase();
    out[`${name}_PORT`] = `${proto0}://${ip}:${ports[0].port}`;
    for (const p of ports) {
      const proto = (p.protocol ?? 'TCP').toUpperCase();
      const prefix = `${name}_PORT_${p.port}_${proto}`;
      out[prefix] = `${proto.toLowerCase()}://${ip}:${p.port}`;
      out[`${prefix}_PROTO`] = proto.toLowerCase();
      out[`${prefix}_PORT`] = String(p.port);
      out[`${prefix}_ADDR`] = ip;
    }
  }
  return out;
}

/**
 * The variables the kubelet sets in every container for the `kubernetes` Service (its port is
 * named `https`), pointing at the endpoint this node's pods can reach.
 */
export function kubernetesServiceEnv(api: ApiServerEndpoint): Record<string, string> {
  const prefix = `KUBERNETES_PORT_${api.port}_TCP`;
  return {
    KUBERNETES_SERVICE_HOST: api.host,
    KUBERNETES_SERVICE_PORT: String(api.port),
    KUBERNETES_SERVICE_PORT_HTTPS: String(api.port),
    KUBERNETES_PORT: `tcp://${api.host}:${api.port}`,
    [prefix]: `tcp://${api.host}:${api.port}`,
    [`${prefix}_PROTO`]: 'tcp',
    [`${prefix}_PORT`]: String(api.port),
    [`${prefix}_ADDR`]: api.address,
  };
}
