import { request } from 'node:https';
import { request as httpRequest } from 'node:http';
import type { ClusterEndpoint } from './kubeconfig';

export class ApiRequestError extends Error {
  constructor(readonly code: number, readonly status: any) {
    super(status?.message ?? `request failed with HTTP ${code}`);
    this.name = 'ApiRequestError';
  }
}

/** A minimal JSON client for the Logbook API server, authenticated as the kubeconfig says. */
export class ApiClient {
  constructor(private readonly endpoint: ClusterEndpoint) {}

  get namespace(): string {
    return this.endpoint.namespace;
  }

  get endpointInfo(): ClusterEndpoint {
    return this.endpoint;
  }

  /** GET a Logbook API path with query parameters (undefined and empty values are left out). */
  async logbook<T = any>(resource: string, params: Record<string, string | number | undefined> = {}): Promise<T> {
    const query = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') query.set(k, String(v));
    const qs = query.toString();
    return this.getJson<T>(`/apis/logbook.io/v1/${resource}${qs ? `?${qs}` : ''}`);
  }

  async getJson<T = any>(path: string, accept = 'application/json'): Promise<T> {
    return this.requestJson<T>('GET', path, undefined, accept);
  }

  /** Any verb on an API path with a JSON body; a 4xx/5xx answer rejects with its Status. */
  async requestJson<T = any>(method: string, path: string, body?: unknown, accept = 'application/json'): Promise<T> {
    const url = new URL(path, this.endpoint.server);
    const send = url.protocol === 'https:' ? request : httpRequest;
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise<T>((resolve, reject) => {
      const req = send(
        url,
        {
          method,
          headers: {
            Accept: accept,
            ...(payload !== undefined ? { 'Content-Type': 'application/json' } : {}),
            ...(this.endpoint.token ? { Authorization: `Bearer ${this.endpoint.token}` } : {}),
          },
          ca: this.endpoint.caCert,
          ...(this.endpoint.clientCert ? { cert: this.endpoint.clientCert, key: this.endpoint.clientKey } : {}),
          rejectUnauthorized: !this.endpoint.insecure,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let answer: any;
            try {
              answer = text ? JSON.parse(text) : undefined;
            } catch {
              answer = { message: text };
            }
            if ((res.statusCode ?? 500) >= 400) reject(new ApiRequestError(res.statusCode ?? 500, answer));
            else resolve(answer as T);
          });
        },
      );
      req.on('error', (err) => reject(new Error(`cannot reach the API server at ${this.endpoint.server}: ${err.message} (is "logbook up" running?)`)));
      req.end(payload);
    });
  }
}
