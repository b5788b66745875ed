import { hostname } from 'node:os';
import pino from 'pino';
import { stopOnSignals } from '@logbook/cluster';
import { createEventBus } from '@logbook/bus';
import { HttpClusterClient, componentConnection } from '@logbook/client';
import { DEFAULT_INGRESS_ADDRESS, ServiceProxy } from '@logbook/proxy';
import { DEFAULT_HEALTH_PORTS, createMetricsRegistry, healthListenOptions, startHealthServer } from '@logbook/observability';

/**
 * The service proxy (kube-proxy) as its own process:
 *   LOGBOOK_BUS           bus URL: kafka://host:port[,host:port] or embedded:<dir>   (required)
 *   LOGBOOK_API           API server URL, e.g. https://127.0.0.1:6443                 (required)
 *   LOGBOOK_KUBECONFIG            a kubeconfig with the component's client certificate (instead of LOGBOOK_API, LOGBOOK_TOKEN, LOGBOOK_CA_FILE)
 *   LOGBOOK_TOKEN         bearer token of the proxy's identity
 *   LOGBOOK_CA_FILE       PEM of the CA that signed the API server's certificate
 *   LOGBOOK_NODE_NAME     the node this proxy serves (names its consumer group); default: hostname
 *   LOGBOOK_NODE_ADDRESS  where NodePort Services listen, default 127.0.0.1
 *   LOGBOOK_INGRESS_ADDRESS  host:port of the ingress controller's HTTP listener, default 127.0.0.1:8080;
 *                        "off" runs none
 *   LOGBOOK_TOPIC_PREFIX  prepended to every topic name, default ''
 *   LOGBOOK_HEALTH_PORT   /healthz, /readyz and /metrics, default 10256 (0 picks a free one)
 *   LOGBOOK_HEALTH_HOST   default 127.0.0.1
 * Logs JSON lines; SIGTERM/SIGINT close the listeners and consumers and exit 0.
 */
async function main(): Promise<void> {
  const log = pino({ name: 'proxy', level: process.env.LOG_LEVEL ?? 'info' });
  const busUrl = process.env.LOGBOOK_BUS;
  const api = componentConnection(process.env);
  const server = api?.server;
  if (!busUrl || !api) {
    log.error('LOGBOOK_BUS and LOGBOOK_API (or LOGBOOK_KUBECONFIG) are required, e.g. LOGBOOK_BUS=kafka://127.0.0.1:9092 LOGBOOK_API=https://127.0.0.1:6443');
    process.exit(2);
  }
  const nodeName = process.env.LOGBOOK_NODE_NAME || hostname();
  const client = new HttpClusterClient(api);
  const bus = createEventBus(busUrl);
  const registry = createMetricsRegistry('proxy');
  let ready = () => false;
  // Up before the proxy starts: /readyz answers 503 while its consumers join their groups.
  const health = await startHealthServer({ ...healthListenOptions(process.env, DEFAULT_HEALTH_PORTS.proxy), registry, ready: () => ready(), notReadyReason: 'the proxy has not joined its consumer groups yet' });
  log.info({ url: health.url }, 'health server listening');
  const proxy = await ServiceProxy.start({
    bus,
    client,
    log,
    nodeName,
    nodeAddress: process.env.LOGBOOK_NODE_ADDRESS || undefined,
    topicPrefix: process.env.LOGBOOK_TOPIC_PREFIX ?? '',
    registry,
    ingressAddress: process.env.LOGBOOK_INGRESS_ADDRESS === 'off' ? undefined : process.env.LOGBOOK_INGRESS_ADDRESS || DEFAULT_INGRESS_ADDRESS,
  });
  ready = () => proxy.host.ready;

  stopOnSignals(log, async () => {
    await proxy.stop();
    await bus.close();
    client.close();
    await health.close();
  });
  log.info({ bus: busUrl, api: server, nodeName }, 'proxy running');
}

main().catch((error) => {
  console.error(JSON.stringify({ level: 50, msg: 'proxy failed to start', err: String(error?.stack ?? error) }));
  process.exit(1);
});
