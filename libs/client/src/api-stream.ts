import { request } from 'node:https';
import { request as httpRequest } from 'node:http';
import type { ClusterEndpoint } from './kubeconfig';
import { ApiRequestError } from './api-client';

export interface LineStream {
  /** Resolves when the server ends the stream or it is closed; rejects on an HTTP error. */
  readonly done: Promise<void>;
  close(): void;
}

/**
 * Follows a newline-delimited JSON response (watches, `tail`), calling `onLine` with each parsed
 * line as it arrives. A 4xx/5xx answer rejects `done` with the server's Status.
 */
export function streamJsonLines(endpoint: ClusterEndpoint, path: string, onLine: (value: any) => void): LineStream {
  const url = new URL(path, endpoint.server);
  const send = url.protocol === 'https:' ? request : httpRequest;
  let closed = false;
  let req: ReturnType<typeof request> | undefined;
  const done = new Promise<void>((resolve, reject) => {
    req = send(
      url,
      {
        method: 'GET',
        headers: { Accept: 'application/json', ...(endpoint.token ? { Authorization: `Bearer ${endpoint.token}` } : {}) },
        ca: endpoint.caCert,
        rejectUnauthorized: !endpoint.insecure,
      },
      (res) => {
        let buffered = '';
        const failed = (res.statusCode ?? 500) >= 400;
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buffered += chunk;
          if (failed) return;
          let nl: number;
          while ((nl = buffered.indexOf('\n')) >= 0) {
            const line = buffered.slice(0, nl).trim();
            buffered = buffered.slice(nl + 1);
            if (line) onLine(JSON.parse(line));
          }
        });
        res.on('end', () => {
          if (!failed) return resolve();
          let body: any;
          try {
            body = JSON.parse(buffered);
          } catch {
            body = { message: buffered };
          }
          reject(new ApiRequestError(res.statusCode ?? 500, body));
        });
        res.on('error', (err) => (closed ? resolve() : reject(err)));
      },
    );
    req.on('error', (err) => (closed ? resolve() : reject(new Error(`cannot reach the API server at ${endpoint.server}: ${err.message} (is "logbook up" running?)`))));
    req.end();
  });
  return {
    done,
    close() {
      closed = true;
      req?.destroy();
    },
  };
}
