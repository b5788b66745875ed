import { applyDefaults } from './defaults';
import type { KubeObject } from './object';
import { toTable } from './table';
import { validateObject } from './validation';

const hpa = (spec: Record<string, unknown>, status?: Record<string, unknown>): KubeObject => ({
  apiVersion: 'autoscaling/v2',
  kind: 'HorizontalPodAutoscaler',
  metadata: { name: 'web', namespace: 'shop', creationTimestamp: '2026-01-01T00:00:00Z' },
  spec,
  ...(status ? { status } : {}),
});
const ref = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' };
const cpu = (averageUtilization: number) => ({ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization } } });
const check = (spec: Record<string, unknown>) => validateObject(applyDefaults(hpa(spec))).map((c) => `${c.field}: ${c.message}`);

describe('HorizontalPodAutoscaler defaulting', () => {
  it('defaults minReplicas to 1 and a missing metric list to 80% CPU, as Kubernetes', () => {
    expect(applyDefaults(hpa({ scaleTargetRef: ref, maxReplicas: 3 })).spec).toEqual({ scaleTargetRef: ref, maxReplicas: 3, minReplicas: 1, metrics: [cpu(80)] });
  });

  it('completes a given behavior with the default rules', () => {
    const spec = applyDefaults(hpa({ scaleTargetRef: ref, maxReplicas: 3, behavior: { scaleDown: { stabilizationWindowSeconds: 30 } } })).spec;
    expect(spec.behavior.scaleDown).toEqual({ stabilizationWindowSeconds: 30, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] });
    expect(spec.behavior.scaleUp.policies).toHaveLength(2);
  });
});

describe('HorizontalPodAutoscaler validation', () => {
  it('accepts CPU utilization and memory average value targets', () => {
    expect(check({ scaleTargetRef: ref, maxReplicas: 3, metrics: [cpu(50), { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '128Mi' } } }] })).toEqual([]);
  });

  it('requires the scale target and maxReplicas', () => {
    expect(check({})).toEqual(['spec.scaleTargetRef: Required value', 'spec.maxReplicas: Required value']);
    expect(check({ scaleTargetRef: { kind: 'Deployment' }, maxReplicas: 1 })).toEqual(['spec.scaleTargetRef.name: Required value']);
  });

  it('wants 1 ≤ minReplicas ≤ maxReplicas', () => {
    expect(check({ scaleTargetRef: ref, minReplicas: 0, maxReplicas: 3 })).toEqual(['spec.minReplicas: Invalid value: 0: must be greater than or equal to 1']);
    expect(check({ scaleTargetRef: ref, minReplicas: 4, maxReplicas: 3 })).toEqual(['spec.maxReplicas: Invalid value: 3: must be greater than or equal to `minReplicas`']);
  });

  it('refuses metric types other than Resource, and resources other than cpu and memory', () => {
    expect(check({ scaleTargetRef: ref, maxReplicas: 3, metrics: [{ type: 'External', external: {} }] })).toEqual([
      'spec.metrics[0].type: Unsupported value: "External": only Resource metrics (cpu, memory) are supported here',
    ]);
    expect(check({ scaleTargetRef: ref, maxReplicas: 3, metrics: [{ type: 'Resource', resource: { name: 'gpu', target: { type: 'Utilization', averageUtilization: 5 } } }] })).toEqual([
      'spec.metrics[0].resource.name: Unsupported value: "gpu": supported values: "cpu", "memory"',
    ]);
    expect(check({ scaleTargetRef: ref, maxReplicas: 3, metrics: [cpu(0)] })).toEqual(['spec.metrics[0].resource.target.averageUtilization: Invalid value: 0: must be greater than 0']);
  });

  it('checks behavior policies', () => {
    const behavior = { scaleUp: { selectPolicy: 'Fastest', policies: [{ type: 'Pods', value: 0, periodSeconds: 15 }] } };
    expect(check({ scaleTargetRef: ref, maxReplicas: 3, behavior })).toEqual([
      'spec.behavior.scaleUp.selectPolicy: Unsupported value: "Fastest": supported values: "Max", "Min", "Disabled"',
      'spec.behavior.scaleUp.policies[0].value: Invalid value: 0: must be greater than zero',
    ]);
  });
});

describe('kubectl get hpa columns', () => {
  const now = new Date('2026-01-01T00:05:00Z');
  const row = (o: KubeObject) => (toTable('HorizontalPodAutoscaler', [o], { now, resourceVersion: '1' }) as any).rows[0].cells;

  it('prints NAME, REFERENCE, TARGETS, MINPODS, MAXPODS, REPLICAS, AGE', () => {
    const o = hpa({ scaleTargetRef: ref, minReplicas: 1, maxReplicas: 3, metrics: [cpu(50)] }, { currentReplicas: 2, currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 253 } } }] });
    expect(row(o)).toEqual(['web', 'Deployment/web', 'cpu: 253%/50%', 1, 3, 2, '5m']);
    const cols = (toTable('HorizontalPodAutoscaler', [o], { now, resourceVersion: '1' }) as any).columnDefinitions.map((c: any) => c.name);
    expect(cols).toEqual(['Name', 'Reference', 'Targets', 'MinPods', 'MaxPods', 'Replicas', 'Age']);
  });

  it('shows <unknown> before the first measurement and shortens long metric lists', () => {
    const mem = { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '1Gi' } } };
    expect(row(hpa({ scaleTargetRef: ref, maxReplicas: 3, metrics: [cpu(50), mem, cpu(70)] }))[2]).toBe('cpu: <unknown>/50%, memory: <unknown>/1Gi + 1 more...');
  });
});
