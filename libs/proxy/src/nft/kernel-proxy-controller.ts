import type { CachedChange, ComponentLogger, Controller, ReconcileContext, ReconcileResult } from '@logbook/components';
import { SERVICE_NAME_LABEL, servicePortRules } from './service-ports';
import { type AppliedNames, type ServiceTableOptions, appliedNames, serviceTable, transaction } from './service-table';
import { listTableNames, nftApply } from './nft';

export interface KernelProxyOptions extends ServiceTableOptions {
  /** Names the controller (`nft-proxy-<nodeName>`: every proxy owns every Service) and picks the `Local` endpoints. */
  readonly nodeName: string;
  /** ClusterIPs this proxy programs; the rest (the loopback range) are the userspace proxy's. */
  readonly ownsClusterIP: (ip: string) => boolean;
  readonly log: ComponentLogger;
  /** Applies a script; default `nft -f -` (tests of the controller's bookkeeping may pass their own). */
  readonly apply?: (script: string) => Promise<void>;
}

/** A failed apply is retried after this long (the kernel kept the previous table: the transaction is atomic). */
const RETRY_AFTER_MS = 2_000;
/** The one key: every change rebuilds the whole table (the work queue folds a burst of changes into one run). */
const TABLE_KEY = 'table';

/**
 * kube-proxy's nftables mode as a controller: any change of a Service or an EndpointSlice
 * re-renders this proxy's table from the cache and applies the difference in one transaction.
 * Nothing is written to the API. On stop the table stays (connections keep flowing while the proxy
 * restarts, as with kube-proxy); `logbook down` removes it.
 */
export class KernelProxyController implements Controller {
  readonly name: string;
  readonly primaryKind = 'Service';
  readonly watches = ['Service', 'EndpointSlice'] as const;
  readonly workers = 1;
  private applied: AppliedNames | undefined;
  private loaded = false;
  private lastScript = '';
  private readonly apply: (script: string) => Promise<void>;
  private syncedAt = 0;

  constructor(private readonly o: KernelProxyOptions) {
    this.name = `nft-proxy-${o.nodeName}`;
    this.apply = o.apply ?? nftApply;
  }

  keysFor(change: CachedChange): string[] {
    const obj = change.after ?? change.before;
    if (obj?.kind === 'EndpointSlice' && !obj.metadata.labels?.[SERVICE_NAME_LABEL]) return [];
    return [TABLE_KEY];
  }

  /** How many times the table was applied (tests wait for a change to be programmed). */
  get generation(): number {
    return this.syncedAt;
  }

  async reconcile(_key: string, ctx: ReconcileContext): Promise<ReconcileResult> {
    const slicesByService = new Map<string, any[]>();
    for (const slice of ctx.cache.list('EndpointSlice')) {
      const service = slice.metadata.labels?.[SERVICE_NAME_LABEL];
      if (!service) continue;
      const key = `${slice.metadata.namespace}/${service}`;
      (slicesByService.get(key) ?? slicesByService.set(key, []).get(key)!).push(slice);
    }
    const ports = ctx.cache
      .list('Service')
      .flatMap((svc) => servicePortRules(svc, slicesByService.get(`${svc.metadata.namespace}/${svc.metadata.name}`) ?? [], this.o.nodeName, this.o.ownsClusterIP));
    const table = serviceTable(ports, this.o);
    if (!this.loaded) {
      // After a restart the kernel still holds the last table: what it has beyond the new one is removed.
      this.applied = listTableNames('ip', this.o.table);
      this.loaded = true;
    }
    const script = transaction(table, this.applied);
    if (script === this.lastScript) return;
    try {
      await this.apply(script);
    } catch (err) {
      // Our idea of the table may be wrong (someone flushed it): read it again before the retry.
      this.loaded = false;
      this.lastScript = '';
      ctx.log.error({ table: this.o.table, err: (err as Error).message }, `could not program the Service rules; retrying in ${RETRY_AFTER_MS / 1000} s`);
      return { requeueAfterMs: RETRY_AFTER_MS };
    }
    this.applied = appliedNames(table);
    this.lastScript = script;
    this.syncedAt++;
    ctx.log.debug({ table: this.o.table, servicePorts: ports.length }, 'service rules programmed');
  }
}
