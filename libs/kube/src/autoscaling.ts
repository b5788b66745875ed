/**
 * HorizontalPodAutoscaler (autoscaling/v2) defaults shared by the API server's defaulting and the
 * HPA controller, with Kubernetes' values (pkg/apis/autoscaling/v2/defaults.go).
 */
export interface HpaScalingPolicy {
  readonly type: 'Pods' | 'Percent';
  readonly value: number;
  readonly periodSeconds: number;
}

export interface HpaScalingRules {
  readonly stabilizationWindowSeconds?: number;
  readonly selectPolicy?: 'Max' | 'Min' | 'Disabled';
  readonly policies?: readonly HpaScalingPolicy[];
}

/** Used when the HPA has no metrics at all, as Kubernetes defaults it. */
export const DEFAULT_HPA_CPU_UTILIZATION = 80;
/** `--horizontal-pod-autoscaler-downscale-stabilization`: a scale-down rule without a window uses it. */
export const DEFAULT_SCALE_DOWN_STABILIZATION_SECONDS = 300;

export const DEFAULT_SCALE_UP: HpaScalingRules = {
  stabilizationWindowSeconds: 0,
  selectPolicy: 'Max',
  policies: [
    { type: 'Pods', value: 4, periodSeconds: 15 },
    { type: 'Percent', value: 100, periodSeconds: 15 },
  ],
};

/** No window here on purpose: Kubernetes leaves it unset and the controller uses its flag (300 s). */
export const DEFAULT_SCALE_DOWN: HpaScalingRules = {
  selectPolicy: 'Max',
  policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }],
};

/** Fills what a rule leaves out from the defaults (GenerateHPAScale{Up,Down}Rules). */
export function withDefaultRules(rules: HpaScalingRules | undefined, defaults: HpaScalingRules): HpaScalingRules {
  if (!rules) return defaults;
  const window = rules.stabilizationWindowSeconds ?? defaults.stabilizationWindowSeconds;
  return {
    ...(window !== undefined ? { stabilizationWindowSeconds: window } : {}),
    selectPolicy: rules.selectPolicy ?? defaults.selectPolicy,
    policies: rules.policies ?? defaults.policies,
  };
}

/** minReplicas 1, a CPU utilization target of 80 % when no metric is given, behavior rules completed. */
export function defaultHpaSpec(spec: Record<string, any>): void {
  spec.minReplicas ??= 1;
  if (!Array.isArray(spec.metrics) || spec.metrics.length === 0) {
    spec.metrics = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: DEFAULT_HPA_CPU_UTILIZATION } } }];
  }
  if (spec.behavior && typeof spec.behavior === 'object') {
    spec.behavior = {
      ...spec.behavior,
      scaleUp: withDefaultRules(spec.behavior.scaleUp, DEFAULT_SCALE_UP),
      scaleDown: withDefaultRules(spec.behavior.scaleDown, DEFAULT_SCALE_DOWN),
    };
  }
}
