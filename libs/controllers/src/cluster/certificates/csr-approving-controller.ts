import { ClientError, type CachedChange, type Controller, type ReconcileContext, type ReconcileResult } from '@logbook/components';
import { csrDecision, parseCertificateRequest } from '@logbook/kube';
import { autoApproval } from './csr-rules';

/**
 * kube's csrapproving controller: approves, through the `/approval` subresource, the kubelet
 * client certificates of joining and renewing nodes (csr-rules.ts says which). It never denies:
 * a request it does not recognise is left for a person.
 */
export class CsrApprovingController implements Controller {
  readonly name = 'csrapproving';
  readonly primaryKind = 'CertificateSigningRequest';
  readonly watches = ['CertificateSigningRequest'] as const;
  readonly eventSource = 'certificatesigningrequest-approving-controller';

  keysFor(change: CachedChange): string[] {
    const csr = change.after;
    return csr && !csrDecision(csr) && !csr.status?.certificate ? [csr.metadata.name!] : [];
  }

  async reconcile(key: string, ctx: ReconcileContext): Promise<ReconcileResult> {
    const csr = ctx.cache.get('CertificateSigningRequest', undefined, key);
    if (!csr || csrDecision(csr) || csr.status?.certificate) return;
    let x509;
    try {
      x509 = parseCertificateRequest(csr.spec?.request ?? '');
    } catch {
      return; // Validation refuses such requests; one stored before is not ours to judge.
    }
    const verdict = autoApproval(csr, x509);
    if (!verdict.approve) {
      ctx.log.debug({ csr: key, why: verdict.why }, 'certificate signing request left for a person');
      return;
    }
    if (!ctx.client.updateApproval) throw new Error('the cluster client cannot write certificatesigningrequests/approval');
    const now = ctx.now().toISOString().replace(/\.\d+Z$/, 'Z');
    const condition = { type: 'Approved', status: 'True', reason: verdict.reason, message: verdict.message, lastUpdateTime: now, lastTransitionTime: now };
    try {
      await ctx.client.updateApproval({ ...csr, status: { ...csr.status, conditions: [...(csr.status?.conditions ?? []), condition] } }, ctx.cause);
    } catch (err) {
      // Decided or deleted meanwhile: its change (if any) queues it again.
      if (err instanceof ClientError && (err.isConflict || err.isNotFound)) return;
      throw err;
    }
  }
}
