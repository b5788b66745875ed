import { ClientError, type CachedChange, type Controller, type ReconcileContext, type ReconcileResult, keyOf, splitKey } from '@logbook/components';
import { BOOTSTRAP_TOKEN_NAMESPACE, BOOTSTRAP_TOKEN_SECRET_TYPE, type KubeObject, secretText } from '@logbook/kube';

const MAX_WAIT_MS = 86_400_000;

/**
 * kube's tokencleaner: deletes a bootstrap token's Secret once it has expired. The authenticator
 * already refuses an expired token; deleting it keeps `logbook token list` and kube-system
 * tidy (the log keeps the Secret's history, as for any deletion).
 */
export class TokenCleaner implements Controller {
  readonly name = 'tokencleaner';
  readonly primaryKind = 'Secret';
  readonly watches = ['Secret'] as const;

  keysFor(change: CachedChange): string[] {
    return change.after && isBootstrapTokenSecret(change.after) ? [keyOf(change.after)] : [];
  }

  async reconcile(key: string, ctx: ReconcileContext): Promise<ReconcileResult> {
    const { namespace, name } = splitKey(key);
    const secret = ctx.cache.get('Secret', namespace, name);
    if (!secret || !isBootstrapTokenSecret(secret) || secret.metadata.deletionTimestamp) return;
    // The cache is fed by the bus, where Secret values are sealed: the expiration is read through the API server.
    const readable = (await ctx.client.getObject?.('Secret', namespace, name).catch(() => undefined)) ?? secret;
    // No readable expiration (none set, or not readable here): never deleted here.
    const expiresMs = Date.parse(secretText(readable, 'expiration') ?? '');
    if (Number.isNaN(expiresMs)) return;
    const left = expiresMs - ctx.now().getTime();
    if (left > 0) return { requeueAfterMs: Math.min(left, MAX_WAIT_MS) };
    try {
      await ctx.client.delete('Secret', namespace, name, { ...ctx.cause, preconditions: { uid: secret.metadata.uid } });
    } catch (err) {
      if (err instanceof ClientError && (err.isNotFound || err.isConflict)) return;
      throw err;
    }
  }
}

function isBootstrapTokenSecret(secret: KubeObject): boolean {
  return secret.metadata.namespace === BOOTSTRAP_TOKEN_NAMESPACE && secret.type === BOOTSTRAP_TOKEN_SECRET_TYPE;
}
