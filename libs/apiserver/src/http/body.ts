import type { IncomingMessage } from 'node:http';
import { parse as parseYaml } from 'yaml';
import { ApiError, decodeKubeProtobuf } from '@logbook/kube';
import { noteRequestBody } from '../audit-log/capture';

/** kube-apiserver's limit on a request body (3 MiB). */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;

export async function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) {
    req.resume();
    throw ApiError.tooLarge(limit);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      req.resume();
      throw ApiError.tooLarge(limit);
    }
    chunks.push(chunk as Buffer);
  }
  const body = Buffer.concat(chunks);
  // The audit keeps it only when its level records request bodies (or needs a create's name).
  noteRequestBody(req, body);
  return body;
}

export function mediaType(req: IncomingMessage): string {
  return (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
}

/** Decodes an object body: JSON (or no Content-Type, as `kubectl scale` sends), YAML, protobuf. */
export function decodeObjectBody(body: Buffer, type: string): any {
  if (body.length === 0) throw ApiError.badRequest('the request body is empty');
  switch (type) {
    case '':
    case 'application/json':
      return parseJson(body);
    case 'application/yaml':
    case 'application/apply-patch+yaml':
      return parseYamlBody(body);
    case 'application/vnd.kubernetes.protobuf':
      return decodeKubeProtobuf(body);
    default:
      throw ApiError.unsupportedMediaType(type);
  }
}

export function parseJson(body: Buffer): any {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw ApiError.badRequest(`the request body is not valid JSON: ${(err as Error).message}`);
  }
}

function parseYamlBody(body: Buffer): any {
  try {
    return parseYaml(body.toString('utf8'));
  } catch (err) {
    throw ApiError.badRequest(`the request body is not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
}
