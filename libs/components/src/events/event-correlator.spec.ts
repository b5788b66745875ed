import { COMBINED_PREFIX, type Correlation, EventCorrelator, type Occurrence, kubeTime } from './event-correlator';
import type { ObjectReference } from './event-recorder';

const T0 = Date.parse('2026-03-01T10:00:00Z');
const SEC = 1000;
const MIN = 60 * SEC;

const pod: ObjectReference = { kind: 'Pod', apiVersion: 'v1', namespace: 'shop', name: 'web-1', uid: 'uid-web-1', resourceVersion: '7', fieldPath: 'spec.containers{web}' };
let names = 0;

function occurrence(over: Partial<Occurrence> = {}): Occurrence {
  return { involvedObject: pod, type: 'Warning', reason: 'BackOff', message: 'Back-off restarting failed container web', source: { component: 'kubelet', host: 'node-a' }, name: `web-1.${(++names).toString(16)}`, ...over };
}

function written(c: Correlation) {
  if (c.action === 'skip') throw new Error('expected a write, got skip');
  return c.event;
}

describe('EventCorrelator', () => {
  describe('a first occurrence', () => {
    it('becomes a new Event with count 1, both timestamps now, the source and the reporting component', () => {
      const c = new EventCorrelator().correlate(occurrence({ name: 'web-1.abc' }), T0 + 400);
      expect(c.action).toBe('create');
      expect(written(c)).toEqual({
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name: 'web-1.abc', namespace: 'shop' },
        involvedObject: pod,
        reason: 'BackOff',
        message: 'Back-off restarting failed container web',
        source: { component: 'kubelet', host: 'node-a' },
        firstTimestamp: '2026-03-01T10:00:00Z',
        lastTimestamp: '2026-03-01T10:00:00Z',
        count: 1,
        type: 'Warning',
        reportingComponent: 'kubelet',
        reportingInstance: 'node-a',
      });
    });

    it('about a cluster-scoped object lives in the default namespace', () => {
      const node: ObjectReference = { kind: 'Node', apiVersion: 'v1', name: 'node-a', uid: 'node-a' };
      const event = written(new EventCorrelator().correlate(occurrence({ involvedObject: node, source: { component: 'node-controller' }, type: 'Normal', reason: 'RegisteredNode' }), T0));
      expect(event.metadata.namespace).toBe('default');
      expect(event.involvedObject.namespace).toBeUndefined();
      expect(event.source).toEqual({ component: 'node-controller' });
      expect(event.reportingInstance).toBe('');
    });
  });

  describe('when the same occurrence repeats within the window', () => {
    it('counts up the existing Event: same name, first timestamp kept, last timestamp moved', () => {
      const correlator = new EventCorrelator();
      const first = written(correlator.correlate(occurrence(), T0));
      const second = correlator.correlate(occurrence(), T0 + 30 * SEC);
      const third = correlator.correlate(occurrence(), T0 + 9 * MIN);
      expect(second.action).toBe('update');
      expect(third.action).toBe('update');
      expect(written(third)).toEqual({ ...first, count: 3, lastTimestamp: kubeTime(T0 + 9 * MIN) });
    });

    it('keeps counting as long as no gap is longer than the window (it slides)', () => {
      const correlator = new EventCorrelator({ windowMs: 10 * MIN });
      correlator.correlate(occurrence(), T0);
      let last: Correlation | undefined;
      for (let i = 1; i <= 6; i++) last = correlator.correlate(occurrence(), T0 + i * 9 * MIN);
      expect(written(last!).count).toBe(7);
    });

    it('keeps the involved object as first recorded (its resourceVersion moves, the Event does not)', () => {
      const correlator = new EventCorrelator();
      correlator.correlate(occurrence(), T0);
      const again = written(correlator.correlate(occurrence({ involvedObject: { ...pod, resourceVersion: '99' } }), T0 + SEC));
      expect(again.count).toBe(2);
      expect(again.involvedObject.resourceVersion).toBe('7');
    });
  });

  describe('when the occurrence comes back after the window', () => {
    it('is a new Event', () => {
      const correlator = new EventCorrelator({ windowMs: 10 * MIN });
      const first = written(correlator.correlate(occurrence(), T0));
      const later = correlator.correlate(occurrence(), T0 + 10 * MIN + SEC);
      expect(later.action).toBe('create');
      expect(written(later).metadata.name).not.toBe(first.metadata.name);
      expect(written(later).count).toBe(1);
    });
  });

  describe('occurrences that differ', () => {
    it.each([
      ['message', { message: 'something else' }],
      ['reason', { reason: 'Unhealthy' }],
      ['type', { type: 'Normal' as const }],
      ['source', { source: { component: 'kubelet', host: 'node-b' } }],
      ['object', { involvedObject: { ...pod, uid: 'uid-web-1-new' } }],
      ['field path', { involvedObject: { ...pod, fieldPath: 'spec.containers{sidecar}' } }],
    ])('in %s are separate Events', (_what, over) => {
      const correlator = new EventCorrelator();
      correlator.correlate(occurrence(), T0);
      expect(correlator.correlate(occurrence(over), T0 + SEC).action).toBe('create');
    });
  });

  describe('aggregation of similar messages', () => {
    it('combines the 10th distinct message of one (source, object, type, reason) into one Event that then counts up', () => {
      const correlator = new EventCorrelator();
      const rs: ObjectReference = { kind: 'ReplicaSet', apiVersion: 'apps/v1', namespace: 'shop', name: 'web-7d9', uid: 'uid-rs' };
      const created = (i: number) => occurrence({ involvedObject: rs, type: 'Normal', reason: 'SuccessfulCreate', message: `Created pod: web-7d9-${i}`, source: { component: 'replicaset-controller' } });
      const results = Array.from({ length: 12 }, (_, i) => correlator.correlate(created(i), T0 + i * SEC));
      expect(results.slice(0, 9).map((r) => r.action)).toEqual(Array(9).fill('create'));
      const combined = results.slice(9).map(written);
      expect(results[9].action).toBe('create');
      expect(combined.map((e) => e.message)).toEqual([9, 10, 11].map((i) => `${COMBINED_PREFIX}Created pod: web-7d9-${i}`));
      expect(combined.map((e) => e.count)).toEqual([1, 2, 3]);
      expect(new Set(combined.map((e) => e.metadata.name)).size).toBe(1);
    });

    it('starts over once the similar messages stop for longer than the window', () => {
      const correlator = new EventCorrelator({ maxSimilar: 3 });
      for (let i = 0; i < 3; i++) correlator.correlate(occurrence({ message: `m${i}` }), T0);
      const later = written(correlator.correlate(occurrence({ message: 'm9' }), T0 + 11 * MIN));
      expect(later.message).toBe('m9');
    });
  });

  describe('the spam filter', () => {
    const distinct = (i: number) => occurrence({ message: `probe failed ${i}` });

    it('lets a burst of 25 through per (source, object, type, reason), then skips', () => {
      const correlator = new EventCorrelator({ maxSimilar: 1_000 });
      const actions = Array.from({ length: 30 }, (_, i) => correlator.correlate(distinct(i), T0).action);
      expect(actions.filter((a) => a !== 'skip')).toHaveLength(25);
      expect(actions.slice(25)).toEqual(Array(5).fill('skip'));
      // Another reason about the same object has its own bucket.
      expect(correlator.correlate(occurrence({ reason: 'Unhealthy' }), T0).action).toBe('create');
    });

    it('refills one token per 5 minutes', () => {
      const correlator = new EventCorrelator({ maxSimilar: 1_000, burst: 2 });
      correlator.correlate(distinct(0), T0);
      correlator.correlate(distinct(1), T0);
      expect(correlator.correlate(distinct(2), T0 + 4 * MIN).action).toBe('skip');
      expect(correlator.correlate(distinct(3), T0 + 5 * MIN).action).toBe('create');
      expect(correlator.correlate(distinct(4), T0 + 5 * MIN).action).toBe('skip');
    });

    it('still counts what it held back, so the next write carries the true count', () => {
      const correlator = new EventCorrelator({ burst: 1, refillMs: MIN });
      correlator.correlate(occurrence(), T0);
      expect(correlator.correlate(occurrence(), T0 + SEC).action).toBe('skip');
      expect(correlator.correlate(occurrence(), T0 + 2 * SEC).action).toBe('skip');
      expect(written(correlator.correlate(occurrence(), T0 + MIN + 2 * SEC)).count).toBe(4);
    });
  });

  it('forgets the least recently used entries beyond its cache size', () => {
    const correlator = new EventCorrelator({ cacheSize: 2 });
    const about = (name: string) => occurrence({ involvedObject: { ...pod, name, uid: name } });
    correlator.correlate(about('a'), T0);
    correlator.correlate(about('b'), T0);
    correlator.correlate(about('c'), T0);
    expect(correlator.correlate(about('c'), T0 + SEC).action).toBe('update');
    expect(correlator.correlate(about('a'), T0 + SEC).action).toBe('create');
  });
});
