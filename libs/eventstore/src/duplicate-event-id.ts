/**
 * An appended event reuses the id of an event already in the log (or in the same append).
 * Kept beside the port's errors rather than in errors.ts, which is a shared file.
 */
export class DuplicateEventId extends Error {
  readonly code = 'DuplicateEventId';
  constructor(
    readonly stream: string,
    readonly id: string,
  ) {
    super(`stream ${stream}: event id ${id} is already in the log`);
    this.name = 'DuplicateEventId';
  }
}
