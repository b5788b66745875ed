import { type CachedChange, type ComponentLogger, type Controller, type ReconcileContext, type ReconcileResult, keyOf, splitKey } from '@logbook/components';
import { type ListenerSpec, listenersFor } from './backends';
import { PortListener } from './port-listener';

export interface ServiceProxyControllerOptions {
  /** Names the controller (`proxy-<nodeName>`), so each proxy is its own consumer group and owns every Service. */
  readonly nodeName: string;
  /** Where NodePort Services listen; default 127.0.0.1. */
  readonly nodeAddress?: string;
  readonly log: ComponentLogger;
}

/** Bind failures are retried by the host with back-off; this is the upper bound between attempts. */
const REBIND_AFTER_MS = 5_000;

/**
 * kube-proxy as a controller: `reconcile(serviceKey)` makes this process's listeners match the
 * Service and its Endpoints (same name). Unlike other controllers every replica must act on
 * every key, so the name is unique per proxy instance: each proxy's consumer group owns all
 * partitions. Nothing is written to the API.
 */
export class ServiceProxyController implements Controller {
  readonly name: string;
  readonly primaryKind = 'Service';
  readonly watches = ['Service', 'Endpoints'] as const;
  readonly workers = 4;
  private readonly nodeAddress: string;
  /** Service key → `host:port` → listener. */
  private readonly listeners = new Map<string, Map<string, PortListener>>();
  private stopped = false;

  constructor(private readonly o: ServiceProxyControllerOptions) {
    this.name = `proxy-${o.nodeName}`;
    this.nodeAddress = o.nodeAddress ?? '127.0.0.1';
  }

  keysFor(change: CachedChange): string[] {
    return [keyOf((change.after ?? change.before)!)];
  }

  async reconcile(key: string, ctx: ReconcileContext): Promise<ReconcileResult> {
    if (this.stopped) return;
    const { namespace, name } = splitKey(key);
    const service = ctx.cache.get('Service', namespace, name);
    const endpoints = ctx.cache.get('Endpoints', namespace, name);
    const desired = new Map<string, ListenerSpec>(listenersFor(service, endpoints, this.nodeAddress).map((l) => [`${l.host}:${l.port}`, l]));
    const current = this.listeners.get(key) ?? new Map<string, PortListener>();

    for (const [addr, listener] of current) {
      if (desired.has(addr)) continue;
      current.delete(addr);
      await listener.close();
      ctx.log.info({ service: key, address: addr }, 'proxy listener closed');
    }
    const failures: string[] = [];
    for (const [addr, spec] of desired) {
      const existing = current.get(addr);
      if (existing) {
        existing.setBackends(spec.backends, spec.servicePort);
        continue;
      }
      const listener = await this.open(spec).catch((err: Error) => {
        failures.push(`${addr}: ${err.message}`);
        return undefined;
      });
      if (listener) current.set(addr, listener);
    }
    if (current.size > 0) this.listeners.set(key, current);
    else this.listeners.delete(key);
    if (failures.length > 0) {
      // Another process holds the address (e.g. a second cluster on this machine with a Service of
      // the same namespace/name): this Service stays unreachable here, the others keep working.
      ctx.log.error({ service: key, failures }, `proxy could not listen; retrying every ${REBIND_AFTER_MS / 1000} s (free the address or rename the Service)`);
      return { requeueAfterMs: REBIND_AFTER_MS };
    }
  }

  /** The listeners of a Service (`namespace/name`), for tests and `/healthz`-style views. */
  listenersOf(key: string): ReadonlyArray<{ address: string; backends: readonly { ip: string; port: number }[] }> {
    return [...(this.listeners.get(key) ?? new Map<string, PortListener>()).entries()].map(([address, l]) => ({ address, backends: l.backends }));
  }

  /** Closes every listener and drops established connections. */
  async close(): Promise<void> {
    this.stopped = true;
    const all = [...this.listeners.values()].flatMap((m) => [...m.values()]);
    this.listeners.clear();
    await Promise.all(all.map((l) => l.close(true)));
  }

  private async open(spec: ListenerSpec): Promise<PortListener> {
    const listener = new PortListener(spec.host, spec.port, spec.servicePort, this.o.log);
    listener.setBackends(spec.backends);
    await listener.listen();
    if (this.stopped) {
      await listener.close(true);
      throw new Error('proxy stopped');
    }
    this.o.log.info({ servicePort: spec.servicePort, address: `${spec.host}:${spec.port}`, backends: spec.backends.length }, 'proxy listening');
    return listener;
  }
}
