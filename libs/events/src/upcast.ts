import { CURRENT_SCHEMA_VERSION } from './domain-events';
import type { StoredEvent } from './envelope';

/** Turns `data` of one schema version into the next version's shape. */
export type UpcastStep = (data: unknown) => unknown;

/** `{ [type]: { [fromVersion]: step to fromVersion + 1 } }`. */
export type UpcasterRegistry = Readonly<Record<string, Readonly<Record<number, UpcastStep>>>>;

/**
 * The registered schema migrations. Empty while every event type is at version 1; when a
 * type's data changes shape, bump CURRENT_SCHEMA_VERSION and add the step from the old
 * version here, so stored events never need rewriting.
 */
export const UPCASTERS: UpcasterRegistry = {};

export class MissingUpcaster extends Error {
  readonly code = 'MissingUpcaster';
  constructor(type: string, fromVersion: number) {
    super(`no upcaster for ${type} from schema version ${fromVersion}`);
    this.name = 'MissingUpcaster';
  }
}

/**
 * An upcaster applying `registry` step by step until an event reaches `currentVersion`.
 * Events already current are returned as they are (no copy); an event from a newer schema
 * than this code knows is returned unchanged, since there is no way down.
 */
export function createUpcaster(registry: UpcasterRegistry, currentVersion = CURRENT_SCHEMA_VERSION) {
  return function upcastWith<E extends StoredEvent>(event: E): E {
    let version = event.metadata.schemaVersion;
    if (version >= currentVersion) return event;
    let data = event.data;
    for (; version < currentVersion; version++) {
      const step = registry[event.type]?.[version];
      if (!step) throw new MissingUpcaster(event.type, version);
      data = step(data);
    }
    return { ...event, data, metadata: { ...event.metadata, schemaVersion: version } };
  };
}

/** Brings a stored event to the current schema of its type; stores call it on every read. */
export const upcast = createUpcaster(UPCASTERS);
