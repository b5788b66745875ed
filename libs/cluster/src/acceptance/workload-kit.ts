import { request } from 'node:http';
import { join, resolve } from 'node:path';
import { InProcessClusterClient, componentUser } from '@logbook/apiserver';
import { ProcessRuntime } from '@logbook/runtime';
import type { KubeObject } from '@logbook/kube';
import { NodeAgent, type NodeAgentOptions } from '@logbook/node-agent';
import { deploymentManifest, eventually } from '@logbook/testing';
import { type AcceptanceCluster, podReady } from './harness';

/** The node-agent fixture: an HTTP server on $POD_IP:$PORT that names its pod in each answer. */
export const HTTP_SERVER = resolve(__dirname, '../../../node-agent/test-fixtures/http-server.js');

/** The fixture as a container listening on `port`, Ready once the port accepts; `more` adds or replaces fields. */
export function httpServerContainer(port: number, more: Record<string, unknown> = {}) {
  return {
    name: 'web',
    image: 'node:24', // recorded, not pulled: the process runtime runs `command`
    command: [process.execPath, HTTP_SERVER],
    env: [
      { name: 'PORT', value: String(port) },
      { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    ],
    ports: [{ containerPort: port }],
    readinessProbe: { tcpSocket: { port }, periodSeconds: 1, timeoutSeconds: 5 }, // generous: agents under test may scale a probe second down to 100 ms
    ...more,
  };
}

/** A Deployment `app` of fixture HTTP servers on `port` (3 replicas unless told). */
export function httpServerDeployment(app: string, port: number, options: { replicas?: number; terminationGracePeriodSeconds?: number; container?: Record<string, unknown> } = {}) {
  const { replicas = 3, terminationGracePeriodSeconds = 2, container } = options;
  return deploymentManifest(app, replicas, { terminationGracePeriodSeconds, containers: [httpServerContainer(port, container)] });
}

/** A Service `app` on port 80 in front of the pods labelled app=<app>, listening on `port`. */
export const httpService = (app: string, port: number) => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: app, namespace: 'default' },
  spec: { selector: { app }, ports: [{ port: 80, targetPort: port }] },
});

/** Waits until `list` gives exactly `n` pods, not terminating, every one Running and Ready; resolves to them. */
export function podsRunningAndReady(list: () => KubeObject[] | Promise<KubeObject[]>, n: number, options: { timeoutMs: number; intervalMs?: number }): Promise<KubeObject[]> {
  return eventually(
    async () => {
      const pods = (await list()).filter((p) => !p.metadata.deletionTimestamp);
      return pods.length === n && pods.every((p) => p.status?.phase === 'Running' && podReady(p)) && pods;
    },
    { ...options, what: `${n} pods Running and Ready` },
  );
}

/** A port per test file, so parallel files binding the same pod IP never clash. */
export const randomPort = (): number => 20_000 + Math.floor(Math.random() * 20_000);

/** A /24 of pod IPs per runtime, away from the default 127.1.0.0/16. */
export const randomAddressRange = (): string => `127.${4 + Math.floor(Math.random() * 40)}.${1 + Math.floor(Math.random() * 250)}.0/24`;

/** One GET with keep-alive off; rejects on a connection error or a timeout. */
export function httpGet(host: string, port: number, path = '/', timeoutMs = 3_000): Promise<{ code: number; body: string }> {
  return new Promise((ok, fail) => {
    const req = request({ host, port, path, agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => ok({ code: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`timeout ${host}:${port}`)));
    req.on('error', fail);
    req.end();
  });
}

/** `n` GETs, `concurrency` at a time: answers counted by body, failures by message. */
export async function getMany(host: string, port: number, n: number, concurrency = 10): Promise<{ answers: Map<string, number>; failures: string[] }> {
  const answers = new Map<string, number>();
  const failures: string[] = [];
  let left = n;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (left-- > 0) {
        try {
          const { body } = await httpGet(host, port);
          answers.set(body, (answers.get(body) ?? 0) + 1);
        } catch (err) {
          failures.push((err as Error).message);
        }
      }
    }),
  );
  return { answers, failures };
}

export const containerPid = (pod: KubeObject): number => Number(String(pod.status?.containerStatuses?.[0]?.containerID ?? '').replace('process://', ''));

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Pod processes outlive their agent by design: a test removes whatever is left in a state dir. */
export async function removeLeftoverSandboxes(stateDir: string): Promise<void> {
  const runtime = new ProcessRuntime({ stateDir, adoptPollMs: 100 });
  try {
    for (const s of await runtime.listSandboxes()) await runtime.removePodSandbox(s.uid);
  } finally {
    await runtime.close();
  }
}

export const nodeStateDir = (dataDir: string): string => join(dataDir, 'node');

/**
 * A started node agent of the acceptance cluster running pods as real processes, with its own
 * state dir and a random pod address range; `options` adds or overrides agent settings.
 */
export async function startProcessAgent(
  c: AcceptanceCluster,
  nodeName: string,
  stateDir: string,
  options: Partial<NodeAgentOptions> & { adoptPollMs?: number; addressRange?: string } = {},
): Promise<{ agent: NodeAgent; runtime: ProcessRuntime }> {
  const { adoptPollMs, addressRange, ...agentOptions } = options;
  const runtime = new ProcessRuntime({ stateDir, addressRange: addressRange ?? randomAddressRange(), ...(adoptPollMs ? { adoptPollMs } : {}) });
  const agent = new NodeAgent({
    client: new InProcessClusterClient(c.cluster.api.writer, c.cluster.projector, componentUser(`system:node:${nodeName}`)),
    bus: c.cluster.bus,
    runtime,
    nodeName,
    port: 0,
    heartbeatIntervalMs: 1_000,
    log: c.log,
    ...agentOptions,
  });
  await agent.start();
  return { agent, runtime };
}
