import { DEFAULT_BACKOFF, nextRestart, shouldRestart } from './backoff';
import { nextResult, probeTiming } from './probe-worker';

describe('nextRestart', () => {
  it('restarts at once, then 10 s doubling to 5 min (the kubelet defaults)', () => {
    let state = { step: 0 };
    const delays: number[] = [];
    for (let i = 0; i < 8; i++) {
      const next = nextRestart(DEFAULT_BACKOFF, state, 1_000);
      delays.push(next.delayMs / 1000);
      state = next.state;
    }
    expect(delays).toEqual([0, 10, 20, 40, 80, 160, 300, 300]);
  });

  it('starts over after a run of at least resetAfter', () => {
    expect(nextRestart(DEFAULT_BACKOFF, { step: 6 }, 600_000)).toEqual({ delayMs: 0, state: { step: 1 } });
  });
});

describe('shouldRestart', () => {
  it.each([
    ['Always', 0, true],
    ['Always', 1, true],
    [undefined, 0, true],
    ['OnFailure', 0, false],
    ['OnFailure', 2, true],
    ['Never', 1, false],
  ])('%s, exit %i → %s', (policy, code, want) => expect(shouldRestart(policy, code)).toBe(want));
});

describe('probe thresholds', () => {
  const timing = probeTiming({ successThreshold: 2, failureThreshold: 3, periodSeconds: 2 }, 100);

  it('scales seconds and applies kube defaults', () => {
    expect(probeTiming({}, 1000)).toEqual({ initialDelayMs: 0, periodMs: 10_000, timeoutMs: 1_000, successThreshold: 1, failureThreshold: 3 });
    expect(timing.periodMs).toBe(200);
  });

  it('flips only after the threshold of results in a row', () => {
    let s = { result: false, successes: 0, failures: 0 };
    const seen: boolean[] = [];
    for (const ok of [true, false, true, true, false, false, true, false, false, false]) {
      s = nextResult(s, ok, timing);
      seen.push(s.result);
    }
    expect(seen).toEqual([false, false, false, true, true, true, true, true, true, false]);
  });
});
