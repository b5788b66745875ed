import { DEFAULT_SCALE_DOWN, DEFAULT_SCALE_DOWN_STABILIZATION_SECONDS, DEFAULT_SCALE_UP, type HpaScalingRules, withDefaultRules } from '@logbook/kube';

/**
 * Stabilization windows and scaling policies (spec.behavior) as Kubernetes' HPA controller applies
 * them (normalizeDesiredReplicasWithBehaviors): pure functions over the recent recommendations and
 * scale events, which the controller keeps in memory per HPA, as kube-controller-manager does.
 * An HPA without behavior gets the default rules (scale-down window 300 s).
 */
export interface Recommendation {
  readonly replicas: number;
  readonly atMs: number;
}

export interface ScaleEvent {
  /** Replicas added (scale up) or removed (scale down), positive either way. */
  readonly change: number;
  readonly atMs: number;
}

export interface History {
  readonly recommendations: readonly Recommendation[];
  readonly scaleUps: readonly ScaleEvent[];
  readonly scaleDowns: readonly ScaleEvent[];
}

export const EMPTY_HISTORY: History = { recommendations: [], scaleUps: [], scaleDowns: [] };

export interface Behavior {
  readonly scaleUp: HpaScalingRules;
  readonly scaleDown: HpaScalingRules;
}

export function behaviorOf(spec: { behavior?: { scaleUp?: HpaScalingRules; scaleDown?: HpaScalingRules } } | undefined): Behavior {
  const scaleDown = withDefaultRules(spec?.behavior?.scaleDown, DEFAULT_SCALE_DOWN);
  return {
    scaleUp: withDefaultRules(spec?.behavior?.scaleUp, DEFAULT_SCALE_UP),
    scaleDown: { ...scaleDown, stabilizationWindowSeconds: scaleDown.stabilizationWindowSeconds ?? DEFAULT_SCALE_DOWN_STABILIZATION_SECONDS },
  };
}

export interface NormalizeInput {
  readonly currentReplicas: number;
  /** What the metrics ask for, before stabilization and limits. */
  readonly desiredReplicas: number;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly behavior: Behavior;
  readonly history: History;
  readonly nowMs: number;
}

export interface Condition {
  readonly status: 'True' | 'False';
  readonly reason: string;
  readonly message: string;
}

export interface Normalized {
  readonly replicas: number;
  /** The recommendation recorded for later stabilization. */
  readonly recommendations: readonly Recommendation[];
  readonly ableToScale: Condition;
  readonly scalingLimited: Condition;
}

/** Stabilizes the desired count over the windows, then limits it by the policies and min/max. */
export function normalizeReplicas(input: NormalizeInput): Normalized {
  const { currentReplicas: current, desiredReplicas: desired, behavior, nowMs } = input;
  const upCutoff = nowMs - (behavior.scaleUp.stabilizationWindowSeconds ?? 0) * 1000;
  const downCutoff = nowMs - (behavior.scaleDown.stabilizationWindowSeconds ?? 0) * 1000;
  let up = desired;
  let down = desired;
  for (const r of input.history.recommendations) {
    if (r.atMs > upCutoff) up = Math.min(up, r.replicas);
    if (r.atMs > downCutoff) down = Math.max(down, r.replicas);
  }
  const stabilized = Math.min(Math.max(current, up), down);
  const keepFrom = Math.min(upCutoff, downCutoff);
  const recommendations = [...input.history.recommendations.filter((r) => r.atMs >= keepFrom), { replicas: desired, atMs: nowMs }];
  const ableToScale: Condition =
    stabilized !== desired
      ? desired >= current
        ? { status: 'True', reason: 'ScaleUpStabilized', message: 'recent recommendations were lower than current one, applying the lowest recent recommendation' }
        : { status: 'True', reason: 'ScaleDownStabilized', message: 'recent recommendations were higher than current one, applying the highest recent recommendation' }
      : { status: 'True', reason: 'ReadyForNewScale', message: 'recommended size matches current size' };

  const limited = limitByRate({ ...input, desiredReplicas: stabilized });
  return {
    replicas: limited.replicas,
    recommendations,
    ableToScale,
    scalingLimited: { status: limited.replicas === stabilized ? 'False' : 'True', reason: limited.reason, message: limited.message },
  };
}

function limitByRate(input: NormalizeInput): { replicas: number; reason: string; message: string } {
  const { currentReplicas: current, desiredReplicas: desired, minReplicas, maxReplicas, behavior, history, nowMs } = input;
  if (desired > current) {
    const limit = Math.max(current, scaleUpLimit(current, history, behavior.scaleUp, nowMs));
    const [max, reason, message] =
      maxReplicas > limit
        ? [limit, 'ScaleUpLimit', 'the desired replica count is increasing faster than the maximum scale rate']
        : [maxReplicas, 'TooManyReplicas', 'the desired replica count is more than the maximum replica count'];
    if (desired > max) return { replicas: max, reason, message };
  } else if (desired < current) {
    const limit = Math.min(current, scaleDownLimit(current, history, behavior.scaleDown, nowMs));
    const [min, reason, message] =
      minReplicas < limit
        ? [limit, 'ScaleDownLimit', 'the desired replica count is decreasing faster than the maximum scale rate']
        : [minReplicas, 'TooFewReplicas', 'the desired replica count is less than the minimum replica count'];
    if (desired < min) return { replicas: min, reason, message };
  }
  return { replicas: desired, reason: 'DesiredWithinRange', message: 'the desired count is within the acceptable range' };
}

const changeWithin = (periodSeconds: number, events: readonly ScaleEvent[], nowMs: number) =>
  events.filter((e) => e.atMs > nowMs - periodSeconds * 1000).reduce((sum, e) => sum + e.change, 0);

/** Most replicas the scale-up policies allow now (Max picks the largest, Min the smallest). */
export function scaleUpLimit(current: number, history: History, rules: HpaScalingRules, nowMs: number): number {
  if (rules.selectPolicy === 'Disabled') return current;
  const proposals = (rules.policies ?? []).map((p) => {
    const start = current - changeWithin(p.periodSeconds, history.scaleUps, nowMs) + changeWithin(p.periodSeconds, history.scaleDowns, nowMs);
    return p.type === 'Pods' ? start + p.value : Math.ceil(start * (1 + p.value / 100));
  });
  if (proposals.length === 0) return current;
  return rules.selectPolicy === 'Min' ? Math.min(...proposals) : Math.max(...proposals);
}

/** Fewest replicas the scale-down policies allow now (Max means the largest change, i.e. the fewest). */
export function scaleDownLimit(current: number, history: History, rules: HpaScalingRules, nowMs: number): number {
  if (rules.selectPolicy === 'Disabled') return current;
  const proposals = (rules.policies ?? []).map((p) => {
    const start = current - changeWithin(p.periodSeconds, history.scaleUps, nowMs) + changeWithin(p.periodSeconds, history.scaleDowns, nowMs);
    return p.type === 'Pods' ? start - p.value : Math.trunc(start * (1 - p.value / 100));
  });
  if (proposals.length === 0) return current;
  return rules.selectPolicy === 'Min' ? Math.max(...proposals) : Math.min(...proposals);
}

/** Records a rescale for the policies' periods; events older than the longest period are dropped. */
export function recordScale(history: History, from: number, to: number, behavior: Behavior, nowMs: number): History {
  const longest = Math.max(...[...(behavior.scaleUp.policies ?? []), ...(behavior.scaleDown.policies ?? [])].map((p) => p.periodSeconds), 0);
  const fresh = (e: ScaleEvent) => e.atMs > nowMs - longest * 1000;
  const scaleUps = history.scaleUps.filter(fresh);
  const scaleDowns = history.scaleDowns.filter(fresh);
  if (to > from) scaleUps.push({ change: to - from, atMs: nowMs });
  if (to < from) scaleDowns.push({ change: from - to, atMs: nowMs });
  return { ...history, scaleUps, scaleDowns };
}
