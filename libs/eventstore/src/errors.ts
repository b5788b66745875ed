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
