import type { NewEvent } from '@logbook/events';
import { aPod, bound, created, deleted, deletionRequested, runningPatch, statusChanged, timeAt, updated } from './fixtures';

export interface WorkloadEvent {
  readonly stream: string;
  readonly event: NewEvent;
}

/**
 * A deterministic pod lifecycle mix, the shape of a busy cluster's log: pods are created
 * (≈1 KB objects), bound, start running, sometimes get relabelled, and some are deleted
 * (gracefully or at once). Same `count` and `seed`, same events.
 */
export function* podWorkload(count: number, opts: { namespaces?: number; nodes?: number; seed?: number } = {}): Generator<WorkloadEvent> {
  const namespaces = opts.namespaces ?? 20;
  const nodes = opts.nodes ?? 50;
  let rnd = opts.seed ?? 42;
  const random = () => {
    // xorshift32: deterministic and fast; Math.random would make runs differ.
    rnd ^= rnd << 13;
    rnd ^= rnd >>> 17;
    rnd ^= rnd << 5;
    return (rnd >>> 0) / 0x100000000;
  };
  type Live = { stream: string; step: number };
  const live: Live[] = [];
  let created_ = 0;
  for (let n = 0; n < count; n++) {
    const r = random();
    if (live.length === 0 || r < 0.3) {
      const i = created_++;
      const ns = `ns-${i % namespaces}`;
      const name = `pod-${i}`;
      const stream = `Pod/${ns}/${name}`;
      live.push({ stream, step: 0 });
      yield { stream, event: created(aPod(name, ns, { n: i, labels: { app: `app-${i % 37}` } }), n) };
      continue;
    }
    const idx = Math.floor(random() * live.length);
    const pod = live[idx];
    const remove = () => {
      live[idx] = live[live.length - 1];
      live.pop();
    };
    switch (pod.step++) {
      case 0:
        yield { stream: pod.stream, event: bound(`node-${Math.floor(random() * nodes)}`, n) };
        break;
      case 1:
        yield { stream: pod.stream, event: statusChanged('Pod', runningPatch(n), n) };
        break;
      case 2:
        if (r < 0.6) {
          yield { stream: pod.stream, event: updated('Pod', [{ op: 'add', path: '/metadata/labels/canary', value: String(n % 2 === 0) }], n) };
        } else {
          yield { stream: pod.stream, event: statusChanged('Pod', [{ op: 'replace', path: '/status/conditions/0/status', value: 'False' }], n) };
        }
        break;
      case 3:
        if (r < 0.7) {
          yield { stream: pod.stream, event: deletionRequested(timeAt(n), 30, n) };
        } else {
          remove();
          yield { stream: pod.stream, event: deleted(n) };
        }
        break;
      default:
        remove();
        yield { stream: pod.stream, event: deleted(n) };
    }
  }
}
