import type { KubeObject } from '@logbook/kube';
import { MetricUnavailable, type PodSample, podRequests, proposeReplicas } from './replica-calculator';

const NOW = Date.parse('2026-01-01T01:00:00Z');
const LONG_AGO = '2026-01-01T00:00:00Z';

function pod(name: string, o: { phase?: string; ready?: 'True' | 'False'; started?: string; readySince?: string; cpu?: string | null; deleting?: boolean } = {}): KubeObject {
  const started = o.started ?? LONG_AGO;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'ns', ...(o.deleting ? { deletionTimestamp: LONG_AGO } : {}) },
    spec: { containers: [{ name: 'c', resources: o.cpu === null ? {} : { requests: { cpu: o.cpu ?? '100m' } } }] },
    status: {
      phase: o.phase ?? 'Running',
      startTime: started,
      conditions: [{ type: 'Ready', status: o.ready ?? 'True', lastTransitionTime: o.readySince ?? started }],
    },
  };
}

const sample = (value: number, at = NOW - 1000): PodSample => ({ value, timestampMs: at, windowMs: 1000 });
const requestsOf = (pods: KubeObject[]) => podRequests(pods, 'cpu', (q) => Number(q.replace(/m$/, '')));
const cpu50 = { resource: 'cpu' as const, averageUtilization: 50 };

function propose(pods: KubeObject[], samples: Record<string, number>, currentReplicas = pods.length, target = cpu50) {
  return proposeReplicas({ currentReplicas, target, pods, samples: new Map(Object.entries(samples).map(([k, v]) => [k, sample(v)])), requests: requestsOf(pods), nowMs: NOW });
}

describe('proposeReplicas (CPU utilization)', () => {
  it('scales by usage over target: one pod at 100% of its request against 50% wants 2', () => {
    expect(propose([pod('a')], { a: 100 })).toEqual({ replicas: 2, utilization: 100, averageValue: 100 });
  });

  it('rounds up: one pod spinning a core (1000m of 100m) against 50% wants 20', () => {
    expect(propose([pod('a')], { a: 1000 }).replicas).toBe(20);
  });

  it('stays put within the 10% tolerance', () => {
    expect(propose([pod('a'), pod('b')], { a: 54, b: 54 }).replicas).toBe(2);
    expect(propose([pod('a'), pod('b')], { a: 60, b: 60 }).replicas).toBe(3);
  });

  it('scales down when usage is low', () => {
    expect(propose([pod('a'), pod('b'), pod('c'), pod('d')], { a: 10, b: 10, c: 10, d: 10 }).replicas).toBe(1);
  });

  it('takes a pod without a sample as using its whole request on a scale-down, so it scales down less', () => {
    // Without the missing pod: 4 pods at 10% → 1. With it at 100%: ratio (40+100)/500/0.5 = 0.56 → ceil(0.56×5) = 3.
    expect(propose([pod('a'), pod('b'), pod('c'), pod('d'), pod('e')], { a: 10, b: 10, c: 10, d: 10 }, 5).replicas).toBe(3);
  });

  it('takes a pod without a sample as idle on a scale-up', () => {
    // a at 200% alone wants 4; counting b at 0: ratio 200/200/0.5 = 2 → 4 over two pods.
    expect(propose([pod('a'), pod('b')], { a: 200 }, 2).replicas).toBe(4);
  });

  it('does not let a pod without a sample flip the direction: stays at the current count', () => {
    // a at 60% (ratio 1.2, up); b missing counts 0 → ratio 0.6 (down): keep 2.
    expect(propose([pod('a'), pod('b')], { a: 60 }, 2).replicas).toBe(2);
  });

  it('counts unready and pending pods as idle on a scale-up', () => {
    const pods = [pod('a'), pod('b', { ready: 'False' }), pod('c', { phase: 'Pending' })];
    // a at 300% (ratio 6); with b and c at 0: 300/300/0.5 = 2 → ceil(2×3) = 6.
    expect(propose(pods, { a: 300, b: 500 }, 3).replicas).toBe(6);
  });

  it('ignores pods being deleted and failed pods', () => {
    const pods = [pod('a'), pod('gone', { deleting: true }), pod('dead', { phase: 'Failed' })];
    expect(propose(pods, { a: 100, gone: 0, dead: 0 }, 1).replicas).toBe(2);
  });

  it('ignores a CPU sample taken before a young pod was ready for a whole window', () => {
    const started = new Date(NOW - 60_000).toISOString();
    const youngPod = pod('young', { started, readySince: new Date(NOW - 500).toISOString() });
    // The sample (NOW-1000) predates readiness + window: the pod is unready, and alone there is nothing to go on.
    expect(() => propose([youngPod], { young: 100 })).toThrow('did not receive metrics for targeted pods');
  });

  it('fails without pods', () => {
    expect(() => propose([], {})).toThrow(MetricUnavailable);
  });
});

describe('proposeReplicas (average value)', () => {
  it('compares the per-pod average with the target, without requests', () => {
    const pods = [pod('a', { cpu: null }), pod('b', { cpu: null })];
    const r = proposeReplicas({ currentReplicas: 2, target: { resource: 'memory', averageValue: 100 }, pods, samples: new Map([['a', sample(300)], ['b', sample(100)]]), nowMs: NOW });
    expect(r).toEqual({ replicas: 4, utilization: undefined, averageValue: 200 });
  });
});

describe('podRequests', () => {
  it('names the container without a request, as Kubernetes does', () => {
    expect(() => requestsOf([pod('web-1', { cpu: null })])).toThrow('missing request for cpu in container c of Pod web-1');
  });

  it('sums the containers of a pod', () => {
    const p = pod('a');
    p.spec.containers.push({ name: 'side', resources: { requests: { cpu: '50m' } } });
    expect(requestsOf([p]).get('a')).toBe(150);
  });
});
