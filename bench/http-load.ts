import { Agent, request } from 'node:https';

/** One request's outcome: status code (0 on a transport error) and latency in ms. */
export interface Sample {
  readonly status: number;
  readonly ms: number;
}

export interface LoadTarget {
  readonly url: string;
  readonly token: string;
  readonly agent: Agent;
}

/** A keep-alive agent pinned to the cluster's self-signed CA (the server cert carries the IP SAN). */
export function keepAliveAgent(ca: string, maxSockets: number): Agent {
  return new Agent({ keepAlive: true, maxSockets, ca, rejectUnauthorized: true });
}

/** POSTs a JSON body; resolves with the status once the whole response has been read. */
export function postJson(target: LoadTarget, path: string, body: unknown): Promise<number> {
  const payload = Buffer.from(JSON.stringify(body));
  const url = new URL(path, target.url);
  return new Promise((resolve) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent: target.agent,
        headers: {
          authorization: `Bearer ${target.token}`,
          'content-type': 'application/json',
          'content-length': payload.length,
          accept: 'application/json',
        },
      },
      (res) => {
        res.on('data', () => undefined);
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', () => resolve(0));
      },
    );
    req.on('error', () => resolve(0));
    req.end(payload);
  });
}

const nowMs = (): number => Number(process.hrtime.bigint()) / 1e6;

/**
 * Closed loop: `clients` loops, each sending its next request when the previous answered.
 * `send(i)` performs request number i (0 ≤ i < total) and returns its status.
 */
export async function closedLoop(
  clients: number,
  total: number,
  send: (i: number) => Promise<number>,
): Promise<{ samples: Sample[]; seconds: number }> {
  const samples: Sample[] = [];
  let next = 0;
  const started = nowMs();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      for (let i = next++; i < total; i = next++) {
        const t0 = nowMs();
        const status = await send(i);
        samples.push({ status, ms: nowMs() - t0 });
      }
    }),
  );
  return { samples, seconds: (nowMs() - started) / 1000 };
}

/**
 * Open loop at a fixed rate: request i is due at start + i/rate regardless of earlier answers.
 * Latency counts from the due time, not the actual send, so a stalled server is not hidden
 * (no coordinated omission).
 */
export async function openLoop(
  perSecond: number,
  seconds: number,
  send: (i: number) => Promise<number>,
): Promise<{ samples: Sample[]; seconds: number }> {
  const total = Math.round(perSecond * seconds);
  const samples: Sample[] = [];
  const inFlight: Promise<void>[] = [];
  const started = nowMs();
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / perSecond;
    const wait = due - nowMs();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    inFlight.push(send(i).then((status) => void samples.push({ status, ms: nowMs() - due })));
  }
  await Promise.all(inFlight);
  return { samples, seconds: (nowMs() - started) / 1000 };
}

/** Nearest-rank percentile of the latencies, p in [0, 100]. */
export function percentile(samples: readonly Sample[], p: number): number {
  const sorted = samples.map((s) => s.ms).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1]!;
}
