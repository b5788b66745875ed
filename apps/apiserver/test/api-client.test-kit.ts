import { request } from 'node:https';
import { makeTmpDir, startLogbook, type LogbookProcess } from '@logbook/testing';

export interface RawResponse {
  readonly status: number;
  readonly body: any;
  readonly text: string;
}

/** A raw HTTPS call to the API server (for the cases a typed client cannot even send). */
export function call(url: string, method: string, path: string, opts: { token?: string; body?: string | Buffer; contentType?: string } = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(
      new URL(path, url),
      {
        method,
        rejectUnauthorized: false,
        headers: {
          Accept: 'application/json',
          ...(opts.token ? { Authorization: `Bearer ${opts.token}` } : {}),
          ...(opts.contentType ? { 'Content-Type': opts.contentType } : {}),
          // Node sends a DELETE's body with neither length nor chunking unless told its length.
          ...(opts.body !== undefined ? { 'Content-Length': Buffer.byteLength(opts.body) } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: any;
          try {
            body = JSON.parse(text);
          } catch {
            body = undefined;
          }
          resolve({ status: res.statusCode ?? 0, body, text });
        });
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** The log's head position, read as a list's resourceVersion: it moves with every append. */
export async function logHead(url: string, token: string): Promise<number> {
  const res = await call(url, 'GET', '/apis/logbook.io/v1/hash', { token });
  return res.body.position;
}

/**
 * A suite's own `logbook up --no-controllers` (API semantics only: no scheduler binding the
 * test's pods), started before its tests and stopped after them, and a JSON caller as admin.
 */
export function useLogbookApi(): { readonly cluster: LogbookProcess; api(method: string, path: string, body?: unknown, contentType?: string): Promise<RawResponse> } {
  const dir = makeTmpDir();
  let cluster: LogbookProcess | undefined;
  beforeAll(async () => {
    cluster = await startLogbook(dir.path, ['--no-controllers']);
  });
  afterAll(async () => {
    await cluster?.stop();
    dir.remove();
  });
  const started = (): LogbookProcess => {
    if (!cluster) throw new Error('logbook up has not started (beforeAll failed?)');
    return cluster;
  };
  return {
    get cluster() {
      return started();
    },
    api: (method, path, body, contentType = 'application/json') =>
      call(started().url, method, path, { token: started().adminToken, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body), contentType }),
  };
}
