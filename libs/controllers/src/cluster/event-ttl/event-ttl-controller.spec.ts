import { ClientError } from '@logbook/components';
import { makeObject } from '../../../../kube/src/testing/builders';
import { CAUSE, at, fixture } from '../testing/fixture';
import { EventTtlController, parseEventTtl } from './event-ttl-controller';

const T0 = '2026-01-01T00:00:00Z';
const HOUR = 3_600_000;

const event = (lastTimestamp: string | undefined) => makeObject('v1', 'Event', 'web-1.181f').with('metadata.namespace', 'shop').with('metadata.creationTimestamp', T0).with('firstTimestamp', T0).with('lastTimestamp', lastTimestamp).obj();

describe('EventTtlController.reconcile', () => {
  describe('when the Event is younger than the TTL', () => {
    it('writes nothing and asks to be called when it expires', async () => {
      const { ctx, client } = fixture([event(at(T0, 600))], at(T0, 1800));
      const result = await new EventTtlController({ ttlMs: HOUR }).reconcile('shop/web-1.181f', ctx);
      expect(client.calls).toEqual([]);
      expect(result).toEqual({ requeueAfterMs: (600 + 3600 - 1800) * 1000 });
    });
  });

  describe('when its last occurrence is older than the TTL', () => {
    it('deletes it with its uid and resourceVersion as preconditions, carrying the cause', async () => {
      const { ctx, client } = fixture([event(at(T0, 600))], at(T0, 600 + 3600));
      await new EventTtlController({ ttlMs: HOUR }).reconcile('shop/web-1.181f', ctx);
      expect(client.summary).toEqual(['delete Event/web-1.181f']);
      expect(client.ofVerb('delete')[0]).toMatchObject({ namespace: 'shop', options: { ...CAUSE, preconditions: { uid: 'uid-event-web-1.181f', resourceVersion: '1' } } });
    });

    it('counts from its creation when it has no lastTimestamp', async () => {
      const { ctx, client } = fixture([event(undefined)], at(T0, 61));
      await new EventTtlController({ ttlMs: 60_000 }).reconcile('shop/web-1.181f', ctx);
      expect(client.summary).toEqual(['delete Event/web-1.181f']);
    });

    it.each([
      ['gone already', new ClientError(404, 'NotFound', 'events "web-1.181f" not found')],
      ['counted up since the cache saw it', new ClientError(409, 'Conflict', 'the object has been modified')],
    ])('is done when it is %s', async (_what, error) => {
      const { ctx, client } = fixture([event(T0)], at(T0, 7200));
      client.failOn('delete', 'web-1.181f', error);
      await expect(new EventTtlController({ ttlMs: HOUR }).reconcile('shop/web-1.181f', ctx)).resolves.toBeUndefined();
    });
  });

  it('does nothing for an Event that is gone', async () => {
    const { ctx, client } = fixture([], T0);
    expect(await new EventTtlController().reconcile('shop/nope', ctx)).toBeUndefined();
    expect(client.calls).toEqual([]);
  });

  it('is woken only by Events being written, never by their deletion', () => {
    const c = new EventTtlController();
    expect(c.watches).toEqual(['Event']);
    expect(c.keysFor({ kind: 'Event', after: event(T0) })).toEqual(['shop/web-1.181f']);
    expect(c.keysFor({ kind: 'Event', before: event(T0) })).toEqual([]);
  });
});

describe('parseEventTtl', () => {
  it.each([
    ['1h', HOUR],
    ['1h30m', 1.5 * HOUR],
    ['90s', 90_000],
    ['500ms', 500],
    [`${HOUR}ms`, HOUR],
  ])('%s', (text, ms) => expect(parseEventTtl(text)).toBe(ms));

  it.each(['', '0s', '1d', '3600', '-1h', 'soon'])('rejects "%s" saying what it expects', (text) => {
    expect(() => parseEventTtl(text)).toThrow(/--event-ttl must be a positive duration such as 1h, 30m/);
  });
});
