import type { KubeObject } from '../object';
import { resourceByKind } from '../resources';
import { toServedVersion, toStoredVersion } from './index';
import { HPA_ANNOTATIONS } from './hpa-v1';

const HPA = resourceByKind('HorizontalPodAutoscaler')!;

const stored = (): KubeObject => ({
  apiVersion: 'autoscaling/v2',
  kind: 'HorizontalPodAutoscaler',
  metadata: { name: 'web', namespace: 'shop', resourceVersion: '7', annotations: { team: 'a' } },
  spec: {
    scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
    minReplicas: 1,
    maxReplicas: 5,
    metrics: [
      { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } },
      { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '100Mi' } } },
    ],
    behavior: { scaleDown: { stabilizationWindowSeconds: 60 } },
  },
  status: {
    observedGeneration: 1,
    currentReplicas: 2,
    desiredReplicas: 3,
    lastScaleTime: '2026-01-01T00:00:00Z',
    currentMetrics: [
      { type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 120, averageValue: '120m' } } },
      { type: 'Resource', resource: { name: 'memory', current: { averageValue: '52428800' } } },
    ],
    conditions: [{ type: 'AbleToScale', status: 'True', reason: 'SucceededRescale', message: 'm', lastTransitionTime: '2026-01-01T00:00:00Z' }],
  },
});

describe('HorizontalPodAutoscaler autoscaling/v2 → v1', () => {
  const v1 = toServedVersion(HPA, stored(), 'v1');

  it('maps the CPU utilization target and current value', () => {
    expect(v1.apiVersion).toBe('autoscaling/v1');
    expect(v1.spec).toEqual({ scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 1, maxReplicas: 5, targetCPUUtilizationPercentage: 50 });
    expect(v1.status).toEqual({ observedGeneration: 1, lastScaleTime: '2026-01-01T00:00:00Z', currentReplicas: 2, desiredReplicas: 3, currentCPUUtilizationPercentage: 120 });
  });

  it('carries what v1 cannot hold in the autoscaling.alpha annotations, beside the user’s own', () => {
    const a = v1.metadata.annotations!;
    expect(a.team).toBe('a');
    expect(JSON.parse(a[HPA_ANNOTATIONS.metrics])).toEqual([stored().spec.metrics[1]]);
    expect(JSON.parse(a[HPA_ANNOTATIONS.behavior])).toEqual(stored().spec.behavior);
    expect(JSON.parse(a[HPA_ANNOTATIONS.currentMetrics])).toEqual([stored().status.currentMetrics[1]]);
    expect(JSON.parse(a[HPA_ANNOTATIONS.conditions])).toEqual(stored().status.conditions);
  });

  it('comes back to the same v2 object (but for the v1-only averageValue of the CPU current value)', () => {
    const back = toStoredVersion(HPA, v1, 'v1');
    const expected = stored();
    expected.status.currentMetrics[0].resource.current = { averageUtilization: 120 };
    expect(back).toEqual(expected);
  });
});

describe('HorizontalPodAutoscaler autoscaling/v1 → v2', () => {
  it('turns targetCPUUtilizationPercentage into a Resource metric', () => {
    const v1: KubeObject = { apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata: { name: 'web' }, spec: { scaleTargetRef: { kind: 'Deployment', name: 'web' }, maxReplicas: 3, targetCPUUtilizationPercentage: 50 } };
    expect(toStoredVersion(HPA, v1, 'v1')).toEqual({
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'web' },
      spec: { scaleTargetRef: { kind: 'Deployment', name: 'web' }, maxReplicas: 3, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }] },
    });
  });

  it('refuses an annotation that is not JSON with a 400 that says what to do', () => {
    const v1: KubeObject = { apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata: { name: 'web', annotations: { [HPA_ANNOTATIONS.behavior]: '{' } }, spec: { maxReplicas: 3 } };
    expect(() => toStoredVersion(HPA, v1, 'v1')).toThrow(expect.objectContaining({ code: 400, message: expect.stringContaining('fix or remove it') }));
  });

  it('leaves the stored version alone and refuses a version the kind does not serve', () => {
    const obj = stored();
    expect(toStoredVersion(HPA, obj, 'v2')).toBe(obj);
    expect(() => toServedVersion(HPA, obj, 'v2beta2')).toThrow(expect.objectContaining({ code: 404 }));
  });
});
