import { request } from 'node:http';
import type { ServerResponse } from 'node:http';
import { ApiError, type KubeObject, matchesLabels, parseLabelSelector } from '@logbook/kube';
import type { ClusterState } from '@logbook/projections';
import { sendJson } from '../http/respond';
import type { ApiDeps } from './context';
import { nodeAgentEndpoint } from './node-agent-endpoint';

/**
 * `metrics.k8s.io/v1beta1` (what metrics-server serves, and `kubectl top` reads): NodeMetrics and
 * PodMetrics built on request from each node agent's `/stats/summary`, as metrics-server builds
 * them from each kubelet's. Nothing is stored: usage is not cluster state, so it stays out of the
 * log. Nodes without an agent (hollow ones) or whose agent does not answer in time are left out.
 */
export const METRICS_GROUP_VERSION = 'metrics.k8s.io/v1beta1';
const PREFIX = `/apis/${METRICS_GROUP_VERSION}`;
const AGENT_TIMEOUT_MS = 3_000;

export function metricsApiResourceList(): object {
  const verbs = ['get', 'list'];
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: METRICS_GROUP_VERSION,
    resources: [
      { name: 'nodes', singularName: '', namespaced: false, kind: 'NodeMetrics', verbs },
      { name: 'pods', singularName: '', namespaced: true, kind: 'PodMetrics', verbs },
    ],
  };
}

/** Serves the paths under /apis/metrics.k8s.io/v1beta1; false when `path` is not one of them. */
export async function serveResourceMetrics(deps: ApiDeps, path: string, query: URLSearchParams, res: ServerResponse): Promise<boolean> {
  if (path === PREFIX) return void sendJson(res, 200, metricsApiResourceList()), true;
  const nodes = new RegExp(`^${PREFIX}/nodes(?:/([^/]+))?$`).exec(path);
  const pods = new RegExp(`^${PREFIX}(?:/namespaces/([^/]+))?/pods(?:/([^/]+))?$`).exec(path);
  if (!nodes && !pods) return false;
  const selector = query.get('labelSelector') ? parseLabelSelector(query.get('labelSelector')!) : undefined;
  const matches = (o: KubeObject) => !selector || matchesLabels(selector, o.metadata.labels ?? {});
  const state = deps.projector.state;

  if (nodes) {
    const name = nodes[1] && decodeURIComponent(nodes[1]);
    const wanted = state.list('Node').filter((n) => (name ? n.metadata.name === name : matches(n)));
    const summaries = await summariesOf(wanted);
    const items = wanted.flatMap((n) => {
      const s = summaries.get(n.metadata.name!);
      return s?.node.cpu ? [nodeMetrics(n, s)] : [];
    });
    if (name) {
      if (items.length === 0) throw ApiError.notFound('nodemetrics.metrics.k8s.io', name, 'metrics.k8s.io');
      return void sendJson(res, 200, items[0]), true;
    }
    return void sendJson(res, 200, { kind: 'NodeMetricsList', apiVersion: METRICS_GROUP_VERSION, metadata: {}, items }), true;
  }

  const namespace = pods![1] && decodeURIComponent(pods![1]);
  const name = pods![2] && decodeURIComponent(pods![2]);
  const items = await podMetricsOf(state, namespace, (p) => (name ? p.metadata.name === name : matches(p)));
  if (name) {
    if (items.length === 0) throw ApiError.notFound('podmetrics.metrics.k8s.io', name, 'metrics.k8s.io');
    return void sendJson(res, 200, items[0]), true;
  }
  return void sendJson(res, 200, { kind: 'PodMetricsList', apiVersion: METRICS_GROUP_VERSION, metadata: {}, items }), true;
}

/**
 * PodMetrics of the bound pods of `namespace` (all when undefined) that `wanted` accepts, from
 * their nodes' agents. Shared by the HTTP endpoint and the in-process client (the HPA controller).
 */
export async function podMetricsOf(state: ClusterState, namespace: string | undefined, wanted: (pod: KubeObject) => boolean): Promise<KubeObject[]> {
  const pods = state.list('Pod', { namespace }).filter((p) => p.spec?.nodeName && wanted(p));
  const nodeNames = new Set(pods.map((p) => p.spec.nodeName as string));
  const summaries = await summariesOf(state.list('Node').filter((n) => nodeNames.has(n.metadata.name!)));
  return pods.flatMap((p) => {
    const stats = summaries.get(p.spec.nodeName)?.pods.find((s) => s.podRef.uid === p.metadata.uid);
    return stats?.cpu ? [podMetrics(p, stats)] : [];
  });
}

/** The wire format of the agent's /stats/summary (kubelet's Summary API subset). */
interface Cpu {
  time: string;
  windowSeconds?: number;
  usageNanoCores: number;
}
interface PodStats {
  podRef: { name: string; namespace: string; uid: string };
  cpu?: Cpu;
  memory: { workingSetBytes: number };
  containers: Array<{ name: string; cpu?: Cpu; memory: { workingSetBytes: number } }>;
}
interface Summary {
  node: { nodeName: string; cpu?: Cpu; memory: { workingSetBytes: number } };
  pods: PodStats[];
}

function nodeMetrics(node: KubeObject, s: Summary): object {
  return {
    kind: 'NodeMetrics',
    apiVersion: METRICS_GROUP_VERSION,
    metadata: { name: node.metadata.name, creationTimestamp: new Date().toISOString(), labels: node.metadata.labels ?? {} },
    timestamp: s.node.cpu!.time,
    window: windowOf(s.node.cpu!),
    usage: usage(s.node.cpu!, s.node.memory.workingSetBytes),
  };
}

function podMetrics(pod: KubeObject, s: PodStats): KubeObject {
  return {
    kind: 'PodMetrics',
    apiVersion: METRICS_GROUP_VERSION,
    metadata: { name: pod.metadata.name, namespace: pod.metadata.namespace, creationTimestamp: new Date().toISOString(), labels: pod.metadata.labels ?? {} },
    timestamp: s.cpu!.time,
    window: windowOf(s.cpu!),
    containers: s.containers.filter((c) => c.cpu).map((c) => ({ name: c.name, usage: usage(c.cpu!, c.memory.workingSetBytes) })),
  };
}

/** Quantities as metrics-server writes them: CPU in nano-cores, memory in KiB. */
function usage(cpu: Cpu, workingSetBytes: number): { cpu: string; memory: string } {
  return { cpu: `${Math.max(0, Math.round(cpu.usageNanoCores))}n`, memory: `${Math.max(0, Math.round(workingSetBytes / 1024))}Ki` };
}

function windowOf(cpu: Cpu): string {
  return `${Math.max(1, Math.round(cpu.windowSeconds ?? 10))}s`;
}

/** Each node's summary, asked in parallel; a node whose agent cannot be reached is missing from the map. */
async function summariesOf(nodes: KubeObject[]): Promise<Map<string, Summary>> {
  const out = new Map<string, Summary>();
  await Promise.all(
    nodes.map(async (node) => {
      const endpoint = nodeAgentEndpoint(node);
      if (!endpoint) return;
      const summary = await getJson<Summary>(endpoint.host, endpoint.port, '/stats/summary').catch(() => undefined);
      if (summary) out.set(node.metadata.name!, summary);
    }),
  );
  return out;
}

function getJson<T>(host: string, port: number, path: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const req = request({ host, port, path, method: 'GET', timeout: AGENT_TIMEOUT_MS }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        if ((res.statusCode ?? 500) >= 400) return reject(new Error(`HTTP ${res.statusCode}`));
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as T);
        } catch (err) {
          reject(err as Error);
        }
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}
