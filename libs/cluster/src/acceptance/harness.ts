import { request } from 'node:https';
import pino from 'pino';
import type { KubeObject } from '@logbook/kube';
import type { StoredEvent } from '@logbook/events';
import { InProcessClusterClient, componentUser } from '@logbook/apiserver';
import { HollowNodes, type RunningHollowNodes } from '@logbook/hollow';
import { kubectl, makeTmpDir, type KubectlResult } from '@logbook/testing';
import { startEmbeddedCluster, type EmbeddedCluster } from '../embedded-cluster';
import type { ComponentsOptions } from '../components';

/**
 * One in-process cluster per acceptance file (fresh data dir, the scheduler, the controller
 * manager and hollow nodes), driven by real kubectl with its own discovery cache.
 */
export interface AcceptanceCluster {
  readonly cluster: EmbeddedCluster;
  readonly log: pino.Logger;
  /** Runs kubectl against the cluster; fails the test on a non-zero exit unless `allowFailure`. */
  kubectl(args: string[], opts?: { input?: string; allowFailure?: boolean; timeoutMs?: number }): Promise<KubectlResult>;
  /** Starts extra hollow nodes with their own name prefix, kubelet consumer group and addresses. */
  addHollowNodes(namePrefix: string, opts: { count?: number; cpu?: string; memory?: string; heartbeatIntervalMs?: number; jobPodRunMs?: number }): Promise<RunningHollowNodes>;
  close(): Promise<void>;
}

export async function startAcceptanceCluster(componentOptions: ComponentsOptions): Promise<AcceptanceCluster> {
  const dir = makeTmpDir('logbook-acceptance-');
  const cache = makeTmpDir('kubectl-cache-');
  const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'warn' });
  const cluster = await startEmbeddedCluster({ dataDir: dir.path, port: 0, logger: log, componentOptions });
  const extra: RunningHollowNodes[] = [];
  return {
    cluster,
    log,
    async kubectl(args, opts = {}) {
      const result = await kubectl(cluster.kubeconfig, args, { input: opts.input, cacheDir: cache.path, timeoutMs: opts.timeoutMs });
      if (!opts.allowFailure && result.code !== 0) throw new Error(`kubectl ${args.join(' ')} exited ${result.code}:\n${result.stderr}${result.stdout}`);
      return result;
    },
    async addHollowNodes(namePrefix, opts) {
      const nodes = await HollowNodes.start({
        bus: cluster.bus,
        client: new InProcessClusterClient(cluster.api.writer, cluster.projector, componentUser(`system:node:${namePrefix}`)),
        log,
        count: opts.count ?? 1,
        namePrefix,
        // Agents sharing a bus need their own consumer group and their own address range.
        controllerName: `hollow-kubelet-${namePrefix.replace(/-$/, '')}`,
        firstIndex: 100 * (extra.length + 1),
        cpu: opts.cpu,
        memory: opts.memory,
        heartbeatIntervalMs: opts.heartbeatIntervalMs ?? componentOptions.hollowHeartbeatMs,
        jobPodRunMs: opts.jobPodRunMs,
      });
      extra.push(nodes);
      return nodes;
    },
    async close() {
      for (const nodes of extra) await nodes.stop();
      await cluster.close();
      dir.remove();
      cache.remove();
    },
  };
}

export const podReady = (pod: KubeObject): boolean => pod.status?.conditions?.some((c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True') ?? false;

/** Pods in `namespace` carrying every label of `labels` (what a Deployment's selector matches). */
export function podsWithLabels(cluster: EmbeddedCluster, namespace: string, labels: Record<string, string>): KubeObject[] {
  return cluster.projector.state.list('Pod', { namespace }).filter((p) => Object.entries(labels).every(([k, v]) => p.metadata.labels?.[k] === v));
}

export const readStream = (cluster: EmbeddedCluster, stream: string): Promise<StoredEvent[]> => cluster.store.readStream(stream);

/** Collects violations from a check run on every applied change; `assertNone()` fails with the first ones. */
export class InvariantWatch {
  readonly violations: string[] = [];
  checked = 0;
  private off?: () => void;

  constructor(
    private readonly cluster: EmbeddedCluster,
    private readonly check: (event: StoredEvent, change: { before?: KubeObject; after?: KubeObject }) => string | undefined,
  ) {}

  start(): this {
    this.off = this.cluster.projector.onApplied((event, change) => {
      this.checked++;
      const problem = this.check(event, change);
      if (problem) this.violations.push(`at position ${event.position} (${event.type} ${event.stream}): ${problem}`);
    });
    return this;
  }

  stop(): void {
    this.off?.();
  }

  assertNone(): void {
    if (this.violations.length) throw new Error(`${this.violations.length} invariant violation(s):\n${this.violations.slice(0, 10).join('\n')}`);
  }
}

/** One HTTPS request to the cluster's API server, as the admin unless `token` says otherwise; the answer's code and JSON body. */
export function apiCall(t: AcceptanceCluster, method: string, path: string, body?: Buffer, contentType = 'application/json', token = t.cluster.adminToken): Promise<{ code: number; body: any }> {
  return new Promise((resolve, reject) => {
    const req = request(
      new URL(path, t.cluster.url),
      {
        method,
        rejectUnauthorized: false,
        headers: { Authorization: `Bearer ${token}`, Accept: 'application/json', ...(body ? { 'Content-Type': contentType, 'Content-Length': body.length } : {}) },
      },
      (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ code: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
