import type { EventData, RecordedEvent } from '@eventstore/db-client';
import type { NewEvent } from '@logbook/events';
import { anEvent } from '../testing/fixtures';
import { esdbEventId, eventTimeMs, fromRecorded, logbookId, toEventData } from './event-encoding';

/** What EventStoreDB gives back for an appended JSON event: data and metadata through JSON text. */
function recordedFrom(data: EventData, revision = 0n): RecordedEvent {
  if (data.contentType !== 'application/json') throw new Error('the adapter writes JSON events');
  return {
    streamId: 'logbook/Pod/default/web',
    id: data.id,
    isJson: true,
    revision,
    type: data.type,
    created: new Date(),
    data: JSON.parse(JSON.stringify(data.data)) as Record<string, unknown>,
    metadata: JSON.parse(JSON.stringify(data.metadata)) as Record<string, unknown>,
  };
}

describe('event encoding', () => {
  it('round-trips an event with all its metadata', () => {
    const event = anEvent({
      type: 'DeploymentScaled',
      data: { text: 'héllo ✓', big: 2 ** 40, nil: null, list: [1, 'two'] },
      metadata: { actor: 'system:scheduler', causationId: 'c-1', correlationId: 'r-1', time: '2024-05-01T10:00:00.123Z' },
    });
    const recorded = recordedFrom(toEventData(event), 3n);
    expect(fromRecorded(recorded, 'Pod/default/web', 42)).toEqual({ ...event, position: 42, stream: 'Pod/default/web', revision: 3 });
    expect(logbookId(recorded)).toBe(event.id);
    expect(eventTimeMs(recorded)).toBe(Date.parse('2024-05-01T10:00:00.123Z'));
  });

  it('leaves absent optional metadata absent', () => {
    const stored = fromRecorded(recordedFrom(toEventData(anEvent())), 's', 1);
    expect(Object.keys(stored.metadata).sort()).toEqual(['actor', 'schemaVersion', 'time']);
  });

  it.each([[42], ['text'], [null], [true]])('wraps and unwraps data that is not an object or array: %p', (data) => {
    const event: NewEvent = { ...anEvent(), data };
    const written = toEventData(event);
    expect(written.data).toEqual({ value: data });
    expect(fromRecorded(recordedFrom(written), 's', 1).data).toEqual(data);
  });

  it('uses the event id as EventStoreDB id when it is a UUID, and a stable UUID of it otherwise', () => {
    const event = anEvent();
    expect(toEventData(event).id).toBe(event.id);
    const derived = esdbEventId('not-a-uuid');
    expect(derived).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(esdbEventId('not-a-uuid')).toBe(derived);
    expect(esdbEventId('not-a-uuid-2')).not.toBe(derived);
    const recorded = recordedFrom(toEventData({ ...event, id: 'not-a-uuid' }));
    expect(fromRecorded(recorded, 's', 1).id).toBe('not-a-uuid');
  });

  it('does not take events written by something else for Logbook’s', () => {
    const foreign: RecordedEvent = { ...recordedFrom(toEventData(anEvent())), metadata: { note: 'by hand' } };
    expect(logbookId(foreign)).toBeUndefined();
    expect(() => fromRecorded(foreign, 's', 1)).toThrow(/no Logbook metadata/);
  });
});
