/**
 * An error that renders as a Kubernetes `Status`. Every failure the API reports goes through
 * this one type, so the HTTP status, `reason` and message conventions live in one place.
 */
export interface StatusCause {
  reason: string; // FieldValueInvalid, FieldValueRequired, FieldValueNotSupported, FieldValueDuplicate, DisruptionBudget, ...
  message: string;
  /** Absent for causes that are not about a field (an eviction's DisruptionBudget). */
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: StatusDetails,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  toStatus(): Record<string, unknown> {
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      ...(this.details ? { details: this.details } : {}),
      code: this.code,
    };
  }

  static badRequest(message: string): ApiError {
    return new ApiError(400, 'BadRequest', message);
  }
  static unauthorized(): ApiError {
    return new ApiError(401, 'Unauthorized', 'Unauthorized');
  }
  static forbidden(message: string): ApiError {
    return new ApiError(403, 'Forbidden', message);
  }
  /** `resource` is the qualified plural, e.g. `deployments.apps` or `pods`. */
  static notFound(resource: string, name: string, group = ''): ApiError {
    return new ApiError(404, 'NotFound', `${resource} "${name}" not found`, { name, group, kind: resource.split('.')[0] });
  }
  static notFoundPath(): ApiError {
    return new ApiError(404, 'NotFound', 'the server could not find the requested resource');
  }
  static methodNotAllowed(message: string): ApiError {
    return new ApiError(405, 'MethodNotAllowed', message);
  }
  static alreadyExists(resource: string, name: string, group = ''): ApiError {
    return new ApiError(409, 'AlreadyExists', `${resource} "${name}" already exists`, { name, group, kind: resource.split('.')[0] });
  }
  static conflict(resource: string, name: string, group = ''): ApiError {
    return new ApiError(
      409,
      'Conflict',
      `Operation cannot be fulfilled on ${resource} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
      { name, group, kind: resource.split('.')[0] },
    );
  }
  static gone(message: string): ApiError {
    return new ApiError(410, 'Expired', message);
  }
  static tooLarge(limit: number): ApiError {
    return new ApiError(413, 'RequestEntityTooLarge', `request body is larger than the ${limit} byte limit`);
  }
  static unsupportedMediaType(type: string): ApiError {
    return new ApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format: ${type}`);
  }
  /** `kind` is the Kind with its group, e.g. `Deployment.apps`; kubectl prints `The <kind> "<name>" is invalid`. */
  static invalid(kind: string, name: string, causes: StatusCause[], group = ''): ApiError {
    const summary = causes.map((c) => `${c.field}: ${c.message}`).join(', ');
    return new ApiError(422, 'Invalid', `${kind} "${name}" is invalid: ${summary}`, {
      name,
      group,
      kind: kind.split('.')[0],
      causes,
    });
  }
  /**
   * 429: try again later. With `retryAfterSeconds` the response carries a Retry-After header,
   * on which client-go itself waits and retries the request.
   */
  static tooManyRequests(message: string, causes: StatusCause[] = [], retryAfterSeconds = 0): ApiError {
    return new ApiError(429, 'TooManyRequests', message, { ...(causes.length ? { causes } : {}), ...(retryAfterSeconds > 0 ? { retryAfterSeconds } : {}) });
  }
  static internal(message: string): ApiError {
    return new ApiError(500, 'InternalError', message);
  }
}
