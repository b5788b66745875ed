import { aPod, bound, created, deleted, runningPatch, statusChanged, updated } from './fixtures';
import type { WorkloadEvent } from './workload';

/**
 * A steady-state cluster's log: about 4/5 of `live` pods alive at every point, however long
 * the log. Each event advances a random lane through create, bind, run, relabel, delete; a lane
 * whose pod was deleted creates the next pod. Random lanes, not n % live: lanes in lockstep
 * would all be empty together every 5 × live events. (podWorkload's live set grows with the log.)
 */
export function* steadyWorkload(count: number, live = 20_000): Generator<WorkloadEvent> {
  const steps = new Array<number>(live).fill(0);
  let rnd = 0x9e3779b9;
  for (let n = 0; n < count; n++) {
    // xorshift32: deterministic, so that the same count gives the same log.
    rnd ^= rnd << 13;
    rnd ^= rnd >>> 17;
    rnd ^= rnd << 5;
    const lane = (rnd >>> 0) % live;
    const step = steps[lane]++ % 5;
    const generation = Math.floor((steps[lane] - 1) / 5);
    const ns = `ns-${lane % 20}`;
    const name = `pod-${lane}-${generation}`;
    const stream = `Pod/${ns}/${name}`;
    if (step === 0) yield { stream, event: created(aPod(name, ns, { n, labels: { app: `app-${lane % 37}` } }), n) };
    else if (step === 1) yield { stream, event: bound(`node-${n % 50}`, n) };
    else if (step === 2) yield { stream, event: statusChanged('Pod', runningPatch(n), n) };
    else if (step === 3) yield { stream, event: updated('Pod', [{ op: 'add', path: '/metadata/labels/canary', value: String(n % 2 === 0) }], n) };
    else yield { stream, event: deleted(n) };
  }
}
