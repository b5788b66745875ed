import type { ContainerRuntime } from '@logbook/runtime';
import type { ContainerRecord, PodRecord } from './pod-record';
import { type ProbeKind, ProbeWorker, probeTiming } from './probe-worker';

interface Probes {
  readonly attempt: number;
  readonly workers: Map<ProbeKind, ProbeWorker>;
  /** Startup (or liveness) failed past its threshold: the container is to be restarted. */
  failed?: 'startup' | 'liveness';
}

/** A failed probe attempt: which container, which probe, and why. */
export type ProbeFailure = (rec: PodRecord, container: string, kind: ProbeKind, output: string) => void;

/**
 * The probes of each running container attempt. Startup runs first; liveness and readiness
 * start once it passed (or at once without one). Results land in the container's record
 * (`started`, `ready`) and requeue the pod.
 */
export class ContainerProbes {
  private readonly byContainer = new Map<string, Probes>();

  constructor(
    private readonly runtime: ContainerRuntime,
    private readonly secondMs: number,
    private readonly changed: (rec: PodRecord) => void,
    private readonly unhealthy: ProbeFailure = () => undefined,
  ) {}

  /** A new attempt started: its probes from scratch. */
  start(rec: PodRecord, spec: any, r: ContainerRecord): void {
    this.stop(rec, spec.name);
    this.ensure(rec, spec, r);
  }

  /** Creates what is missing for the container's current attempt. */
  ensure(rec: PodRecord, spec: any, r: ContainerRecord): void {
    const id = `${rec.uid}/${spec.name}`;
    let probes = this.byContainer.get(id);
    if (probes && probes.attempt !== r.attempt) {
      this.stop(rec, spec.name);
      probes = undefined;
    }
    if (!probes) this.byContainer.set(id, (probes = { attempt: r.attempt, workers: new Map() }));
    if (r.state?.state !== 'running') return;
    const p = probes;
    const add = (kind: ProbeKind, probe: any, onChange: (ok: boolean) => void) => {
      if (!probe || p.workers.has(kind)) return;
      const timing = probeTiming(probe, this.secondMs);
      const worker = new ProbeWorker(
        kind,
        probe,
        { runtime: this.runtime, podUid: rec.uid, container: spec, podIP: rec.sandbox?.ip ?? '127.0.0.1' },
        timing,
        (ok) => {
          onChange(ok);
          this.changed(rec);
        },
        (output) => this.unhealthy(rec, spec.name, kind, output),
      );
      p.workers.set(kind, worker);
      worker.start();
    };
    if (spec.startupProbe && !r.started) {
      add('startup', spec.startupProbe, (ok) => {
        if (ok) r.started = true;
      });
      // A startup probe that never passes fails after failureThreshold periods.
      const t = probeTiming(spec.startupProbe, this.secondMs);
      const deadline = setTimeout(() => {
        if (!r.started && this.byContainer.get(id) === p) {
          p.failed = 'startup';
          this.changed(rec);
        }
      }, t.initialDelayMs + t.periodMs * t.failureThreshold + t.timeoutMs);
      deadline.unref();
      return;
    }
    r.started = true;
    add('readiness', spec.readinessProbe, (ok) => (r.ready = ok));
    add('liveness', spec.livenessProbe, (ok) => {
      if (!ok) p.failed = 'liveness';
    });
  }

  /** The probe whose failure means the container is to be restarted, if one failed. */
  failed(rec: PodRecord, name: string): 'startup' | 'liveness' | undefined {
    return this.byContainer.get(`${rec.uid}/${name}`)?.failed;
  }

  stop(rec: PodRecord, name: string): void {
    const id = `${rec.uid}/${name}`;
    for (const w of this.byContainer.get(id)?.workers.values() ?? []) w.stop();
    this.byContainer.delete(id);
  }

  stopPod(rec: PodRecord): void {
    for (const name of rec.containers.keys()) this.stop(rec, name);
  }

  stopAll(): void {
    for (const p of this.byContainer.values()) for (const w of p.workers.values()) w.stop();
    this.byContainer.clear();
  }
}
