import {
  AccessDeniedError,
  CancelledError,
  DeadlineExceededError,
  MaxAppendSizeExceededError,
  NotLeaderError,
  StreamDeletedError,
  TimeoutError,
  UnavailableError,
  WrongExpectedVersionError,
} from '@eventstore/db-client';
import { EventStoreUnavailable, ExpectedRevisionConflict, StreamDeleted } from '../errors';
import type { ExpectedRevision } from '../event-store.port';

/** What the adapter was doing when EventStoreDB failed, to name it in the port's error. */
export interface FailedOperation {
  /** E.g. `append to Pod/default/web`. */
  readonly operation: string;
  /** The log's stream name (not EventStoreDB's prefixed one). */
  readonly stream?: string;
  readonly expected?: ExpectedRevision;
}

/**
 * Translates the client's errors into the port's (STYLE.md "adapters translate vendor errors
 * at the boundary"); anything without a port counterpart passes through unchanged.
 */
export function toPortError(error: unknown, failed: FailedOperation): unknown {
  if (error instanceof WrongExpectedVersionError) {
    const actual = error.actualVersion === 'no_stream' ? 'no_stream' : Number(error.actualVersion);
    return new ExpectedRevisionConflict(failed.stream ?? error.streamName, failed.expected ?? 'any', actual);
  }
  if (error instanceof StreamDeletedError) return new StreamDeleted(failed.stream ?? error.streamName);
  if (error instanceof NotLeaderError) {
    return new EventStoreUnavailable(
      `${failed.operation}: the EventStoreDB node is not the leader (leader: ${error.leader.address}:${error.leader.port}); ` +
        'connect with nodePreference=leader or through esdb+discover:// so writes go to the leader',
      { cause: error },
    );
  }
  if (error instanceof UnavailableError || error instanceof DeadlineExceededError || error instanceof TimeoutError || error instanceof CancelledError) {
    return new EventStoreUnavailable(
      `${failed.operation}: EventStoreDB did not answer (${error.type}: ${error.message}); check that it is running and reachable, then retry`,
      { cause: error },
    );
  }
  if (error instanceof AccessDeniedError) {
    return new Error(`${failed.operation}: EventStoreDB denied access; put credentials in the store URL (esdb://user:password@host:2113)`, {
      cause: error,
    });
  }
  if (error instanceof MaxAppendSizeExceededError) {
    return new RangeError(
      `${failed.operation}: the event is larger than EventStoreDB's maximum append size (${error.maxAppendSize} bytes); ` +
        'raise it on the server (EVENTSTORE_MAX_APPEND_SIZE)',
      { cause: error },
    );
  }
  return error;
}

/** The client's expected revision for the port's. */
export function toEsdbExpected(expected: ExpectedRevision): 'any' | 'no_stream' | bigint {
  return typeof expected === 'number' ? BigInt(expected) : expected;
}
