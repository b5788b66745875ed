import { type CachedChange, ClientError, type Controller, type ReconcileContext, type ReconcileResult } from '@logbook/components';

export const DEFAULT_SERVICE_ACCOUNT = 'default';

/**
 * The service account controller: every active namespace has a `default` ServiceAccount,
 * created when the namespace appears and again whenever it is deleted. It comes shortly after
 * the namespace, so ServiceAccount admission tolerates pods created before it (docs/security.md).
 */
export class ServiceAccountController implements Controller {
  readonly name = 'serviceaccount-controller';
  readonly primaryKind = 'Namespace';
  readonly watches = ['Namespace', 'ServiceAccount'];

  keysFor(change: CachedChange): string[] {
    const obj = (change.after ?? change.before)!;
    if (change.kind === 'Namespace') return change.after ? [obj.metadata.name!] : [];
    // Only the default account's departure matters.
    return !change.after && obj.metadata.name === DEFAULT_SERVICE_ACCOUNT && obj.metadata.namespace ? [obj.metadata.namespace] : [];
  }

  async reconcile(key: string, ctx: ReconcileContext): Promise<ReconcileResult> {
    const ns = ctx.cache.get('Namespace', undefined, key);
    if (!ns || ns.metadata.deletionTimestamp || ns.status?.phase === 'Terminating') return;
    if (ctx.cache.get('ServiceAccount', key, DEFAULT_SERVICE_ACCOUNT)) return;
    try {
      await ctx.client.create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: DEFAULT_SERVICE_ACCOUNT, namespace: key } }, ctx.cause);
    } catch (err) {
      // Already there (the cache lags our own or another replica's create), or the namespace went meanwhile.
      if (err instanceof ClientError && (err.code === 409 || err.code === 404 || err.code === 403)) return;
      throw err;
    }
  }
}
