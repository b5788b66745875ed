import type { StoredEvent } from './envelope';
import { createUpcaster, MissingUpcaster, upcast } from './upcast';

function stored(type: string, schemaVersion: number, data: unknown): StoredEvent {
  return { id: 'e1', type, data, position: 7, stream: 'pod/default/web', revision: 2, metadata: { time: '2024-01-01T00:00:00.000Z', actor: 'alice', schemaVersion } };
}

describe('upcast', () => {
  // A fake history: PodBound v1 had `node`, v2 renamed it to `nodeName`, v3 added `zone`.
  const upcastV3 = createUpcaster(
    {
      PodBound: {
        1: (d) => ({ nodeName: (d as { node: string }).node }),
        2: (d) => ({ ...(d as object), zone: 'default' }),
      },
    },
    3,
  );

  it('applies every step from the stored version to the current one', () => {
    const e = upcastV3(stored('PodBound', 1, { node: 'n1' }));
    expect(e.data).toEqual({ nodeName: 'n1', zone: 'default' });
    expect(e.metadata.schemaVersion).toBe(3);
    expect(e).toMatchObject({ id: 'e1', position: 7, revision: 2, stream: 'pod/default/web' });
  });

  it('starts from the stored version', () => {
    expect(upcastV3(stored('PodBound', 2, { nodeName: 'n2' })).data).toEqual({ nodeName: 'n2', zone: 'default' });
  });

  it('returns a current event unchanged', () => {
    const e = stored('PodBound', 3, { nodeName: 'n3', zone: 'z' });
    expect(upcastV3(e)).toBe(e);
  });

  it('does not modify the event it was given', () => {
    const e = stored('PodBound', 1, { node: 'n1' });
    upcastV3(e);
    expect(e).toEqual(stored('PodBound', 1, { node: 'n1' }));
  });

  it('fails loudly when a step is missing', () => {
    expect(() => upcastV3(stored('PodCreated', 1, {}))).toThrow(MissingUpcaster);
  });

  it('leaves current-version events alone with the real (empty) registry', () => {
    const e = stored('PodCreated', 1, { object: {} });
    expect(upcast(e)).toBe(e);
  });
});
