/** Errors of the EventStore port; adapters translate their vendor's errors into these. */
export class ExpectedRevisionConflict extends Error {
  readonly code = 'ExpectedRevisionConflict';
  constructor(
    readonly stream: string,
    readonly expected: number | 'any' | 'no_stream',
    readonly actual: number | 'no_stream',
  ) {
    super(`stream ${stream}: expected revision ${expected}, actual ${actual}`);
    this.name = 'ExpectedRevisionConflict';
  }
}

export class EventStoreClosed extends Error {
  readonly code = 'EventStoreClosed';
  constructor() {
    super('the event store is closed');
    this.name = 'EventStoreClosed';
  }
}

/**
 * The store cannot be reached right now (a network store: down, no leader, timed out). The
 * operation may or may not have taken effect; retrying later is the way out.
 */
export class EventStoreUnavailable extends Error {
  readonly code = 'EventStoreUnavailable';
  readonly retryable = true;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EventStoreUnavailable';
  }
}

/** The stream was deleted in the store by something other than Logbook, which never deletes streams. */
export class StreamDeleted extends Error {
  readonly code = 'StreamDeleted';
  constructor(readonly stream: string) {
    super(`stream ${stream} was deleted in the event store outside Logbook; it cannot be read or appended to any more`);
    this.name = 'StreamDeleted';
  }
}
