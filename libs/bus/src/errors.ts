/**
 * The one error of the EventBus port. Adapters translate vendor errors into it at the
 * boundary; `retriable` says whether the same call may succeed if tried again.
 */
export class BusError extends Error {
  readonly code: string;
  readonly retriable: boolean;

  constructor(message: string, options: { code?: string; retriable?: boolean; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'BusError';
    this.code = options.code ?? 'BusError';
    this.retriable = options.retriable ?? false;
  }
}

export class BusClosed extends BusError {
  constructor(what = 'the bus') {
    super(`${what} is closed`, { code: 'BusClosed', retriable: false });
    this.name = 'BusClosed';
  }
}
