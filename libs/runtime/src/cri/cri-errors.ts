import { status as GrpcStatus, ServiceError } from '@grpc/grpc-js';
import { RuntimeError } from '../container-runtime.port';

/** gRPC status codes the node agent can act on, as the port's reasons. */
const REASONS: Partial<Record<number, string>> = {
  [GrpcStatus.NOT_FOUND]: 'NotFound',
  [GrpcStatus.UNAVAILABLE]: 'Unavailable',
  [GrpcStatus.DEADLINE_EXCEEDED]: 'DeadlineExceeded',
  [GrpcStatus.ALREADY_EXISTS]: 'AlreadyExists',
  [GrpcStatus.INVALID_ARGUMENT]: 'InvalidArgument',
  [GrpcStatus.FAILED_PRECONDITION]: 'FailedPrecondition',
  [GrpcStatus.UNIMPLEMENTED]: 'NotSupported',
};

/**
 * Translates a gRPC failure at the adapter's boundary. `reason` overrides the mapping for calls
 * whose failures mean one thing to the agent (any PullImage failure is ErrImagePull); the
 * message is the runtime's own (`details`), which for a pull carries the registry's answer.
 */
export function runtimeErrorOf(err: unknown, method: string, reason?: string): RuntimeError {
  if (err instanceof RuntimeError) return err;
  const e = err as Partial<ServiceError>;
  const message = e.details || e.message || String(err);
  if (typeof e.code !== 'number') return new RuntimeError(reason ?? 'RuntimeError', `${method}: ${message}`);
  // A pull that timed out or found the socket gone is the runtime's trouble, not the image's.
  const transport = e.code === GrpcStatus.UNAVAILABLE || e.code === GrpcStatus.DEADLINE_EXCEEDED;
  return new RuntimeError(reason && !transport ? reason : (REASONS[e.code] ?? 'RuntimeError'), message);
}

export function isNotFound(err: unknown): boolean {
  return err instanceof RuntimeError && err.reason === 'NotFound';
}
