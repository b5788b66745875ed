import { type Behavior, EMPTY_HISTORY, type History, behaviorOf, normalizeReplicas, recordScale, scaleDownLimit, scaleUpLimit } from './behavior';

const NOW = 1_000_000_000;
const DEFAULTS = behaviorOf(undefined);

function normalize(current: number, desired: number, o: { min?: number; max?: number; behavior?: Behavior; history?: History } = {}) {
  return normalizeReplicas({ currentReplicas: current, desiredReplicas: desired, minReplicas: o.min ?? 1, maxReplicas: o.max ?? 10, behavior: o.behavior ?? DEFAULTS, history: o.history ?? EMPTY_HISTORY, nowMs: NOW });
}

describe('behaviorOf', () => {
  it("gives an HPA without behavior Kubernetes' defaults, with the 300 s scale-down window", () => {
    expect(DEFAULTS.scaleUp).toEqual({ stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 4, periodSeconds: 15 }, { type: 'Percent', value: 100, periodSeconds: 15 }] });
    expect(DEFAULTS.scaleDown).toEqual({ stabilizationWindowSeconds: 300, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] });
  });

  it('completes a partial rule from the defaults', () => {
    const b = behaviorOf({ behavior: { scaleDown: { stabilizationWindowSeconds: 0 } } });
    expect(b.scaleDown.stabilizationWindowSeconds).toBe(0);
    expect(b.scaleDown.policies).toEqual([{ type: 'Percent', value: 100, periodSeconds: 15 }]);
  });
});

describe('normalizeReplicas', () => {
  describe('when scaling up', () => {
    it('allows the larger of +4 pods and +100% per 15 s by default', () => {
      expect(normalize(1, 20, { max: 50 })).toMatchObject({ replicas: 5, scalingLimited: { status: 'True', reason: 'ScaleUpLimit' } });
      expect(normalize(10, 40, { max: 50 }).replicas).toBe(20);
    });

    it('stops at maxReplicas and says so', () => {
      expect(normalize(1, 20, { max: 3 })).toMatchObject({ replicas: 3, scalingLimited: { status: 'True', reason: 'TooManyReplicas' } });
    });

    it('counts what was already added in the period', () => {
      const history = recordScale(EMPTY_HISTORY, 1, 5, DEFAULTS, NOW - 5_000);
      // Period start was 1 replica: +4 pods → 5, +100% → 2; at 5 already, no further step up.
      expect(normalize(5, 20, { max: 50, history }).replicas).toBe(5);
      expect(normalize(5, 20, { max: 50, history: recordScale(EMPTY_HISTORY, 1, 5, DEFAULTS, NOW - 20_000) }).replicas).toBe(10);
    });

    it('is within range when the metrics ask for less than the limits', () => {
      expect(normalize(2, 3)).toMatchObject({ replicas: 3, scalingLimited: { status: 'False', reason: 'DesiredWithinRange' }, ableToScale: { reason: 'ReadyForNewScale' } });
    });

    it('does not scale up at all with selectPolicy Disabled', () => {
      const behavior = behaviorOf({ behavior: { scaleUp: { selectPolicy: 'Disabled' } } });
      expect(normalize(2, 6, { behavior }).replicas).toBe(2);
    });
  });

  describe('when scaling down', () => {
    it('keeps the highest recommendation of the 300 s window', () => {
      const history: History = { ...EMPTY_HISTORY, recommendations: [{ replicas: 4, atMs: NOW - 200_000 }, { replicas: 3, atMs: NOW - 100_000 }] };
      expect(normalize(4, 1, { history })).toMatchObject({ replicas: 4, ableToScale: { reason: 'ScaleDownStabilized' } });
    });

    it('forgets recommendations older than the window', () => {
      const history: History = { ...EMPTY_HISTORY, recommendations: [{ replicas: 4, atMs: NOW - 301_000 }, { replicas: 2, atMs: NOW - 100_000 }] };
      const r = normalize(4, 1, { history });
      expect(r.replicas).toBe(2);
      expect(r.recommendations).toEqual([{ replicas: 2, atMs: NOW - 100_000 }, { replicas: 1, atMs: NOW }]);
    });

    it('scales down at once with a zero window, down to minReplicas', () => {
      const behavior = behaviorOf({ behavior: { scaleDown: { stabilizationWindowSeconds: 0 } } });
      expect(normalize(4, 1, { behavior, min: 2 })).toMatchObject({ replicas: 2, scalingLimited: { status: 'True', reason: 'TooFewReplicas' } });
    });

    it('limits the rate by a Pods policy', () => {
      const behavior = behaviorOf({ behavior: { scaleDown: { stabilizationWindowSeconds: 0, policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] } } });
      expect(normalize(5, 1, { behavior })).toMatchObject({ replicas: 4, scalingLimited: { status: 'True', reason: 'ScaleDownLimit' } });
    });
  });

  it('applies a scale-up window too: the lowest recent recommendation wins', () => {
    const behavior = behaviorOf({ behavior: { scaleUp: { stabilizationWindowSeconds: 60 } } });
    const history: History = { ...EMPTY_HISTORY, recommendations: [{ replicas: 2, atMs: NOW - 30_000 }] };
    expect(normalize(1, 5, { behavior, history })).toMatchObject({ replicas: 2, ableToScale: { reason: 'ScaleUpStabilized' } });
  });
});

describe('scale limits with selectPolicy Min', () => {
  const rules = { selectPolicy: 'Min' as const, policies: [{ type: 'Pods' as const, value: 1, periodSeconds: 15 }, { type: 'Percent' as const, value: 50, periodSeconds: 15 }] };
  it('takes the smaller change', () => {
    expect(scaleUpLimit(4, EMPTY_HISTORY, rules, NOW)).toBe(5);
    expect(scaleDownLimit(4, EMPTY_HISTORY, rules, NOW)).toBe(3);
  });
});
