import { type CachedChange, ClientError, type Controller, type ReconcileContext, type ReconcileResult } from '@logbook/components';
import type { KubeObject } from '@logbook/kube';

export const ROOT_CA_CONFIGMAP = 'kube-root-ca.crt';
const DESCRIPTION =
  'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.';

/**
 * The root CA publisher: a `kube-root-ca.crt` ConfigMap with the cluster CA (`ca.crt`) in every
 * active namespace, put back when deleted or changed, so that the service account volume of
 * every pod can verify the API server (docs/security.md).
 */
export class RootCaPublisher implements Controller {
  readonly name = 'root-ca-cert-publisher';
  readonly primaryKind = 'Namespace';
  readonly watches = ['Namespace', 'ConfigMap'];

  constructor(private readonly caPem: string) {}

  keysFor(change: CachedChange): string[] {
    const obj = (change.after ?? change.before)!;
    if (change.kind === 'Namespace') return change.after ? [obj.metadata.name!] : [];
    return obj.metadata.name === ROOT_CA_CONFIGMAP && obj.metadata.namespace ? [obj.metadata.namespace] : [];
  }

  async reconcile(key: string, ctx: ReconcileContext): Promise<ReconcileResult> {
    const ns = ctx.cache.get('Namespace', undefined, key);
    if (!ns || ns.metadata.deletionTimestamp || ns.status?.phase === 'Terminating') return;
    const current = ctx.cache.get('ConfigMap', key, ROOT_CA_CONFIGMAP);
    try {
      if (!current) await ctx.client.create(this.configMap(key), ctx.cause);
      else if (current.data?.['ca.crt'] !== this.caPem || current.metadata.annotations?.['kubernetes.io/description'] !== DESCRIPTION) {
        await ctx.client.update({ ...current, metadata: { ...current.metadata, annotations: { ...(current.metadata.annotations ?? {}), 'kubernetes.io/description': DESCRIPTION } }, data: { ...(current.data ?? {}), 'ca.crt': this.caPem } }, ctx.cause);
      }
    } catch (err) {
      // 409: our cache lags (a replica's create, or an edit): the change that follows brings it back here.
      if (err instanceof ClientError && (err.code === 409 || err.code === 404 || err.code === 403)) return;
      throw err;
    }
  }

  private configMap(namespace: string): KubeObject {
    return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: ROOT_CA_CONFIGMAP, namespace, annotations: { 'kubernetes.io/description': DESCRIPTION } }, data: { 'ca.crt': this.caPem } };
  }
}
