import { ApiError, resourceByKind, type KubeObject } from '@logbook/kube';
import type { NewEvent, StoredEvent } from '@logbook/events';
import { evolveObject } from '@logbook/projections';
import { decide } from './decide';
import type { WriteCommand, WriteContext } from './commands';

const budgets = resourceByKind('PodDisruptionBudget')!;
const STREAM = 'PodDisruptionBudget/default/web';

function context(): WriteContext {
  let n = 0;
  return { actor: 'alice', now: '2026-11-22T10:00:00.123Z', correlationId: 'req-1', newId: () => `id-${++n}` };
}

/** given(budget as created, then its status).when(spend).then(…): the decider as a specification. */
function given(status: Record<string, unknown> | undefined, spec: Record<string, unknown> = { minAvailable: 2, selector: { matchLabels: { app: 'web' } } }) {
  const ctx = context();
  const object: KubeObject = { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'web', namespace: 'default' }, spec };
  const history: NewEvent[] = decide({ type: 'Create', resource: budgets, object }, undefined, ctx);
  let state = fold(undefined, history, 1);
  if (status) {
    const events = decide({ type: 'UpdateStatus', resource: budgets, object: { ...state!, status } }, state, ctx);
    state = fold(state, events, 2);
  }
  const command: WriteCommand = { type: 'SpendDisruption', resource: budgets, podName: 'web-1' };
  return {
    state,
    spend: () => decide(command, state, context()),
    after: () => fold(state, decide(command, state, context()), 10),
  };
}

function fold(state: KubeObject | undefined, events: NewEvent[], from: number): KubeObject | undefined {
  events.forEach((e, i) => (state = evolveObject(state, { ...e, position: from + i, revision: from + i, stream: STREAM } as StoredEvent)));
  return state;
}

function rejection(run: () => unknown): ApiError {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(ApiError);
    return err as ApiError;
  }
  throw new Error('expected the eviction to be refused');
}

const healthy = (allowed: number, extra: Record<string, unknown> = {}) => ({ observedGeneration: 1, disruptionsAllowed: allowed, currentHealthy: 2 + allowed, desiredHealthy: 2, expectedPods: 2 + allowed, ...extra });

describe('spending a disruption of a PodDisruptionBudget', () => {
  describe('when the budget was just created (zero status)', () => {
    it('starts with no disruption allowed', () => {
      expect(given(undefined).state!.status).toEqual({ disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 });
    });

    it('refuses with 429: the status does not reflect generation 1 yet, retry after 10 s', () => {
      const err = rejection(given(undefined).spend);
      expect(err.code).toBe(429);
      expect(err.toStatus()).toEqual({
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: "Cannot evict pod as it would violate the pod's disruption budget.",
        reason: 'TooManyRequests',
        details: { causes: [{ reason: 'DisruptionBudget', message: 'The disruption budget web is still being processed by the server.' }], retryAfterSeconds: 10 },
        code: 429,
      });
    });
  });

  describe('when one disruption is allowed', () => {
    it('spends it: disruptionsAllowed 0, the pod in disruptedPods, DisruptionAllowed False', () => {
      const t = given(healthy(1));
      const events = t.spend();
      expect(events.map((e) => e.type)).toEqual(['PodDisruptionBudgetStatusChanged']);
      expect(events[0].metadata).toMatchObject({ actor: 'alice', correlationId: 'req-1' });
      expect(t.after()!.status).toEqual({
        ...healthy(0, { currentHealthy: 3, expectedPods: 3 }),
        disruptedPods: { 'web-1': '2026-11-22T10:00:00Z' },
        conditions: [{ type: 'DisruptionAllowed', status: 'False', observedGeneration: 1, lastTransitionTime: '2026-11-22T10:00:00Z', reason: 'InsufficientPods', message: '' }],
      });
    });

    it('changes status only (the spec and generation stay)', () => {
      const t = given(healthy(1));
      expect(t.after()!.spec).toEqual(t.state!.spec);
      expect(t.after()!.metadata.generation).toBe(1);
    });
  });

  describe('when two disruptions are allowed', () => {
    it('leaves one and the condition alone', () => {
      const t = given(healthy(2, { conditions: [{ type: 'DisruptionAllowed', status: 'True', reason: 'SufficientPods', message: '', observedGeneration: 1, lastTransitionTime: '2026-11-22T09:00:00Z' }] }));
      const status = t.after()!.status;
      expect(status.disruptionsAllowed).toBe(1);
      expect(status.conditions[0]).toMatchObject({ status: 'True', lastTransitionTime: '2026-11-22T09:00:00Z' });
    });

    it('keeps earlier entries of disruptedPods', () => {
      const status = given(healthy(2, { disruptedPods: { 'web-0': '2026-11-22T09:59:00Z' } })).after()!.status;
      expect(status.disruptedPods).toEqual({ 'web-0': '2026-11-22T09:59:00Z', 'web-1': '2026-11-22T10:00:00Z' });
    });
  });

  describe('when no disruption is allowed', () => {
    it('refuses with 429 and a cause naming the budget and its counts', () => {
      const err = rejection(given(healthy(0)).spend);
      expect(err.code).toBe(429);
      expect(err.reason).toBe('TooManyRequests');
      expect(err.message).toBe("Cannot evict pod as it would violate the pod's disruption budget.");
      expect(err.details).toEqual({ causes: [{ reason: 'DisruptionBudget', message: 'The disruption budget web needs 2 healthy pods and has 2 currently' }] });
    });
  });

  describe('when the spec changed after the status was computed', () => {
    it('refuses with 429 until the controller catches up', () => {
      const t = given(healthy(1));
      const ctx = context();
      const changed = fold(t.state, decide({ type: 'Update', resource: budgets, object: { ...t.state!, spec: { ...t.state!.spec, minAvailable: 1 } } }, t.state, ctx), 5)!;
      expect(changed.metadata.generation).toBe(2);
      const err = rejection(() => decide({ type: 'SpendDisruption', resource: budgets, podName: 'web-1' }, changed, context()));
      expect(err.details?.causes?.[0].message).toBe('The disruption budget web is still being processed by the server.');
    });
  });

  describe('when the status is unusable', () => {
    it('refuses with 403 a negative disruptionsAllowed', () => {
      expect(rejection(given(healthy(-1)).spend).code).toBe(403);
    });

    it('refuses with 403 a disruptedPods map of more than 2000 unconfirmed evictions', () => {
      const many = Object.fromEntries(Array.from({ length: 2001 }, (_, i) => [`p-${i}`, '2026-11-22T09:59:00Z']));
      expect(rejection(given(healthy(1, { disruptedPods: many })).spend).message).toContain('too many evictions not confirmed');
    });
  });

  describe('when the budget does not exist', () => {
    it('is a 404', () => {
      expect(rejection(() => decide({ type: 'SpendDisruption', resource: budgets, podName: 'web-1' }, undefined, context())).code).toBe(404);
    });
  });
});
