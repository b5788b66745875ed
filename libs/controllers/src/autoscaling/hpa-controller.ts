import { type CachedChange, ClientError, type Controller, type ReconcileContext, type ReconcileResult, keyOf, splitKey } from '@logbook/components';
import { type KubeObject, matchesLabels, parseLabelSelector } from '@logbook/kube';
import { intValue, milliValue } from '@logbook/scheduling';
import { type Condition as KubeCondition, setCondition, toSeconds } from '../cluster/shared/conditions';
import { sameJson } from '../cluster/shared/same-json';
import { type Condition, EMPTY_HISTORY, type History, behaviorOf, normalizeReplicas, recordScale } from './behavior';
import { MetricUnavailable, type PodSample, type ReplicaProposal, type ResourceTarget, podRequests, proposeReplicas } from './replica-calculator';

export interface HpaControllerOptions {
  /** How often every HPA is evaluated (`--horizontal-pod-autoscaler-sync-period`); default 15 s. */
  readonly syncPeriodMs?: number;
  readonly tolerance?: number;
}

export const DEFAULT_HPA_SYNC_PERIOD_MS = 15_000;

interface MetricResult {
  readonly name: string;
  readonly proposal: ReplicaProposal;
  readonly status: object;
}

/**
 * The HorizontalPodAutoscaler controller (autoscaling/v2, Resource metrics): every sync period it
 * reads the target's /scale and its pods' metrics.k8s.io usage through the API, proposes a replica
 * count per metric (the largest wins), stabilizes and rate-limits it by spec.behavior, writes
 * /scale when it changes and keeps the status and its AbleToScale / ScalingActive / ScalingLimited
 * conditions as Kubernetes words them. Recent recommendations and scale events live in memory
 * per HPA, as in kube-controller-manager (a restart forgets the stabilization window).
 */
export class HorizontalPodAutoscalerController implements Controller {
  readonly name = 'horizontal-pod-autoscaler-controller';
  readonly primaryKind = 'HorizontalPodAutoscaler';
  readonly watches = ['HorizontalPodAutoscaler', 'Pod'] as const;
  readonly workers = 1;
  private readonly syncPeriodMs: number;
  private readonly history = new Map<string, History>();

  constructor(private readonly options: HpaControllerOptions = {}) {
    this.syncPeriodMs = options.syncPeriodMs ?? DEFAULT_HPA_SYNC_PERIOD_MS;
  }

  keysFor(change: CachedChange): string[] {
    if (change.kind !== 'HorizontalPodAutoscaler') return [];
    // Status-only changes (our own writes) do not queue: the sync period paces the work.
    if (change.before && change.after && change.before.metadata.generation === change.after.metadata.generation) return [];
    return [keyOf((change.after ?? change.before)!)];
  }

  async reconcile(key: string, ctx: ReconcileContext): Promise<ReconcileResult> {
    const { namespace, name } = splitKey(key);
    const hpa = ctx.cache.get('HorizontalPodAutoscaler', namespace, name);
    if (!hpa || hpa.metadata.deletionTimestamp) {
      this.history.delete(key);
      return;
    }
    try {
      await this.sync(key, hpa, ctx);
    } catch (err) {
      // The HPA was deleted or changed under us: the next period (or its event) tries again.
      if (!(err instanceof ClientError && (err.isConflict || err.isNotFound))) throw err;
    }
    return { requeueAfterMs: this.syncPeriodMs };
  }

  private async sync(key: string, hpa: KubeObject, ctx: ReconcileContext): Promise<void> {
    const now = ctx.now();
    const nowMs = now.getTime();
    const stamp = toSeconds(now);
    const spec = hpa.spec ?? {};
    const ref = spec.scaleTargetRef ?? {};
    const reference = `${ref.kind}/${ref.name}`;
    const status: Record<string, any> = structuredClone(hpa.status ?? {});
    status.observedGeneration = hpa.metadata.generation;
    const condition = (type: string, c: Condition) => (status.conditions = setCondition(status.conditions as KubeCondition[] | undefined, { type, ...c }, stamp));
    const writeStatus = () => this.writeStatus(hpa, status, ctx);

    let scale: KubeObject;
    try {
      if (!ctx.client.getScale || !ctx.client.updateScale) throw new Error('this cluster client cannot read or write scale subresources');
      scale = await ctx.client.getScale(ref.kind, hpa.metadata.namespace!, ref.name);
    } catch (err) {
      condition('AbleToScale', { status: 'False', reason: 'FailedGetScale', message: `the HPA controller was unable to get the target's current scale: ${(err as Error).message}` });
      ctx.log.warn({ hpa: key, target: reference, err: (err as Error).message }, 'HPA cannot read the scale of its target');
      return writeStatus();
    }
    condition('AbleToScale', { status: 'True', reason: 'SucceededGetScale', message: "the HPA controller was able to get the target's current scale" });

    const current: number = scale.spec?.replicas ?? 0;
    const min: number = spec.minReplicas ?? 1;
    const max: number = spec.maxReplicas;
    let desired = current;
    let reason = '';
    // Measured only when the count is within bounds (as Kubernetes): otherwise nothing current to show.
    delete status.currentMetrics;
    if (current === 0 && min !== 0) {
      condition('ScalingActive', { status: 'False', reason: 'ScalingDisabled', message: 'scaling is disabled since the replica count of the target is zero' });
    } else if (current > max) {
      [desired, reason] = [max, 'Current number of replicas above Spec.MaxReplicas'];
    } else if (current < min) {
      [desired, reason] = [min, 'Current number of replicas below Spec.MinReplicas'];
    } else {
      const results = await this.measure(hpa, scale, current, nowMs, ctx);
      if ('error' in results) {
        const wasFailing = (hpa.status?.conditions ?? []).some((c: KubeCondition) => c.type === 'ScalingActive' && c.status === 'False' && c.reason === results.reason);
        condition('ScalingActive', { status: 'False', reason: results.reason, message: `the HPA was unable to compute the replica count: ${results.error}` });
        status.currentReplicas = current;
        // Said once when it starts failing (event and warning); every later period only at debug.
        if (!wasFailing) {
          ctx.recorder.event(hpa, 'Warning', results.reason, results.error, ctx.cause);
          ctx.log.warn({ hpa: key, target: reference, reason: results.error }, 'HPA cannot compute a replica count: see kubectl describe hpa');
        } else ctx.log.debug({ hpa: key, target: reference, reason: results.error }, 'HPA still cannot compute a replica count');
        return writeStatus();
      }
      const best = results.reduce((a, b) => (b.proposal.replicas > a.proposal.replicas ? b : a));
      status.currentMetrics = results.map((r) => r.status);
      condition('ScalingActive', { status: 'True', reason: 'ValidMetricFound', message: `the HPA was able to successfully calculate a replica count from ${best.name}` });
      const behavior = behaviorOf(spec);
      const history = this.history.get(key) ?? EMPTY_HISTORY;
      const normalized = normalizeReplicas({ currentReplicas: current, desiredReplicas: best.proposal.replicas, minReplicas: min, maxReplicas: max, behavior, history, nowMs });
      this.history.set(key, { ...history, recommendations: normalized.recommendations });
      condition('AbleToScale', normalized.ableToScale);
      condition('ScalingLimited', normalized.scalingLimited);
      desired = normalized.replicas;
      reason = desired > current ? `${best.name} above target` : 'All metrics below target';
    }

    if (desired !== current) {
      try {
        await ctx.client.updateScale!(ref.kind, { ...scale, spec: { ...scale.spec, replicas: desired } }, ctx.cause);
      } catch (err) {
        condition('AbleToScale', { status: 'False', reason: 'FailedUpdateScale', message: `the HPA controller was unable to update the target scale: ${(err as Error).message}` });
        ctx.log.warn({ hpa: key, target: reference, replicas: desired, err: (err as Error).message }, 'HPA failed to rescale its target');
        status.currentReplicas = current;
        return writeStatus();
      }
      condition('AbleToScale', { status: 'True', reason: 'SucceededRescale', message: `the HPA controller was able to update the target scale to ${desired}` });
      this.history.set(key, recordScale(this.history.get(key) ?? EMPTY_HISTORY, current, desired, behaviorOf(spec), nowMs));
      ctx.recorder.event(hpa, 'Normal', 'SuccessfulRescale', `New size: ${desired}; reason: ${reason}`, ctx.cause);
      ctx.log.info({ hpa: key, target: reference, from: current, to: desired, reason }, 'HPA rescaled its target');
      status.lastScaleTime = stamp;
    }
    status.currentReplicas = current;
    status.desiredReplicas = desired;
    return writeStatus();
  }

  /** One proposal per metric, or why none could be made (the first failure, as Kubernetes reports it). */
  private async measure(hpa: KubeObject, scale: KubeObject, current: number, nowMs: number, ctx: ReconcileContext): Promise<MetricResult[] | { error: string; reason: string }> {
    const namespace = hpa.metadata.namespace!;
    const selectorText: string = scale.status?.selector ?? '';
    if (!selectorText) return { error: 'selector is required', reason: 'InvalidSelector' };
    const selector = parseLabelSelector(selectorText);
    const pods = ctx.cache.list('Pod', namespace).filter((p) => matchesLabels(selector, p.metadata.labels ?? {}));
    let metrics: KubeObject[] | undefined;
    const results: MetricResult[] = [];
    let failure: { error: string; reason: string } | undefined;
    for (const m of (hpa.spec?.metrics ?? []) as any[]) {
      const target = resourceTarget(m);
      if (!target) continue;
      try {
        if (!ctx.client.podMetrics) throw new MetricUnavailable('this cluster client cannot read metrics.k8s.io');
        metrics ??= await ctx.client.podMetrics(namespace, selectorText).catch((err: Error) => {
          throw new MetricUnavailable(`unable to get metrics for resource ${target.resource}: unable to fetch metrics from resource metrics API: ${err.message}`);
        });
        if (metrics.length === 0) throw new MetricUnavailable(`unable to get metrics for resource ${target.resource}: no metrics returned from resource metrics API`);
        const parse = target.resource === 'cpu' ? milliValue : intValue;
        const requests = target.averageUtilization !== undefined ? podRequests(pods, target.resource, parse) : undefined;
        const proposal = proposeReplicas({ currentReplicas: current, target, pods, samples: samplesOf(metrics, target.resource, parse), requests, nowMs, tolerance: this.options.tolerance });
        results.push({ name: metricName(target), proposal, status: currentStatus(target, proposal) });
      } catch (err) {
        if (!(err instanceof MetricUnavailable)) throw err;
        failure ??= { error: `failed to get ${target.resource} utilization: ${err.message}`, reason: 'FailedGetResourceMetric' };
      }
    }
    if (results.length > 0) return results;
    return failure ?? { error: 'no supported metric in spec.metrics', reason: 'InvalidMetricSourceType' };
  }

  /**
   * A core/v1 Event on the HPA, for `kubectl describe`. Kubernetes' recorder repeats a warning every
   * sync and aggregates the copies; here a warning is recorded when the condition starts failing,
   * so a broken HPA does not append an event to the log every period. Best effort.
   */
  private async writeStatus(hpa: KubeObject, status: Record<string, any>, ctx: ReconcileContext): Promise<void> {
    if (sameJson(status, hpa.status ?? {})) return;
    await ctx.client.updateStatus({ ...hpa, status }, ctx.cause);
  }
}

function resourceTarget(m: any): ResourceTarget | undefined {
  if (m?.type !== 'Resource' || !['cpu', 'memory'].includes(m.resource?.name)) return undefined;
  const t = m.resource.target ?? {};
  const resource = m.resource.name as 'cpu' | 'memory';
  const parse = resource === 'cpu' ? milliValue : intValue;
  if (t.type === 'Utilization') return { resource, averageUtilization: t.averageUtilization };
  if (t.type === 'AverageValue') return { resource, averageValue: parse(String(t.averageValue)) };
  return undefined;
}

const metricName = (t: ResourceTarget) =>
  t.averageUtilization !== undefined ? `${t.resource} resource utilization (percentage of request)` : `${t.resource} resource`;

/** Pod name → summed container usage, from PodMetrics. */
function samplesOf(metrics: readonly KubeObject[], resource: string, parse: (q: string) => number): Map<string, PodSample> {
  const out = new Map<string, PodSample>();
  for (const m of metrics) {
    const containers: any[] = (m as any).containers ?? [];
    const value = containers.reduce((sum, c) => sum + parse(String(c.usage?.[resource] ?? '0')), 0);
    const windowMs = Number(/^(\d+(?:\.\d+)?)s$/.exec(String((m as any).window ?? ''))?.[1] ?? 0) * 1000;
    out.set(m.metadata.name!, { value, timestampMs: Date.parse((m as any).timestamp ?? '') || 0, windowMs });
  }
  return out;
}

/** status.currentMetrics[i] as Kubernetes writes it: the average value, and the utilization when targeted. */
function currentStatus(t: ResourceTarget, p: ReplicaProposal): object {
  const averageValue = t.resource === 'cpu' ? `${Math.round(p.averageValue)}m` : String(Math.round(p.averageValue));
  return {
    type: 'Resource',
    resource: { name: t.resource, current: { averageValue, ...(p.utilization !== undefined ? { averageUtilization: p.utilization } : {}) } },
  };
}
