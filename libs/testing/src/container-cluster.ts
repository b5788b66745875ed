import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { bridgeNameFor, containerdSocketPath, linkExists, mountsUnder, shimsOf } from '@logbook/runtime';
import { freeClusterCIDR } from './container-kit';
import { eventually } from './eventually';
import { kubectl } from './kubectl';
import { type LogbookProcess, runLogbook, startLogbook } from './logbook-process';

/** A `logbook up` whose node agent runs pods as containers, with its own registry and cluster CIDR. */
export interface ContainerCluster extends LogbookProcess {
  readonly clusterCIDR: string;
  /** host:port of the registry `up --registry` started. */
  readonly registry: string;
  /** kubectl with this cluster's kubeconfig and a discovery cache of its own; throws on a non-zero exit. */
  ok(args: string[], input?: string): Promise<string>;
  json(args: string[]): Promise<any>;
  /**
   * Starts `logbook up` again on the same data directory, flags and cluster CIDR (after this one
   * stopped or was killed): the node agent adopts what its containerd still runs.
   */
  restart(): Promise<ContainerCluster>;
}

/**
 * Starts `logbook up --runtime containerd --registry` on free ports and a cluster CIDR no other
 * test uses (blackholed by the node agent before its first sandbox). `extra` adds flags, `env`
 * environment variables of `logbook up` (e.g. LOGBOOK_VOLUME_RESYNC_MS).
 */
export async function startContainerCluster(
  dataDir: string,
  cacheDir: string,
  extra: string[] = [],
  env: Record<string, string> = {},
  clusterCIDR = freeClusterCIDR(),
): Promise<ContainerCluster> {
  const up = await startLogbook(
    dataDir,
    ['--node-agent', '--node-agent-port', '0', '--runtime', 'containerd', '--registry', '--registry-address', '127.0.0.1:0', '--cluster-cidr', clusterCIDR, ...extra],
    { LOGBOOK_RUNTIME: 'containerd', ...env },
  ).catch(async (err: Error) => {
    // A start that failed half-way may have left a containerd, its sandboxes and a route behind.
    const down = await runLogbook(['down', '--data-dir', dataDir]);
    throw new Error(`${err.message}\n(containerd's log: ${join(dataDir, 'node', 'containerd', 'containerd.log')}; logbook down: ${down.stdout.trim()})`);
  });
  // Printed just after the URL startLogbook waited for: it may still be in the pipe.
  const registry = await eventually(
    () => {
      const printed = /Image registry at (\S+)/.exec(up.output())?.[1];
      if (!printed) throw new Error(`not printed yet; its output so far:\n${up.output()}`);
      return printed;
    },
    { timeoutMs: 10_000, what: 'logbook up to print its registry' },
  );
  const ok = async (args: string[], input?: string) => {
    const r = await kubectl(up.kubeconfig, args, { input, cacheDir });
    if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
    return r.stdout;
  };
  return {
    ...up,
    clusterCIDR,
    registry,
    ok,
    json: async (args) => JSON.parse(await ok([...args, '-o', 'json'])),
    restart: () => startContainerCluster(dataDir, cacheDir, extra, env, clusterCIDR),
  };
}

/** Pods labelled app=<app> that are Running with every container ready. */
export async function readyPods(c: ContainerCluster, app: string, count: number, timeoutMs = 120_000): Promise<any[]> {
  let last: any[] = [];
  return eventually(
    async () => {
      const pods: any[] = (last = (await c.json(['get', 'pods', '-l', `app=${app}`])).items);
      const ready = pods.filter((p) => !p.metadata.deletionTimestamp && p.status?.phase === 'Running' && (p.status.containerStatuses ?? []).every((s: any) => s.ready));
      return ready.length === count && ready;
    },
    { timeoutMs, intervalMs: 500, what: `${count} ready pods of app=${app}` },
  ).catch((err: Error) => {
    // What the pods said last is what a failed run needs to be understood.
    const states = last.map((p) => `${p.metadata.name}: ${p.status?.phase} ${JSON.stringify(p.status?.containerStatuses?.map((s: any) => s.state))}`);
    throw new Error(`${err.message}\n${states.join('\n')}`);
  });
}

/**
 * What containerd nodes left on the host after `logbook down`: shims, mounts, netns, bridges,
 * routes. `stateDirs` are the nodes' state directories: the embedded `<dataDir>/node` unless
 * given (a distributed cluster's are `<dataDir>/nodes/<name>`).
 */
/**
 * A container cluster's teardown: `logbook down`, then `up` stopped. Fails when down failed or
 * left anything on the host (a process, socket, mount, netns, bridge or route).
 */
export async function removeContainerCluster(c: ContainerCluster, dataDir: string): Promise<void> {
  const down = await runLogbook(['down', '--data-dir', dataDir]);
  await c.stop();
  if (down.code !== 0) throw new Error(`logbook down exited ${down.code}: ${down.stderr || down.stdout}`);
  const left = hostLeftovers(dataDir, c.clusterCIDR);
  if (left.length > 0) throw new Error(`left on the host after logbook down: ${left.join(', ')}`);
}

export function hostLeftovers(dataDir: string, clusterCIDR: string, stateDirs: readonly string[] = [join(dataDir, 'node')]): string[] {
  const left: string[] = [];
  const cmdlines = execFileSync('sh', ['-c', 'cat /proc/[0-9]*/cmdline 2>/dev/null | tr "\\0" " "; true'], { encoding: 'utf8' });
  for (const stateDir of stateDirs) {
    const dir = resolve(stateDir, 'containerd');
    const socket = containerdSocketPath(dir);
    if (existsSync(socket)) left.push(`socket ${socket}`);
    if (shimsOf(socket).length) left.push(`shims of ${socket}`);
    if (cmdlines.includes(join(dir, 'config.toml'))) left.push(`containerd of ${stateDir} still running`);
    const bridge = bridgeNameFor(dir);
    if (linkExists(bridge)) left.push(`bridge ${bridge}`);
  }
  if (cmdlines.includes(join(resolve(dataDir), 'registry', 'config.yml'))) left.push('image registry still running');
  const mounts = mountsUnder([dataDir]);
  if (mounts.length) left.push(`mounts ${mounts.join(', ')}`);
  const netns = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).trim();
  if (/cni-/.test(netns)) left.push(`ip netns: ${netns}`);
  const routes = execFileSync('ip', ['route', 'show', clusterCIDR], { encoding: 'utf8' }).trim();
  if (routes) left.push(`routes: ${routes}`);
  return left;
}

/** busybox's httpd serving the pod's own name on 8080, so an answer tells which pod it came from. */
export const HOSTNAME_WEB = ['sh', '-c', 'mkdir -p /www && hostname > /www/index.html && exec httpd -f -p 8080 -h /www'];

/** A Deployment `app` of `replicas` HOSTNAME_WEB pods (ready once httpd answers) and a Service on port 80 in front of them. */
export function webWorkload(app: string, replicas: number): { apiVersion: 'v1'; kind: 'List'; items: any[] } {
  return {
    apiVersion: 'v1',
    kind: 'List',
    items: [
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: app, namespace: 'default' },
        spec: {
          replicas,
          selector: { matchLabels: { app } },
          template: {
            metadata: { labels: { app } },
            spec: {
              terminationGracePeriodSeconds: 2,
              containers: [{ name: 'web', image: 'busybox', command: HOSTNAME_WEB, ports: [{ containerPort: 8080 }], readinessProbe: { httpGet: { path: '/', port: 8080 }, periodSeconds: 1, timeoutSeconds: 5 } }],
            },
          },
        },
      },
      { apiVersion: 'v1', kind: 'Service', metadata: { name: app, namespace: 'default' }, spec: { selector: { app }, ports: [{ port: 80, targetPort: 8080 }] } },
    ],
  };
}
