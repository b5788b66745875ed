import { Agent, createServer, request, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type CachedChange, type ClusterClient, ClientError, type ComponentLogger, type Controller, type ObjectCache, type ReconcileContext, type ReconcileResult, keyOf, splitKey } from '@logbook/components';
import type { KubeObject } from '@logbook/kube';
import { type Backend, RoundRobin, backendsFor } from './backends';
import { DEFAULT_CLASS_ANNOTATION, EMPTY_ROUTES, INGRESS_CONTROLLER_NAME, type IngressTarget, type RouteTable, buildRoutes, resolveRoute, servesIngress } from './ingress-routes';

/** Where the ingress listener binds unless told otherwise (`--ingress-address`, LOGBOOK_INGRESS_ADDRESS). */
export const DEFAULT_INGRESS_ADDRESS = '127.0.0.1:8080';
/** The IngressClass created on first start, default for Ingresses without a class. */
export const DEFAULT_INGRESS_CLASS = 'logbook';

export interface IngressControllerOptions {
  /** Names the controller (`ingress-<nodeName>`): every proxy routes every Ingress, as with Services. */
  readonly nodeName: string;
  /** `host:port` of the HTTP listener; port 0 picks a free one (status reports the real one). */
  readonly address: string;
  readonly log: ComponentLogger;
}

const REBIND_AFTER_MS = 5_000;
/** RFC 9110 §7.6.1 hop-by-hop headers: they describe one connection and are not forwarded. */
const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade'];

export function parseListenAddress(address: string): { host: string; port: number } {
  const i = address.lastIndexOf(':');
  const host = i > 0 ? address.slice(0, i).replace(/^\[|\]$/g, '') : '';
  const port = Number(address.slice(i + 1));
  if (!host || !Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`ingress address must be host:port (e.g. ${DEFAULT_INGRESS_ADDRESS}; port 0 picks a free one), not "${address}"`);
  return { host, port };
}

function forwardable(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const named = String(headers.connection ?? '')
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter(Boolean);
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined && !HOP_BY_HOP.includes(k) && !named.includes(k)) out[k] = v;
  return out;
}

/**
 * The ingress controller of the `logbook.io/ingress` class, in the service proxy's process: one
 * HTTP listener routes by Host and path (./ingress-routes) to the ready endpoints of the matched
 * Service port, round-robin. `reconcile` rebuilds the route table from the cache and writes the
 * listener's address into the Ingress's status; Service and Endpoints are read from the cache
 * per request, so endpoint changes apply without a reconcile. The route table is swapped
 * atomically: in-flight requests finish on the backend they were sent to.
 */
export class IngressController implements Controller {
  readonly name: string;
  readonly primaryKind = 'Ingress';
  readonly watches = ['Ingress', 'IngressClass', 'Service', 'Endpoints'] as const;
  readonly workers = 2;
  readonly eventSource = 'logbook-ingress-controller';
  private readonly server: Server;
  private readonly agent = new Agent({ keepAlive: true });
  private readonly balancers = new Map<string, RoundRobin>();
  private routes: RouteTable = EMPTY_ROUTES;
  private cache: ObjectCache | undefined;
  private bound: { host: string; port: number } | undefined;
  private rebindTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly o: IngressControllerOptions) {
    this.name = `ingress-${o.nodeName}`;
    parseListenAddress(o.address);
    this.server = createServer({ keepAlive: true }, (req, res) => this.handle(req, res));
  }

  /** The address the listener is bound to, once bound (`host:port`). */
  get address(): string | undefined {
    return this.bound ? `${this.bound.host}:${this.bound.port}` : undefined;
  }

  /** Binds the listener; on failure (address in use) logs what to do and keeps retrying in the background. */
  async listen(): Promise<void> {
    const { host, port } = parseListenAddress(this.o.address);
    try {
      await new Promise<void>((resolve, reject) => {
        this.server.once('error', reject);
        this.server.listen(port, host, () => {
          this.server.off('error', reject);
          resolve();
        });
      });
      this.bound = { host, port: (this.server.address() as AddressInfo).port };
      this.o.log.info({ address: this.address }, 'ingress listening');
    } catch (err) {
      if (this.stopped) return;
      this.o.log.error({ address: this.o.address, err: (err as Error).message }, `ingress could not listen; retrying every ${REBIND_AFTER_MS / 1000} s (free the address or pick another with --ingress-address / LOGBOOK_INGRESS_ADDRESS)`);
      this.rebindTimer = setTimeout(() => void this.listen(), REBIND_AFTER_MS);
      this.rebindTimer.unref();
    }
  }

  keysFor(change: CachedChange, cache: ObjectCache): string[] {
    this.cache = cache;
    const obj = (change.after ?? change.before)!;
    if (obj.kind === 'Ingress') return [keyOf(obj)];
    // A class change can take Ingresses in or out of service; Services and Endpoints are read per request.
    if (obj.kind === 'IngressClass') return cache.list('Ingress').map(keyOf);
    return [];
  }

  async reconcile(key: string, ctx: ReconcileContext): Promise<ReconcileResult> {
    if (this.stopped) return;
    this.cache = ctx.cache;
    const classes = ctx.cache.list('IngressClass');
    this.routes = buildRoutes(ctx.cache.list('Ingress'), classes);
    const { namespace, name } = splitKey(key);
    const ingress = ctx.cache.get('Ingress', namespace, name);
    if (!ingress || ingress.metadata.deletionTimestamp) return;
    if (!this.bound) return { requeueAfterMs: 1_000 }; // status waits for the listener's address
    const mine = { ip: this.bound.host, ports: [{ port: this.bound.port, protocol: 'TCP' }] };
    const current: any[] = ingress.status?.loadBalancer?.ingress ?? [];
    const isMine = (e: any) => e?.ip === mine.ip && e?.ports?.[0]?.port === mine.ports[0].port;
    const desired = servesIngress(ingress, classes) ? [mine] : current.filter((e) => !isMine(e));
    if (JSON.stringify(current) === JSON.stringify(desired)) return;
    try {
      await ctx.client.updateStatus({ ...ingress, status: { ...ingress.status, loadBalancer: desired.length > 0 ? { ingress: desired } : {} } }, ctx.cause);
      ctx.log.info({ ingress: key, address: desired.length > 0 ? this.address : undefined }, 'ingress status updated');
    } catch (err) {
      if (err instanceof ClientError && err.code === 404) return;
      if (err instanceof ClientError && err.isConflict) return { requeueAfterMs: 200 };
      throw err;
    }
  }

  /** Stops accepting, ends idle keep-alive connections and drops the rest. */
  async close(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.rebindTimer);
    this.agent.destroy();
    if (!this.server.listening) return;
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  /** The ready backends of a target, from the cache: undefined when the Service or its port does not exist. */
  private backends(t: IngressTarget): Backend[] | undefined {
    const service = this.cache?.get('Service', t.namespace, t.service);
    const sp = (service?.spec?.ports ?? []).find((p: any) => (typeof t.port === 'number' ? p?.port === t.port : p?.name === t.port));
    if (!sp) return undefined;
    return backendsFor(sp, this.cache?.get('Endpoints', t.namespace, t.service));
  }

  private pick(t: IngressTarget): Backend | undefined {
    const key = `${t.namespace}/${t.service}:${t.port}`;
    const rr = this.balancers.get(key) ?? new RoundRobin();
    this.balancers.set(key, rr);
    rr.set(this.backends(t) ?? []);
    return rr.next();
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const target = resolveRoute(this.routes, req.headers.host, req.url ?? '/');
    if (!target) return reply(res, 404, 'no Ingress rule matches this host and path (and no defaultBackend is set)\n');
    const backend = this.pick(target);
    if (!backend) {
      return reply(res, 503, `service ${target.namespace}/${target.service} port ${target.port} (ingress ${target.ingress}) has no ready endpoints\n`);
    }
    const headers = forwardable(req.headers);
    const client = req.socket.remoteAddress ?? '';
    const prior = req.headers['x-forwarded-for'];
    headers['x-forwarded-for'] = prior ? `${Array.isArray(prior) ? prior.join(', ') : prior}, ${client}` : client;
    headers['x-forwarded-proto'] = 'http';
    if (req.headers.host) headers['x-forwarded-host'] = req.headers.host;
    if (this.bound) headers['x-forwarded-port'] = String(this.bound.port);
    const upstream = request({ host: backend.ip, port: backend.port, method: req.method, path: req.url, headers, agent: this.agent }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.statusMessage, forwardable(up.headers));
      up.pipe(res);
    });
    upstream.on('error', (err) => {
      this.o.log.debug({ ingress: target.ingress, backend: `${backend.ip}:${backend.port}`, err: err.message }, 'ingress upstream failed');
      if (!res.headersSent) reply(res, 502, `service ${target.namespace}/${target.service} endpoint ${backend.ip}:${backend.port} failed: ${err.message}\n`);
      else res.destroy();
    });
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    req.pipe(upstream);
  }
}

function reply(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/**
 * Creates the `logbook` IngressClass (our controller) unless an IngressClass of that name exists;
 * run at the proxy's start. It is marked default unless another class already is (the cluster's
 * choice stands). Deleting it stops serving class-less Ingresses until the next start; set its
 * `is-default-class` to "false" to keep it without that role.
 */
export async function ensureDefaultIngressClass(client: ClusterClient, log: ComponentLogger): Promise<void> {
  try {
    if (client.getObject && (await client.getObject('IngressClass', undefined, DEFAULT_INGRESS_CLASS))) return;
    const others = client.listObjects ? (await client.listObjects('IngressClass')).items : [];
    const isDefault = !others.some((c) => c.metadata.annotations?.[DEFAULT_CLASS_ANNOTATION] === 'true');
    const cls: KubeObject = {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'IngressClass',
      metadata: { name: DEFAULT_INGRESS_CLASS, annotations: { [DEFAULT_CLASS_ANNOTATION]: String(isDefault) } },
      spec: { controller: INGRESS_CONTROLLER_NAME },
    };
    await client.create(cls, {});
    log.info({ ingressClass: DEFAULT_INGRESS_CLASS, default: isDefault }, 'IngressClass created');
  } catch (err) {
    if (err instanceof ClientError && err.isConflict) return;
    log.warn({ err: (err as Error).message }, `could not create the ${DEFAULT_INGRESS_CLASS} IngressClass; create it with controller ${INGRESS_CONTROLLER_NAME} to serve Ingresses`);
  }
}
