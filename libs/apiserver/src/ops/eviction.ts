import { ApiError, type KubeObject, budgetSelects, isPodReady, resourceByKind } from '@logbook/kube';
import { decodeObjectBody, mediaType, readBody } from '../http/body';
import { sendJson } from '../http/respond';
import { budgetNotProcessed } from '../write/disruption';
import type { WriteOptions } from '../write/cluster-writer';
import { type RequestContext, writeOptions } from './context';
import { type DeleteOptions, checkDeleteOptions, deleteCommand } from './delete';
import { currentObject } from './read';

const BUDGETS = resourceByKind('PodDisruptionBudget')!;
/** kubectl 1.20 sends policy/v1beta1 (the version its drain was built against), 1.21+ policy/v1. */
const EVICTION_VERSIONS = ['policy/v1', 'policy/v1beta1'];
/** kube's EvictionsRetry: how often a budget write lost to another API server's is redone. */
const CONFLICT_RETRIES = 10;
const CONFLICT_BACKOFF_MS = 50;

/**
 * POST pods/<name>/eviction: a graceful delete of the pod with the Eviction's DeleteOptions,
 * refused with 429 while a PodDisruptionBudget covering the pod allows no disruption (as
 * kube-apiserver's pkg/registry/core/pod/storage/eviction.go).
 *
 * Two appends, in this order, as kube-apiserver does: first the budget spends a disruption
 * (a status write decided under the budget's lock and appended with its stream's expected
 * revision, so concurrent evictions, here or on another API server, can never both take the last
 * one), then the pod is deleted. If the delete then fails, the budget stays spent for at most
 * the disruption controller's two-minute deletion timeout: safe, never over-disrupted.
 */
export async function evictPod(ctx: RequestContext): Promise<void> {
  const eviction = await readEviction(ctx);
  const opts = checkDeleteOptions({ ...eviction.deleteOptions });
  const write = writeOptions(ctx, opts.dryRun);
  for (let attempt = 1; ; attempt++) {
    const pod = currentObject(ctx);
    const plan = evictionPlan(ctx, pod, opts);
    if (plan.budget && !plan.unhealthy) await spendDisruption(ctx, pod, plan.budget, write);
    try {
      await ctx.deps.writer.write(ctx.path.resource, ctx.path.namespace, ctx.path.name!, deleteCommand(ctx, plan.options, pod), ctx.caller, write);
      break;
    } catch (err) {
      // Only a resourceVersion we pinned ourselves is ours to handle: the pod changed meanwhile.
      if (!plan.pinned || !(err instanceof ApiError) || err.code !== 409) throw err;
      // An unready pod about to go without spending budget may be Ready now: 429, and on the
      // client's retry the budget decides (kube-apiserver does the same).
      if (plan.unhealthy) throw budgetNotProcessed(plan.budget!);
      // A Pending pod that changed: decide again on the pod as it is now.
      if (attempt >= CONFLICT_RETRIES) throw err;
    }
  }
  sendJson(ctx.res, 201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
}

/**
 * The budget write, redone when another API server's write to the budget won the race (409):
 * by then this server's projection shows the other write, so the retry decides on it (and
 * usually answers 429). Like kube-apiserver, it gives up with a 504 after its retries.
 */
async function spendDisruption(ctx: RequestContext, pod: KubeObject, budget: string, write: WriteOptions): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await ctx.deps.writer.write(BUDGETS, pod.metadata.namespace, budget, { type: 'SpendDisruption', resource: BUDGETS, podName: pod.metadata.name! }, ctx.caller, write);
      return;
    } catch (err) {
      if (!(err instanceof ApiError) || err.code !== 409) throw err;
      if (attempt >= CONFLICT_RETRIES) {
        throw new ApiError(504, 'Timeout', `couldn't update PodDisruptionBudget "${budget}" due to conflicts: another API server keeps writing it; retry the eviction`, { retryAfterSeconds: 10 });
      }
      await new Promise((resolve) => setTimeout(resolve, CONFLICT_BACKOFF_MS));
    }
  }
}

interface EvictionPlan {
  /** The budget covering the pod, if one does. */
  readonly budget?: string;
  /** The pod is not Ready and may go without spending the budget (with a resourceVersion precondition). */
  readonly unhealthy?: boolean;
  /** The delete carries the pod's resourceVersion, added here (not asked for by the client). */
  readonly pinned?: boolean;
  /** The delete to run once the budget (if any) allowed it. */
  readonly options: DeleteOptions;
}

/**
 * Which budget the eviction must spend, and with what preconditions the pod is deleted.
 * - A pod that is Pending, finished, or already being deleted disrupts nothing more: it goes,
 *   with a resourceVersion precondition unless finished, so it cannot turn Ready in between.
 * - A pod with no budget goes. Two budgets: 500, which the eviction subresource does not support.
 * - A pod that is not Ready goes without spending budget when the budget says so
 *   (unhealthyPodEvictionPolicy AlwaysAllow, or IfHealthyBudget and the budget is met).
 */
function evictionPlan(ctx: RequestContext, pod: KubeObject, opts: DeleteOptions): EvictionPlan {
  const phase = pod.status?.phase;
  const ownVersion = opts.preconditions?.resourceVersion;
  const pinned = (): Pick<EvictionPlan, 'options' | 'pinned'> =>
    ownVersion ? { options: opts } : { options: { ...opts, preconditions: { ...opts.preconditions, resourceVersion: pod.metadata.resourceVersion } }, pinned: true };
  if (phase === 'Succeeded' || phase === 'Failed' || pod.metadata.deletionTimestamp) return { options: opts };
  if (phase === 'Pending') return pinned();

  const budgets = ctx.deps.projector.state.list(BUDGETS.kind, { namespace: pod.metadata.namespace }).filter((b) => budgetSelects(b, pod));
  if (budgets.length > 1) throw ApiError.internal('This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.');
  if (budgets.length === 0) return { options: opts };
  const budget = budgets[0];
  const name = budget.metadata.name!;
  if (!isPodReady(pod)) {
    const status = budget.status ?? {};
    const met = (status.currentHealthy ?? 0) >= (status.desiredHealthy ?? 0) && (status.desiredHealthy ?? 0) > 0;
    if (budget.spec?.unhealthyPodEvictionPolicy === 'AlwaysAllow' || met) return { budget: name, unhealthy: true, ...pinned() };
  }
  return { budget: name, options: opts };
}

interface EvictionBody {
  readonly deleteOptions?: DeleteOptions;
}

/** The Eviction body (JSON, or protobuf from typed clients), checked against the URL. */
async function readEviction(ctx: RequestContext): Promise<EvictionBody> {
  const body = decodeObjectBody(await readBody(ctx.req), mediaType(ctx.req));
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw ApiError.badRequest('the request body must be an Eviction object (policy/v1)');
  if (body.kind !== undefined && body.kind !== 'Eviction') {
    throw ApiError.badRequest(`not an Eviction object: the body's kind is "${body.kind}"; POST a policy/v1 Eviction to pods/<name>/eviction`);
  }
  if (body.apiVersion !== undefined && !EVICTION_VERSIONS.includes(body.apiVersion)) {
    throw ApiError.badRequest(`Eviction in "${body.apiVersion}" is not served: use ${EVICTION_VERSIONS.join(' or ')}`);
  }
  const metadata = body.metadata && typeof body.metadata === 'object' ? body.metadata : {};
  // kube's exact wording; an Eviction without a name names no pod, which is the same mistake.
  if (metadata.name !== ctx.path.name) throw ApiError.badRequest('name in URL does not match name in Eviction object');
  if (metadata.namespace && metadata.namespace !== ctx.path.namespace) {
    throw ApiError.badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
  const deleteOptions = body.deleteOptions ?? undefined;
  if (deleteOptions !== undefined && (typeof deleteOptions !== 'object' || Array.isArray(deleteOptions))) throw ApiError.badRequest('deleteOptions must be a DeleteOptions object');
  return { deleteOptions };
}
