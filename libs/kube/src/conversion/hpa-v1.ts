import { ApiError } from '../api-error';
import type { KubeObject } from '../object';

/**
 * autoscaling/v1 ↔ autoscaling/v2 HorizontalPodAutoscaler, as Kubernetes converts them
 * (pkg/apis/autoscaling/v1/conversion.go): the CPU utilization target and current value map to
 * `targetCPUUtilizationPercentage` / `currentCPUUtilizationPercentage`; what v1 cannot express
 * (other metrics, behavior, conditions) rides in the `autoscaling.alpha.kubernetes.io/*`
 * annotations so that a v1 read-modify-write keeps it. Unlike Kubernetes, whose annotations hold
 * the v2beta1 shapes, ours hold the v2 JSON of those fields (no v2beta1 is served here).
 */
export const HPA_ANNOTATIONS = {
  metrics: 'autoscaling.alpha.kubernetes.io/metrics',
  currentMetrics: 'autoscaling.alpha.kubernetes.io/current-metrics',
  behavior: 'autoscaling.alpha.kubernetes.io/behavior',
  conditions: 'autoscaling.alpha.kubernetes.io/conditions',
} as const;

const isCpuUtilization = (m: any) => m?.type === 'Resource' && m.resource?.name === 'cpu' && m.resource?.target?.type === 'Utilization';
const isCpuCurrent = (m: any) => m?.type === 'Resource' && m.resource?.name === 'cpu' && m.resource?.current?.averageUtilization !== undefined;

export const hpaV1 = {
  fromStored(obj: KubeObject): KubeObject {
    const spec = obj.spec ?? {};
    const status = obj.status;
    const annotations: Record<string, string> = { ...(obj.metadata.annotations ?? {}) };
    const metrics: any[] = spec.metrics ?? [];
    const cpu = metrics.find(isCpuUtilization);
    const otherMetrics = metrics.filter((m) => m !== cpu);
    if (otherMetrics.length) annotations[HPA_ANNOTATIONS.metrics] = JSON.stringify(otherMetrics);
    if (spec.behavior) annotations[HPA_ANNOTATIONS.behavior] = JSON.stringify(spec.behavior);
    const current: any[] = status?.currentMetrics ?? [];
    const cpuCurrent = current.find(isCpuCurrent);
    const otherCurrent = current.filter((m) => m !== cpuCurrent);
    if (otherCurrent.length) annotations[HPA_ANNOTATIONS.currentMetrics] = JSON.stringify(otherCurrent);
    if (status?.conditions?.length) annotations[HPA_ANNOTATIONS.conditions] = JSON.stringify(status.conditions);
    const v1: KubeObject = {
      ...obj,
      metadata: { ...obj.metadata, ...(Object.keys(annotations).length ? { annotations } : {}) },
      spec: {
        ...(spec.scaleTargetRef !== undefined ? { scaleTargetRef: spec.scaleTargetRef } : {}),
        ...(spec.minReplicas !== undefined ? { minReplicas: spec.minReplicas } : {}),
        maxReplicas: spec.maxReplicas ?? 0,
        ...(cpu ? { targetCPUUtilizationPercentage: cpu.resource.target.averageUtilization } : {}),
      },
    };
    if (status) {
      v1.status = {
        ...(status.observedGeneration !== undefined ? { observedGeneration: status.observedGeneration } : {}),
        ...(status.lastScaleTime !== undefined ? { lastScaleTime: status.lastScaleTime } : {}),
        currentReplicas: status.currentReplicas ?? 0,
        desiredReplicas: status.desiredReplicas ?? 0,
        ...(cpuCurrent ? { currentCPUUtilizationPercentage: cpuCurrent.resource.current.averageUtilization } : {}),
      };
    }
    return v1;
  },

  toStored(obj: KubeObject): KubeObject {
    const spec = obj.spec ?? {};
    const status = obj.status;
    const annotations: Record<string, string> = { ...(obj.metadata.annotations ?? {}) };
    const take = (key: string): any => {
      const raw = annotations[key];
      delete annotations[key];
      if (raw === undefined) return undefined;
      try {
        return JSON.parse(raw);
      } catch {
        throw ApiError.badRequest(`annotation ${key} must hold JSON (the autoscaling/v2 form of the field); fix or remove it`);
      }
    };
    const otherMetrics: any[] = take(HPA_ANNOTATIONS.metrics) ?? [];
    const behavior = take(HPA_ANNOTATIONS.behavior);
    const otherCurrent: any[] = take(HPA_ANNOTATIONS.currentMetrics) ?? [];
    const conditions = take(HPA_ANNOTATIONS.conditions);
    const cpuTarget = spec.targetCPUUtilizationPercentage;
    const metrics = [
      ...(typeof cpuTarget === 'number' ? [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: cpuTarget } } }] : []),
      ...(Array.isArray(otherMetrics) ? otherMetrics : []),
    ];
    const { annotations: _dropped, ...metadata } = obj.metadata;
    const v2: KubeObject = {
      ...obj,
      metadata: { ...metadata, ...(Object.keys(annotations).length ? { annotations } : {}) },
      spec: {
        ...(spec.scaleTargetRef !== undefined ? { scaleTargetRef: spec.scaleTargetRef } : {}),
        ...(spec.minReplicas !== undefined ? { minReplicas: spec.minReplicas } : {}),
        ...(spec.maxReplicas !== undefined ? { maxReplicas: spec.maxReplicas } : {}),
        ...(metrics.length ? { metrics } : {}),
        ...(behavior ? { behavior } : {}),
      },
    };
    if (status) {
      const cpuCurrent = status.currentCPUUtilizationPercentage;
      const currentMetrics = [
        ...(typeof cpuCurrent === 'number' ? [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: cpuCurrent } } }] : []),
        ...(Array.isArray(otherCurrent) ? otherCurrent : []),
      ];
      v2.status = {
        ...(status.observedGeneration !== undefined ? { observedGeneration: status.observedGeneration } : {}),
        ...(status.lastScaleTime !== undefined ? { lastScaleTime: status.lastScaleTime } : {}),
        currentReplicas: status.currentReplicas ?? 0,
        desiredReplicas: status.desiredReplicas ?? 0,
        ...(currentMetrics.length ? { currentMetrics } : {}),
        ...(Array.isArray(conditions) ? { conditions } : {}),
      };
    }
    return v2;
  },
};
