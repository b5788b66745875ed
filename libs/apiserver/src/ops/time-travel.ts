import type { ServerResponse } from 'node:http';
import type { ClusterState } from '@logbook/projections';
import { sendJson } from '../http/respond';
import { resolvePoint } from '../history/points';
import { stateCacheFor } from '../history/state-cache';
import type { ApiDeps } from './context';

/** The state a time-travel read is answered from, and the time of the point (for ages in tables). */
export interface PastState {
  readonly state: ClusterState;
  readonly time: Date;
}

/**
 * The cluster as of `asOf` (resourceVersion, RFC 3339 time, or a duration ago), or only the
 * part of it in `scope` (history/scope.ts). Served from the newest snapshot at or before it
 * plus a fold, through a cache of recent points bounded by the objects it holds.
 */
export async function pastState(deps: ApiDeps, asOf: string, what = 'asOf', scope?: string): Promise<PastState> {
  const now = deps.clock();
  const position = await resolvePoint(deps.store, asOf, now, what);
  const state = await stateCacheFor(deps.store).at(position, scope);
  const time = position > 0 ? await deps.store.timeAt(position) : undefined;
  return { state, time: time ? new Date(time) : now };
}

/** GET /apis/logbook.io/v1/hash[?at=<point>] — `{position, objects, hash}` of the live or a past state. */
export async function serveHash(deps: ApiDeps, query: URLSearchParams, res: ServerResponse): Promise<void> {
  const at = query.get('at');
  const state = at ? (await pastState(deps, at, 'at')).state : deps.projector.state;
  sendJson(res, 200, { kind: 'StateHash', apiVersion: 'logbook.io/v1', position: state.position, objects: state.count(), hash: state.stateHash() });
}
