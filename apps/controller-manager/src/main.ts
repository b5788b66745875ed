import { readFileSync } from 'node:fs';
import pino from 'pino';
import { createEventBus } from '@logbook/bus';
import { HttpClusterClient, componentConnection } from '@logbook/client';
import { ControllerHost } from '@logbook/components';
import { controllerManagerControllers, stopOnSignals } from '@logbook/cluster';
import { parseEventTtl } from '@logbook/controllers';
import { DEFAULT_HEALTH_PORTS, createMetricsRegistry, healthListenOptions, startHealthServer } from '@logbook/observability';

/**
 * The controller manager as its own process (distributed mode): every controller of
 * docs/architecture.md, each its own consumer group, writing through the API server.
 *   LOGBOOK_BUS                   kafka://host:port[,host:port] or embedded:<dir>   (required)
 *   LOGBOOK_API                   API server URL, e.g. https://127.0.0.1:6443         (required)
 *   LOGBOOK_KUBECONFIG            a kubeconfig with the component's client certificate (instead of LOGBOOK_API, LOGBOOK_TOKEN, LOGBOOK_CA_FILE)
 *   LOGBOOK_TOKEN                 bearer token of the controller manager's identity
 *   LOGBOOK_CA_FILE               PEM of the cluster CA (also published in every namespace as kube-root-ca.crt)
 *   LOGBOOK_NODE_GRACE_PERIOD_MS  silence before a node is NotReady (40000)
 *   LOGBOOK_POD_EVICTION_SECONDS  eviction delay without a toleration (300)
 *   LOGBOOK_EVENT_TTL             Kubernetes Events are deleted this long after their last occurrence (1h)
 *   LOGBOOK_CLUSTER_CIDR          pod addresses; the node IPAM controller gives each Node a CIDR of it (10.244.0.0/16)
 *   LOGBOOK_NODE_CIDR_MASK_SIZE   prefix length of each Node's podCIDR (24)
 *   LOGBOOK_CLUSTER_SIGNING_CERT_FILE, LOGBOOK_CLUSTER_SIGNING_KEY_FILE
 *                                 the CA the CSR signer issues API client certificates with (kube's
 *                                 --cluster-signing-cert-file/--cluster-signing-key-file); unset: none are signed
 *   LOGBOOK_CLUSTER_SIGNING_DURATION  longest certificate it issues, a Go duration (8760h)
 *   LOGBOOK_TOPIC_PREFIX, LOG_LEVEL
 *   LOGBOOK_HEALTH_PORT           /healthz, /readyz and /metrics, default 10257 (0 picks a free one)
 *   LOGBOOK_HEALTH_HOST           default 127.0.0.1
 * SIGTERM/SIGINT finish the reconciles in flight, leave the groups and exit 0.
 */
async function main(): Promise<void> {
  const log = pino({ name: 'controller-manager', level: process.env.LOG_LEVEL ?? 'info' });
  const busUrl = process.env.LOGBOOK_BUS;
  const api = componentConnection(process.env);
  const server = api?.server;
  if (!busUrl || !api) {
    log.error('LOGBOOK_BUS and LOGBOOK_API (or LOGBOOK_KUBECONFIG) are required, e.g. LOGBOOK_BUS=kafka://127.0.0.1:9092 LOGBOOK_API=https://127.0.0.1:6443');
    process.exit(2);
  }
  let eventTtlMs: number | undefined;
  try {
    eventTtlMs = process.env.LOGBOOK_EVENT_TTL ? parseEventTtl(process.env.LOGBOOK_EVENT_TTL, 'LOGBOOK_EVENT_TTL') : undefined;
  } catch (err) {
    log.error((err as Error).message);
    process.exit(2);
  }
  const client = new HttpClusterClient(api);
  const bus = createEventBus(busUrl);
  const controllers = controllerManagerControllers({
    nodeGracePeriodMs: Number(process.env.LOGBOOK_NODE_GRACE_PERIOD_MS ?? 40_000),
    defaultEvictionSeconds: Number(process.env.LOGBOOK_POD_EVICTION_SECONDS ?? 300),
    hpaSyncPeriodMs: Number(process.env.LOGBOOK_HPA_SYNC_PERIOD_MS ?? 15_000),
    eventTtlMs,
    clusterCidr: process.env.LOGBOOK_CLUSTER_CIDR || undefined,
    nodeCidrMaskSize: process.env.LOGBOOK_NODE_CIDR_MASK_SIZE ? Number(process.env.LOGBOOK_NODE_CIDR_MASK_SIZE) : undefined,
    rootCaPem: api.ca,
    clusterSigning: signingCa(),
  });
  const registry = createMetricsRegistry('controller-manager');
  const host = new ControllerHost({ bus, client, controllers, log, topicPrefix: process.env.LOGBOOK_TOPIC_PREFIX ?? '', registry });
  // Up before the host starts: /readyz answers 503 while the consumers join their groups.
  const health = await startHealthServer({ ...healthListenOptions(process.env, DEFAULT_HEALTH_PORTS['controller-manager']), registry, ready: () => host.ready, notReadyReason: 'the controllers have not joined their consumer groups yet' });
  log.info({ url: health.url }, 'health server listening');

  stopOnSignals(log, async () => {
    await host.stop();
    await bus.close();
    client.close();
    await health.close();
  });

  await host.start();
  log.info({ bus: busUrl, api: server, controllers: controllers.map((c) => c.name) }, 'controller manager running');
}

function signingCa(): { certPem: string; keyPem: string; durationMs?: number } | undefined {
  const certFile = process.env.LOGBOOK_CLUSTER_SIGNING_CERT_FILE;
  const keyFile = process.env.LOGBOOK_CLUSTER_SIGNING_KEY_FILE;
  if (!certFile || !keyFile) return undefined;
  const duration = process.env.LOGBOOK_CLUSTER_SIGNING_DURATION;
  return { certPem: readFileSync(certFile, 'utf8'), keyPem: readFileSync(keyFile, 'utf8'), ...(duration ? { durationMs: parseEventTtl(duration, 'LOGBOOK_CLUSTER_SIGNING_DURATION') } : {}) };
}

main().catch((error) => {
  console.error(JSON.stringify({ level: 50, msg: 'controller manager failed to start', err: String(error?.stack ?? error) }));
  process.exit(1);
});
