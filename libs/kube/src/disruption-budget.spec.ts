import {
  BudgetError,
  budgetCounts,
  budgetSelects,
  countHealthy,
  disruptionsAllowed,
  pendingDisruptions,
  scaledValue,
  setDisruptionAllowed,
  type ScaleFinder,
} from './disruption-budget';
import type { KubeObject } from './object';

const NOW = new Date('2026-01-01T00:10:00Z');

function pod(name: string, opts: { ready?: boolean; deleting?: boolean; owner?: string; labels?: Record<string, string>; namespace?: string } = {}): KubeObject {
  const { ready = true, deleting = false, owner = 'rs-1', labels = { app: 'web' }, namespace = 'default' } = opts;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace,
      labels,
      ...(owner ? { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: owner, uid: owner, controller: true }] } : {}),
      ...(deleting ? { deletionTimestamp: '2026-01-01T00:09:00Z' } : {}),
    },
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
  };
}

const pdb = (spec: Record<string, unknown>, namespace = 'default'): KubeObject => ({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'b', namespace }, spec });

/** Every pod belongs to one controller of `replicas`, whatever its pods number now. */
const scaleOf =
  (replicas: number): ScaleFinder =>
  (p) => ({ uid: p.metadata.ownerReferences![0].uid, replicas });

describe('scaledValue (intstr.GetScaledValueFromIntOrPercent)', () => {
  it.each([
    [2, 10, true, 2],
    ['50%', 3, true, 2],
    ['50%', 3, false, 1],
    ['34%', 3, true, 2],
    ['33%', 3, true, 1],
    ['100%', 7, true, 7],
    ['0%', 7, true, 0],
    ['1%', 1, true, 1],
    ['10%', 0, true, 0],
  ])('%p of %p (round up %p) is %p', (value, total, roundUp, expected) => {
    expect(scaledValue(value, total, roundUp)).toBe(expected);
  });

  it('refuses a string that is not a percentage', () => {
    expect(() => scaledValue('two', 3, true)).toThrow(BudgetError);
  });
});

describe('budgetCounts', () => {
  const three = [pod('a'), pod('b'), pod('c')];

  it('minAvailable as an int: desired is the int, expected the pods selected now', () => {
    expect(budgetCounts({ minAvailable: 2 }, three, scaleOf(5))).toEqual({ expectedPods: 3, desiredHealthy: 2, unmanagedPods: [] });
  });

  it('minAvailable as a percentage rounds up against the controllers\u2019 scale', () => {
    expect(budgetCounts({ minAvailable: '50%' }, three, scaleOf(3))).toMatchObject({ expectedPods: 3, desiredHealthy: 2 });
    // A surge pod during a rollout does not raise the base: the Deployment wants 4.
    expect(budgetCounts({ minAvailable: '50%' }, [...three, pod('d'), pod('e')], scaleOf(4))).toMatchObject({ expectedPods: 4, desiredHealthy: 2 });
  });

  it('maxUnavailable subtracts from the scale, its percentage rounded up, never below 0', () => {
    expect(budgetCounts({ maxUnavailable: 1 }, three, scaleOf(3))).toMatchObject({ expectedPods: 3, desiredHealthy: 2 });
    expect(budgetCounts({ maxUnavailable: '50%' }, three, scaleOf(3))).toMatchObject({ expectedPods: 3, desiredHealthy: 1 });
    expect(budgetCounts({ maxUnavailable: '10%' }, three, scaleOf(3))).toMatchObject({ desiredHealthy: 2 });
    expect(budgetCounts({ maxUnavailable: 5 }, three, scaleOf(3))).toMatchObject({ desiredHealthy: 0 });
  });

  it('sums the scale of distinct controllers once each', () => {
    const pods = [pod('a', { owner: 'rs-1' }), pod('b', { owner: 'rs-1' }), pod('c', { owner: 'rs-2' })];
    const finder: ScaleFinder = (p) => ({ uid: p.metadata.ownerReferences![0].uid, replicas: p.metadata.ownerReferences![0].uid === 'rs-1' ? 2 : 5 });
    expect(budgetCounts({ maxUnavailable: 0 }, pods, finder)).toMatchObject({ expectedPods: 7, desiredHealthy: 7 });
  });

  it('leaves pods without a controller out of a percentage\u2019s base and names them', () => {
    const pods = [pod('a'), pod('lonely', { owner: '' })];
    expect(budgetCounts({ minAvailable: '100%' }, pods, scaleOf(1))).toEqual({ expectedPods: 1, desiredHealthy: 1, unmanagedPods: ['lonely'] });
  });

  it('fails when a pod\u2019s controller cannot be sized', () => {
    expect(() => budgetCounts({ maxUnavailable: 1 }, three, () => undefined)).toThrow('found no controllers for pod "a"');
  });

  it('expects nothing when neither field is set', () => {
    expect(budgetCounts({}, three, scaleOf(3))).toEqual({ expectedPods: 0, desiredHealthy: 0, unmanagedPods: [] });
  });
});

describe('countHealthy', () => {
  it('counts Ready pods that are not being deleted', () => {
    const pods = [pod('a'), pod('b', { ready: false }), pod('c', { deleting: true }), pod('d')];
    expect(countHealthy(pods, {}, NOW)).toBe(2);
  });

  it('leaves out a pod evicted less than two minutes ago, and counts it again afterwards', () => {
    const pods = [pod('a'), pod('b'), pod('c')];
    expect(countHealthy(pods, { b: '2026-01-01T00:09:00Z' }, NOW)).toBe(2);
    expect(countHealthy(pods, { b: '2026-01-01T00:07:59Z' }, NOW)).toBe(3);
  });
});

describe('pendingDisruptions', () => {
  it('keeps entries whose pod still stands within the timeout; recheck when the first expires', () => {
    const pods = [pod('a'), pod('b'), pod('c', { deleting: true })];
    const result = pendingDisruptions({ a: '2026-01-01T00:09:30Z', b: '2026-01-01T00:09:00Z', c: '2026-01-01T00:09:50Z', gone: '2026-01-01T00:09:50Z', old: '2026-01-01T00:01:00Z' }, [...pods, pod('old')], NOW);
    expect(result.disruptedPods).toEqual({ a: '2026-01-01T00:09:30Z', b: '2026-01-01T00:09:00Z' });
    expect(result.recheckAt).toEqual(new Date('2026-01-01T00:11:00Z'));
  });

  it('is empty without entries', () => {
    expect(pendingDisruptions(undefined, [pod('a')], NOW)).toEqual({ disruptedPods: {} });
  });
});

describe('disruptionsAllowed', () => {
  it.each([
    [3, 2, 3, 1],
    [2, 2, 3, 0],
    [1, 2, 3, 0],
    [5, 0, 5, 5],
    [3, 0, 0, 0],
  ])('healthy %p, desired %p, expected %p: %p', (healthy, desired, expected, allowed) => {
    expect(disruptionsAllowed(healthy, desired, expected)).toBe(allowed);
  });
});

describe('budgetSelects', () => {
  it('matches by selector within the namespace', () => {
    expect(budgetSelects(pdb({ selector: { matchLabels: { app: 'web' } } }), pod('a'))).toBe(true);
    expect(budgetSelects(pdb({ selector: { matchLabels: { app: 'db' } } }), pod('a'))).toBe(false);
    expect(budgetSelects(pdb({ selector: { matchLabels: { app: 'web' } } }, 'other'), pod('a'))).toBe(false);
    expect(budgetSelects(pdb({ selector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['web', 'api'] }] } }), pod('a'))).toBe(true);
  });

  it('a null selector matches nothing, an empty one every pod of the namespace (policy/v1)', () => {
    expect(budgetSelects(pdb({}), pod('a'))).toBe(false);
    expect(budgetSelects(pdb({ selector: {} }), pod('a'))).toBe(true);
  });

  it('an invalid selector matches nothing', () => {
    expect(budgetSelects(pdb({ selector: { matchExpressions: [{ key: 'app', operator: 'Near', values: ['x'] }] } }), pod('a'))).toBe(false);
  });
});

describe('setDisruptionAllowed', () => {
  it('adds the condition, then keeps its transition time while the status holds', () => {
    const first = setDisruptionAllowed(undefined, 'SufficientPods', 1, '2026-01-01T00:00:00Z');
    expect(first).toEqual([{ type: 'DisruptionAllowed', status: 'True', observedGeneration: 1, lastTransitionTime: '2026-01-01T00:00:00Z', reason: 'SufficientPods', message: '' }]);
    expect(setDisruptionAllowed(first, 'SufficientPods', 2, '2026-01-01T00:05:00Z')[0]).toMatchObject({ observedGeneration: 2, lastTransitionTime: '2026-01-01T00:00:00Z' });
    expect(setDisruptionAllowed(first, 'SyncFailed', 1, '2026-01-01T00:05:00Z', 'boom')[0]).toMatchObject({ status: 'False', reason: 'SyncFailed', message: 'boom', lastTransitionTime: '2026-01-01T00:05:00Z' });
  });
});
