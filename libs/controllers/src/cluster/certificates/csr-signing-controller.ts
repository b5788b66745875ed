import { ClientError, type CachedChange, type Controller, type ReconcileContext, type ReconcileResult } from '@logbook/components';
import { KUBE_APISERVER_CLIENT_SIGNER, KUBELET_CLIENT_SIGNER, type KubeObject, csrDecision, csrFailed, parseCertificateRequest } from '@logbook/kube';
import { apiserverClientProblem, kubeletClientProblem } from './csr-rules';

/**
 * Signs a PEM PKCS#10 request with the cluster CA and returns the certificate PEM. The caller
 * (libs/cluster) holds the CA key: the controller only decides what to sign and for how long.
 */
export type CertificateSigner = (csrPem: string, o: { readonly usages: readonly string[]; readonly days: number }) => Promise<string>;

/** kube-controller-manager's `--cluster-signing-duration` default: one year. */
export const DEFAULT_SIGNING_DURATION_MS = 365 * 24 * 3600 * 1000;

export interface CsrSigningControllerOptions {
  readonly sign: CertificateSigner;
  /** The longest certificate it issues; a request's `spec.expirationSeconds` may only shorten it. */
  readonly durationMs?: number;
}

const SIGNERS = [KUBE_APISERVER_CLIENT_SIGNER, KUBELET_CLIENT_SIGNER];

/**
 * kube's csrsigning controller for the API server client signers: an approved, unsigned request
 * for one of them gets its certificate in `status.certificate` (base64 PEM, through `/status`),
 * or a `Failed` condition when the request breaks the signer's rules. Requests for other
 * signers (kubelet-serving, a custom signer) are not this controller's.
 */
export class CsrSigningController implements Controller {
  readonly name = 'csrsigning';
  readonly primaryKind = 'CertificateSigningRequest';
  readonly watches = ['CertificateSigningRequest'] as const;
  readonly eventSource = 'certificatesigningrequest-signing-controller';
  private readonly durationMs: number;

  constructor(private readonly options: CsrSigningControllerOptions) {
    this.durationMs = options.durationMs ?? DEFAULT_SIGNING_DURATION_MS;
  }

  keysFor(change: CachedChange): string[] {
    return change.after && this.wants(change.after) ? [change.after.metadata.name!] : [];
  }

  async reconcile(key: string, ctx: ReconcileContext): Promise<ReconcileResult> {
    const csr = ctx.cache.get('CertificateSigningRequest', undefined, key);
    if (!csr || !this.wants(csr)) return;
    const usages: string[] = csr.spec?.usages ?? [];
    let status: Record<string, unknown>;
    try {
      const x509 = parseCertificateRequest(csr.spec?.request ?? '');
      const problem = csr.spec.signerName === KUBELET_CLIENT_SIGNER ? kubeletClientProblem(x509, usages) : apiserverClientProblem(usages);
      if (problem) throw new SignerRefusal(problem);
      const ms = Math.min(this.durationMs, typeof csr.spec.expirationSeconds === 'number' ? csr.spec.expirationSeconds * 1000 : Infinity);
      const certificate = await this.options.sign(x509.pem, { usages, days: ms / 86_400_000 });
      status = { ...csr.status, certificate: Buffer.from(certificate).toString('base64') };
    } catch (err) {
      if (!(err instanceof SignerRefusal) && !/certificate request/i.test((err as Error).message)) throw err;
      const now = ctx.now().toISOString().replace(/\.\d+Z$/, 'Z');
      const failed = { type: 'Failed', status: 'True', reason: 'SignerValidationFailure', message: (err as Error).message, lastUpdateTime: now, lastTransitionTime: now };
      status = { ...csr.status, conditions: [...(csr.status?.conditions ?? []), failed] };
    }
    try {
      await ctx.client.updateStatus({ ...csr, status } as KubeObject, ctx.cause);
    } catch (err) {
      if (err instanceof ClientError && (err.isConflict || err.isNotFound)) return;
      throw err;
    }
  }

  private wants(csr: KubeObject): boolean {
    return SIGNERS.includes(csr.spec?.signerName) && csrDecision(csr) === 'Approved' && !csrFailed(csr) && !csr.status?.certificate;
  }
}

class SignerRefusal extends Error {}
