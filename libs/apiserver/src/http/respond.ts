import type { ServerResponse } from 'node:http';
import { ApiError } from '@logbook/kube';
import { noteResponse } from '../audit-log/capture';

export function sendJson(res: ServerResponse, code: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  noteResponse(res, code, body, text);
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** Renders any error as a Kubernetes Status; an unexpected error becomes a 500, never a crash. */
export function sendError(res: ServerResponse, err: unknown): ApiError {
  const apiError = err instanceof ApiError ? err : ApiError.internal((err as Error)?.message ?? String(err));
  if (res.headersSent) {
    res.destroy();
    return apiError;
  }
  // As kube-apiserver: a suggested retry delay is also a Retry-After header.
  const retryAfter = apiError.details?.retryAfterSeconds;
  sendJson(res, apiError.code, apiError.toStatus(), retryAfter ? { 'Retry-After': String(retryAfter) } : {});
  return apiError;
}
