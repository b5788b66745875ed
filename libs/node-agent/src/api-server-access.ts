import { type Server, type Socket, connect, createServer } from 'node:net';

/** The names a pod resolves to the API server (as kube's `kubernetes` Service's DNS names). */
export const KUBERNETES_NAMES = ['kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local'] as const;

/** Where a pod's in-cluster clients reach the API server. */
export interface ApiServerEndpoint {
  /** KUBERNETES_SERVICE_HOST: an address or a name the pod resolves. */
  readonly host: string;
  readonly port: number;
  /** The IP behind `host` (KUBERNETES_PORT_<port>_TCP_ADDR). */
  readonly address: string;
}

/**
 * How pods of this node reach the API server: the endpoint their `KUBERNETES_SERVICE_*`
 * variables name, and the /etc/hosts lines that make it resolve. Service ClusterIPs are host
 * loopback addresses, out of reach from a pod's network namespace, so this stands in for the
 * `kubernetes` Service's ClusterIP (docs/security.md "Service accounts inside pods").
 */
export interface ApiServerAccess {
  /** For a pod whose sandbox exists (the relay, when there is one, is listening once this resolves). */
  endpoint(): Promise<ApiServerEndpoint>;
  /** Host aliases for a new sandbox. */
  hostAliases(): { ip: string; hostnames: string[] }[];
  close(): Promise<void>;
}

/** Host processes (the process runtime) reach the API server where it listens. */
export function directApiServerAccess(apiServerUrl: string): ApiServerAccess {
  const url = new URL(apiServerUrl);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const endpoint = { host, port: Number(url.port || 443), address: host };
  return { endpoint: async () => endpoint, hostAliases: () => [], close: async () => undefined };
}

/** The gateway host-local gives a pod network: the first address of the node's podCIDR. */
export function podGateway(podCIDR: string): string {
  const [base] = podCIDR.split('/');
  const n = base.split('.').reduce((acc, o) => acc * 256 + Number(o), 0) + 1;
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

/** The port pods dial, as kube's `kubernetes` Service's. */
export const RELAY_PORT = 443;

/**
 * A TCP relay on the pod bridge's gateway address (the host side of the pod network, never a
 * wildcard address) to the API server: TLS passes through untouched, and pods verify the API
 * server's certificate for `kubernetes.default.svc`, which its /etc/hosts maps to the gateway.
 * The bridge appears with the node's first sandbox, so the relay binds lazily (and again after
 * the agent restarts next to running pods).
 */
export class ApiServerRelay implements ApiServerAccess {
  private gateway?: string;
  private server?: Server;
  private listening?: Promise<void>;
  private readonly sockets = new Set<Socket>();
  private readonly target: { host: string; port: number };

  /** `port` 0 picks a free one (tests). */
  constructor(
    apiServerUrl: string,
    private readonly port = RELAY_PORT,
  ) {
    const url = new URL(apiServerUrl);
    this.target = { host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port || 443) };
  }

  /** The node's podCIDR is known: binds now when the bridge is already up (a restarted agent). */
  configure(podCIDR: string): void {
    this.gateway = podGateway(podCIDR);
    void this.listen().catch(() => undefined);
  }

  async endpoint(): Promise<ApiServerEndpoint> {
    await this.listen();
    const port = (this.server?.address() as { port?: number } | null)?.port ?? this.port;
    return { host: 'kubernetes.default.svc', port, address: this.gateway! };
  }

  hostAliases(): { ip: string; hostnames: string[] }[] {
    return this.gateway ? [{ ip: this.gateway, hostnames: [...KUBERNETES_NAMES] }] : [];
  }

  private listen(): Promise<void> {
    if (!this.gateway) return Promise.reject(new Error('the pod network is not configured yet (no podCIDR)'));
    this.listening ??= new Promise<void>((resolve, reject) => {
      const server = createServer((pod) => this.relay(pod));
      server.once('error', (err) => {
        this.listening = undefined;
        reject(new Error(`cannot listen for pods on ${this.gateway}:${this.port} (the API server relay): ${err.message}`, { cause: err }));
      });
      server.listen(this.port, this.gateway, () => {
        this.server = server;
        resolve();
      });
    });
    return this.listening;
  }

  private relay(pod: Socket): void {
    const api = connect(this.target.port, this.target.host);
    for (const s of [pod, api]) {
      this.sockets.add(s);
      s.setNoDelay(true);
      s.on('error', () => {
        pod.destroy();
        api.destroy();
      });
      s.on('close', () => {
        this.sockets.delete(s);
        (s === pod ? api : pod).end();
      });
    }
    pod.pipe(api);
    api.pipe(pod);
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    this.listening = undefined;
    for (const s of this.sockets) s.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
