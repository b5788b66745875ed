import type { EventStore } from '@logbook/eventstore';
import type { StoredEvent } from '@logbook/events';
import type { ClusterState, ObjectChange } from './state';

/** Page size for folding from the store: large, because a fold is a sequential scan. */
export const FOLD_PAGE_SIZE = 10_000;

/**
 * Folds the store's events after `state.position` (up to `to`, inclusive, when given) into
 * `state` by readAll paging, calling `each` after every applied event. Returns the number of
 * events applied. Stops early when `shouldStop` says so (checked between pages).
 */
export async function foldFromStore(
  state: ClusterState,
  store: EventStore,
  opts: { to?: number; pageSize?: number; each?: (event: StoredEvent, change: ObjectChange) => void; shouldStop?: () => boolean } = {},
): Promise<number> {
  const limit = opts.pageSize ?? FOLD_PAGE_SIZE;
  let applied = 0;
  while (!opts.shouldStop?.()) {
    if (opts.to !== undefined && state.position >= opts.to) break;
    const page = await store.readAll({ after: state.position, to: opts.to, limit });
    if (page.length === 0) break;
    for (const event of page) {
      if (event.position <= state.position) continue;
      const change = state.apply(event);
      applied++;
      opts.each?.(event, change);
    }
  }
  return applied;
}
