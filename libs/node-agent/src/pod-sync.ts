import type { KubeObject } from '@logbook/kube';
import { type Cause, type ClusterClient, type ComponentLogger, type EventRecorder, NO_EVENTS, type ObjectReference } from '@logbook/components';
import { type ContainerRuntime, type ContainerStatus, type Mount, type PodSandbox, RuntimeError } from '@logbook/runtime';
import { type BackoffPolicy, nextRestart, shouldRestart } from './backoff';
import { ContainerConfigError, containerSpec } from './container-config';
import { ImagePuller } from './images/image-puller';
import { authFor } from './images/registry-auth';
import { runHook, runPreStop } from './lifecycle-hooks';
import { type ResolverConfig, readResolvConf, sandboxSpec } from './sandbox-config';
import type { PodVolumes } from './pod-volumes';
import { EnvError, envReferences, resolveEnv } from './env';
import { type ContainerRecord, type PodRecord, containerRecord } from './pod-record';
import { buildPodStatus, canonical } from './pod-status';
import { ContainerProbes } from './container-probes';
import { kubeTime } from './time';
import type { ApiServerAccess } from './api-server-access';

export interface PodSyncOptions {
  readonly runtime: ContainerRuntime;
  readonly client: ClusterClient;
  readonly nodeName: string;
  readonly hostIP: string;
  readonly backoff: BackoffPolicy;
  /** Milliseconds per probe "second" (1000; tests shrink it). */
  readonly probeSecondMs: number;
  readonly now: () => Date;
  readonly log: ComponentLogger;
  /** Asks for the pod's key to be reconciled again (a container exited, a probe flipped). */
  readonly requeue: (key: string) => void;
  /** The kubelet's Kubernetes Events (Created, Started, Killing, BackOff, Unhealthy, Failed). Default none. */
  readonly recorder?: EventRecorder;
  /** Prepares the pods' volumes; absent: pods with volume mounts are refused. */
  readonly volumes?: PodVolumes;
  /** The node's resolver for pods' /etc/resolv.conf (default: this machine's). */
  readonly resolver?: ResolverConfig;
  /** Whether privileged containers may run here (default false). */
  readonly allowPrivileged?: boolean;
  /** How often a running pod's configMap, secret and downward API volumes are refreshed (ms). */
  readonly volumeResyncMs?: number;
  /** Where pods reach the API server (KUBERNETES_SERVICE_HOST and friends, /etc/hosts); absent: no such variables. */
  readonly apiServer?: ApiServerAccess;
}

const PROBE_NAMES = { liveness: 'Liveness', readiness: 'Readiness', startup: 'Startup' } as const;

const DEFAULT_GRACE_SECONDS = 30;

/**
 * Drives each pod bound to this node to its spec through the container runtime and reports its
 * status through the API (the kubelet's syncPod). Called per pod key, never concurrently for
 * one key; returns the delay after which it wants to run again (a back-off expiring).
 */
export class PodSync {
  private readonly records = new Map<string, PodRecord>(); // by pod uid
  private readonly uidByKey = new Map<string, string>();
  /** The newest copy of each pod this agent wrote, in case the cache has not caught up yet. */
  private readonly written = new Map<string, KubeObject>();
  private readonly probes: ContainerProbes;
  private readonly recorder: EventRecorder;
  private readonly puller?: ImagePuller;
  private readonly resolver: ResolverConfig;
  /** Container mounts of each pod's current volume set-up, by pod uid then container name. */
  private readonly mounts = new Map<string, Map<string, Mount[]>>();

  constructor(private readonly o: PodSyncOptions) {
    this.recorder = o.recorder ?? NO_EVENTS;
    this.resolver = o.resolver ?? readResolvConf();
    if (o.runtime.images) this.puller = new ImagePuller(o.runtime.images, { baseMs: o.backoff.baseMs, maxMs: o.backoff.maxMs }, () => o.now().getTime());
    this.probes = new ContainerProbes(
      o.runtime,
      o.probeSecondMs,
      (rec) => o.requeue(rec.key),
      (rec, container, kind, output) => this.recorder.event(containerRef(rec, container), 'Warning', 'Unhealthy', `${PROBE_NAMES[kind]} probe failed: ${output}`, {}),
    );
  }

  /** Pods this agent runs (for the read-only endpoint). */
  get podKeys(): string[] {
    return [...this.uidByKey.keys()];
  }

  /** After a restart: takes over the sandboxes and containers the runtime still has for these pods. */
  adopt(pods: readonly KubeObject[], sandboxes: readonly PodSandbox[], containers: readonly ContainerStatus[]): void {
    const byUid = new Map(pods.map((p) => [p.metadata.uid!, p]));
    for (const sandbox of sandboxes) {
      const pod = byUid.get(sandbox.uid);
      if (!pod) continue;
      const rec = this.record(pod);
      rec.sandbox = sandbox;
      rec.startTime = pod.status?.startTime;
    }
    for (const c of containers) {
      const pod = byUid.get(c.podUid);
      const rec = pod && this.records.get(c.podUid);
      if (!pod || !rec) continue;
      const init = (pod.spec?.initContainers ?? []).some((s: any) => s.name === c.name);
      const r = containerRecord(rec, c.name, init);
      if (c.attempt < r.attempt) continue;
      const reported = [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? [])].find((s: any) => s.name === c.name);
      r.attempt = c.attempt;
      r.state = c.status;
      r.containerID = c.containerID;
      r.imageID = c.imageID;
      if (c.status.state === 'running') r.lastPid = c.status.pid;
      r.restartCount = reported?.restartCount ?? 0;
      // Its exit (if any) was already dealt with by the previous agent run.
      if (c.status.state === 'exited') r.handledExit = shouldRestart(pod.spec?.restartPolicy, c.status.exitCode) ? undefined : c.status.finishedAt;
      const spec = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].find((s: any) => s.name === c.name);
      r.started = !spec?.startupProbe || !!reported?.started;
      r.ready = !spec?.readinessProbe || !!reported?.ready;
    }
  }

  /** Sandbox uids the runtime has that belong to none of these pods: drift to clean up. */
  strays(pods: readonly KubeObject[], sandboxes: readonly PodSandbox[]): string[] {
    const ours = new Set(pods.filter((p) => p.spec?.nodeName === this.o.nodeName).map((p) => p.metadata.uid));
    return sandboxes.filter((s) => !ours.has(s.uid)).map((s) => s.uid);
  }

  onExit(status: ContainerStatus): void {
    const rec = this.records.get(status.podUid);
    const r = rec?.containers.get(status.name);
    if (!rec || !r || status.attempt < r.attempt) return;
    r.attempt = status.attempt;
    r.state = status.status;
    r.ready = false;
    this.probes.stop(rec, status.name);
    this.o.requeue(rec.key);
  }

  async reconcile(key: string, cached: KubeObject | undefined, cause: Cause): Promise<number | undefined> {
    const pod = this.newest(key, cached);
    const knownUid = this.uidByKey.get(key);
    if (!pod || pod.spec?.nodeName !== this.o.nodeName) {
      if (knownUid) await this.teardown(knownUid);
      this.written.delete(key);
      return undefined;
    }
    if (knownUid && knownUid !== pod.metadata.uid) await this.teardown(knownUid); // a new pod of the same name
    if (pod.metadata.deletionTimestamp) {
      await this.terminate(pod, cause);
      return undefined;
    }
    const phase = pod.status?.phase;
    if ((phase === 'Succeeded' || phase === 'Failed') && !this.records.has(pod.metadata.uid!)) return undefined;
    const rec = this.record(pod);
    const wake = new Wake();
    if (!rec.sandbox) {
      try {
        const sandbox = sandboxSpec(pod, this.resolver, rec.graceSeconds, this.o.allowPrivileged ?? false);
        const apiAliases = this.o.apiServer?.hostAliases() ?? [];
        rec.sandbox = await this.o.runtime.runPodSandbox(apiAliases.length ? { ...sandbox, hostAliases: [...(sandbox.hostAliases ?? []), ...apiAliases] } : sandbox);
      } catch (err) {
        if (!(err instanceof RuntimeError)) throw err;
        this.recorder.event(podRef(rec), 'Warning', 'FailedCreatePodSandBox', `Failed to create pod sandbox: ${err.message}`, cause);
        await this.report(pod, rec, cause);
        return this.o.backoff.baseMs;
      }
      rec.startTime ??= kubeTime(this.o.now());
    }
    if (!(await this.setUpVolumes(pod, rec, wake, cause))) {
      await this.report(pod, rec, cause);
      return wake.afterMs;
    }
    const policy: string = pod.spec?.restartPolicy ?? 'Always';
    let initialized = true;
    for (const spec of pod.spec?.initContainers ?? []) {
      const r = containerRecord(rec, spec.name, true);
      const s = r.state;
      if (s?.state === 'exited' && s.exitCode === 0) continue;
      initialized = false;
      if (s?.state === 'running') break;
      if (!s) await this.start(pod, rec, spec, r, wake, cause);
      else if (policy !== 'Never') await this.restartOrWait(pod, rec, spec, r, wake, cause);
      break;
    }
    if (initialized) {
      for (const spec of pod.spec?.containers ?? []) {
        const r = containerRecord(rec, spec.name, false);
        const s = r.state;
        if (!s) await this.start(pod, rec, spec, r, wake, cause);
        else if (s.state === 'running') await this.checkProbes(pod, rec, spec, r, cause);
        else if (shouldRestart(policy, s.exitCode)) await this.restartOrWait(pod, rec, spec, r, wake, cause);
        else r.waiting = undefined;
      }
    }
    await this.report(pod, rec, cause);
    if (this.hasRefreshedVolumes(pod)) wake.in(this.o.volumeResyncMs ?? 10_000);
    return wake.afterMs;
  }

  /**
   * Mounts (or refreshes) the pod's volumes; false while they cannot be: the containers wait in
   * ContainerCreating with the reason as a FailedMount Event, as the kubelet does.
   */
  private async setUpVolumes(pod: KubeObject, rec: PodRecord, wake: Wake, cause: Cause): Promise<boolean> {
    const wanted = (pod.spec?.volumes ?? []).length > 0;
    // Without mounts, containers that need a volume are refused one by one in start().
    if (!wanted || !this.canMount()) return true;
    try {
      this.mounts.set(rec.uid, await this.o.volumes!.setUp(pod, rec.sandbox?.ip));
      return true;
    } catch (err) {
      const reason = (err as { reason?: string }).reason;
      if (!reason) throw err;
      const message = (err as Error).message;
      // An invalid volumeMount (a bad subPath) is the container's config error; a volume that is
      // not there yet keeps the pod in ContainerCreating.
      const waiting = reason === 'CreateContainerConfigError' ? 'CreateContainerConfigError' : 'ContainerCreating';
      for (const c of [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])]) {
        const r = containerRecord(rec, c.name, (pod.spec?.initContainers ?? []).includes(c));
        if (!r.state) r.waiting = { reason: waiting, message };
      }
      this.recorder.event(podRef(rec), 'Warning', reason === 'CreateContainerConfigError' ? 'Failed' : 'FailedMount', message, cause);
      wake.in(this.o.backoff.baseMs / 5);
      return false;
    }
  }

  private canMount(): boolean {
    return !!this.o.volumes && this.o.runtime.capabilities?.().mounts !== false;
  }

  /** configMap, secret, downwardAPI and projected volumes follow their sources while the pod runs. */
  private hasRefreshedVolumes(pod: KubeObject): boolean {
    const phase = pod.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') return false;
    return (pod.spec?.volumes ?? []).some((v: any) => v.configMap || v.secret || v.downwardAPI || v.projected);
  }

  /** Stops every probe timer (the agent is stopping; the processes keep running). */
  stop(): void {
    this.probes.stopAll();
  }

  private async start(pod: KubeObject, rec: PodRecord, spec: any, r: ContainerRecord, wake: Wake, cause: Cause): Promise<void> {
    const ref = containerRef(rec, spec.name, r.init);
    let env: Record<string, string>;
    try {
      env = await this.env(pod, spec, rec);
    } catch (err) {
      if (!(err instanceof EnvError)) throw err;
      r.waiting = { reason: 'CreateContainerConfigError', message: err.message };
      this.recorder.event(ref, 'Warning', 'Failed', `Error: ${err.message}`, cause);
      wake.in(this.o.backoff.baseMs);
      return;
    }
    if (!this.canMount() && (spec.volumeMounts ?? []).some((vm: any) => !isServiceAccountMount(pod, vm))) {
      const message = `the ${this.o.runtime.capabilities?.().name ?? 'current'} runtime of node ${this.o.nodeName} cannot mount volumes: run the node with --runtime containerd`;
      r.waiting = { reason: 'CreateContainerConfigError', message };
      this.recorder.event(ref, 'Warning', 'Failed', `Error: ${message}`, cause);
      wake.in(this.o.backoff.maxMs);
      return;
    }
    let image: string | undefined;
    if (this.puller) {
      const secrets = await this.pullSecrets(pod);
      const pulled = await this.puller.ensure(rec.uid, spec.image ?? '', spec.imagePullPolicy, authFor(spec.image ?? '', secrets), (type, reason, message) =>
        this.recorder.event(ref, type, reason, message, cause),
      );
      if (!pulled.ok) {
        r.waiting = { reason: pulled.reason, message: pulled.message };
        this.recorder.event(ref, 'Warning', 'Failed', `Error: ${pulled.reason}`, cause);
        wake.in(pulled.retryInMs);
        return;
      }
      image = spec.image;
      r.imageID = pulled.image.repoDigests[0] ?? pulled.image.id;
    }
    const previous = r.state;
    let started: ContainerStatus;
    try {
      const mounts = this.mounts.get(rec.uid)?.get(spec.name) ?? [];
      const config = containerSpec(pod, spec, { podUid: rec.uid, env, mounts, ...(image ? { image } : {}), allowPrivileged: this.o.allowPrivileged ?? false, nodeName: this.o.nodeName });
      started = await this.o.runtime.startContainer(config);
    } catch (err) {
      if (!(err instanceof RuntimeError) && !(err instanceof ContainerConfigError)) throw err;
      const reason = err instanceof ContainerConfigError || err.reason === 'CreateContainerConfigError' ? 'CreateContainerConfigError' : 'CreateContainerError';
      r.waiting = { reason, message: err.message };
      this.recorder.event(ref, 'Warning', 'Failed', `Error: ${err.message}`, cause);
      wake.in(this.o.backoff.baseMs);
      return;
    }
    // The process runtime creates and starts in one step; the kubelet's two Events still tell the story.
    this.recorder.event(ref, 'Normal', 'Created', `Created container ${spec.name}`, cause);
    this.recorder.event(ref, 'Normal', 'Started', `Started container ${spec.name}`, cause);
    r.waiting = undefined;
    if (previous?.state === 'exited') {
      r.last = previous;
      r.restartCount++;
    }
    // The exit of a very short-lived attempt may have arrived (onExit) before this answer.
    if (started.attempt > r.attempt || r.state === previous) {
      r.attempt = started.attempt;
      r.state = started.status;
    }
    if (started.status.state === 'running') r.lastPid = started.status.pid;
    if (previous?.state === 'exited') r.lastContainerID = r.containerID;
    r.containerID = started.containerID;
    if (started.imageID) r.imageID = started.imageID;
    r.started = !spec.startupProbe;
    r.ready = !spec.readinessProbe;
    r.handledExit = undefined;
    if (spec.lifecycle?.postStart && r.state?.state === 'running') await this.postStart(pod, rec, spec, cause);
    if (r.state?.state === 'running') this.probes.start(rec, spec, r);
  }

  /** The container counts as started only once postStart returned; a failed hook kills it. */
  private async postStart(pod: KubeObject, rec: PodRecord, spec: any, cause: Cause): Promise<void> {
    const grace = pod.spec?.terminationGracePeriodSeconds ?? DEFAULT_GRACE_SECONDS;
    const outcome = await runHook(spec.lifecycle.postStart, { runtime: this.o.runtime, podUid: rec.uid, container: spec, podIP: rec.sandbox?.ip ?? '' }, Math.max(grace, 30) * 1000);
    if (outcome.ok) return;
    this.recorder.event(containerRef(rec, spec.name), 'Warning', 'FailedPostStartHook', `PostStartHook failed: ${outcome.output}`, cause);
    await this.stopWithHook(rec, spec, grace, cause);
  }

  /** preStop (within the grace period), then SIGTERM and SIGKILL with what is left of it. */
  private async stopWithHook(rec: PodRecord, spec: any, graceSeconds: number, cause: Cause): Promise<void> {
    const left = spec?.lifecycle?.preStop
      ? await runPreStop({ runtime: this.o.runtime, podUid: rec.uid, container: spec, podIP: rec.sandbox?.ip ?? '' }, graceSeconds, (output) =>
          this.recorder.event(containerRef(rec, spec.name), 'Warning', 'FailedPreStopHook', `PreStopHook failed: ${output}`, cause),
        )
      : graceSeconds;
    await this.o.runtime.stopContainer(rec.uid, spec?.name ?? '', left);
  }

  private async pullSecrets(pod: KubeObject): Promise<KubeObject[]> {
    const names: string[] = (pod.spec?.imagePullSecrets ?? []).map((s: any) => s.name).filter(Boolean);
    if (!names.length || !this.o.client.getObject) return [];
    const found = await Promise.all(names.map((n) => this.o.client.getObject!('Secret', pod.metadata.namespace, n).catch(() => undefined)));
    return found.filter((s): s is KubeObject => !!s);
  }

  private async restartOrWait(pod: KubeObject, rec: PodRecord, spec: any, r: ContainerRecord, wake: Wake, cause: Cause): Promise<void> {
    const s = r.state;
    if (s?.state !== 'exited') return;
    const now = this.o.now().getTime();
    if (r.handledExit !== s.finishedAt) {
      const next = nextRestart(this.o.backoff, r.backoff, Date.parse(s.finishedAt) - Date.parse(s.startedAt));
      r.backoff = next.state;
      r.backoffMs = next.delayMs;
      r.restartAt = now + next.delayMs;
      r.handledExit = s.finishedAt;
    }
    const remaining = (r.restartAt ?? 0) - now;
    if (remaining > 0) {
      r.waiting = { reason: 'CrashLoopBackOff', message: `back-off ${formatDelay(r.backoffMs ?? 0)} restarting failed container=${spec.name} pod=${rec.name}_${rec.namespace}(${rec.uid})` };
      // Every sync that finds it waiting, as the kubelet: the recorder counts them on one Event.
      this.recorder.event(containerRef(rec, spec.name, r.init), 'Warning', 'BackOff', `Back-off restarting failed container ${spec.name} in pod ${rec.name}_${rec.namespace}(${rec.uid})`, cause);
      wake.in(remaining);
      return;
    }
    await this.start(pod, rec, spec, r, wake, cause);
  }

  /** A failed liveness (or startup) probe stops the container; its exit then restarts it. */
  private async checkProbes(pod: KubeObject, rec: PodRecord, spec: any, r: ContainerRecord, cause: Cause): Promise<void> {
    this.probes.ensure(rec, spec, r);
    const failed = this.probes.failed(rec, spec.name);
    if (!failed) return;
    this.o.log.info({ pod: rec.key, container: spec.name }, 'probe failed; restarting the container');
    this.recorder.event(containerRef(rec, spec.name), 'Normal', 'Killing', `Container ${spec.name} failed ${failed} probe, will be restarted`, cause);
    this.probes.stop(rec, spec.name);
    await this.stopWithHook(rec, spec, pod.spec?.terminationGracePeriodSeconds ?? DEFAULT_GRACE_SECONDS, cause);
  }

  private async report(pod: KubeObject, rec: PodRecord, cause: Cause): Promise<void> {
    const status = buildPodStatus(pod, rec, { hostIP: this.o.hostIP, now: this.o.now() });
    if (canonical(status) === canonical(pod.status ?? {})) return;
    this.remember(rec.key, await this.o.client.updateStatus({ ...pod, status }, cause));
  }

  /** SIGTERM, the grace period, SIGKILL for every container; then the sandbox; then the pod object. */
  private async terminate(pod: KubeObject, cause: Cause): Promise<void> {
    const uid = pod.metadata.uid!;
    const grace = pod.metadata.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? DEFAULT_GRACE_SECONDS;
    if (this.records.has(uid)) await this.teardown(uid, grace, cause, pod);
    else await this.o.runtime.removePodSandbox(uid).catch(() => undefined);
    // Only now, with its processes gone, may the pod object go (the uid guards a re-created pod).
    await this.o.client.delete('Pod', pod.metadata.namespace, pod.metadata.name!, { ...cause, gracePeriodSeconds: 0, preconditions: { uid } });
    this.written.delete(`${pod.metadata.namespace}/${pod.metadata.name}`);
  }

  /** Stops the pod's containers (preStop hooks first when the pod spec is known), then its sandbox and volumes. */
  async teardown(uid: string, graceSeconds?: number, cause: Cause = {}, pod?: KubeObject): Promise<void> {
    const rec = this.records.get(uid);
    const grace = graceSeconds ?? rec?.graceSeconds ?? DEFAULT_GRACE_SECONDS;
    if (rec) {
      this.probes.stopPod(rec);
      const running = [...rec.containers.values()].filter((c) => c.state?.state === 'running');
      for (const c of running) this.recorder.event(containerRef(rec, c.name, c.init), 'Normal', 'Killing', `Stopping container ${c.name}`, cause);
      const specs = [...(pod?.spec?.initContainers ?? []), ...(pod?.spec?.containers ?? [])];
      await Promise.all(running.map((c) => this.stopWithHook(rec, specs.find((s: any) => s.name === c.name) ?? { name: c.name }, grace, cause)));
    }
    await this.o.runtime.removePodSandbox(uid).catch((err) => this.o.log.warn({ uid, err: (err as Error).message }, 'could not remove a sandbox'));
    await this.o.volumes?.tearDown(uid).catch((err) => this.o.log.warn({ uid, err: (err as Error).message }, 'could not remove the pod volumes'));
    this.mounts.delete(uid);
    this.puller?.forget(uid);
    this.records.delete(uid);
    if (rec && this.uidByKey.get(rec.key) === uid) this.uidByKey.delete(rec.key);
  }

  private async env(pod: KubeObject, spec: any, rec: PodRecord): Promise<Record<string, string>> {
    const ns = pod.metadata.namespace;
    const refs = envReferences(spec);
    const fetch = async (kind: string, names: string[]) => {
      const out = new Map<string, KubeObject | undefined>();
      for (const name of names) {
        if (!this.o.client.getObject) throw new EnvError(`this agent's client cannot read ${kind} "${name}"`);
        out.set(name, await this.o.client.getObject(kind, ns, name));
      }
      return out;
    };
    const serviceLinks = pod.spec?.enableServiceLinks !== false && this.o.client.listObjects;
    const services = serviceLinks ? (await this.o.client.listObjects!('Service', { namespace: ns })).items : [];
    return resolveEnv(pod, spec, {
      configMaps: await fetch('ConfigMap', refs.configMaps),
      secrets: await fetch('Secret', refs.secrets),
      services,
      podIP: rec.sandbox?.ip ?? '',
      hostIP: this.o.hostIP,
      ...(this.o.apiServer ? { apiServer: await this.o.apiServer.endpoint() } : {}),
    });
  }

  private record(pod: KubeObject): PodRecord {
    const uid = pod.metadata.uid!;
    let rec = this.records.get(uid);
    if (!rec) {
      const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
      rec = { key, uid, namespace: pod.metadata.namespace!, name: pod.metadata.name!, containers: new Map(), graceSeconds: DEFAULT_GRACE_SECONDS };
      this.records.set(uid, rec);
      this.uidByKey.set(key, uid);
    }
    rec.graceSeconds = pod.spec?.terminationGracePeriodSeconds ?? DEFAULT_GRACE_SECONDS;
    return rec;
  }

  private remember(key: string, pod: KubeObject): void {
    const known = this.written.get(key);
    if (!known || rv(pod) >= rv(known)) this.written.set(key, pod);
  }

  private newest(key: string, cached: KubeObject | undefined): KubeObject | undefined {
    const written = this.written.get(key);
    if (!cached) return undefined; // deleted: the cache knows, whatever we wrote before
    if (!written || written.metadata.uid !== cached.metadata.uid) return cached;
    return rv(written) > rv(cached) ? written : cached;
  }
}

/**
 * The service account volume admission adds to every container: a runtime that cannot mount
 * (host processes) runs the container without it rather than refusing every pod.
 */
function isServiceAccountMount(pod: KubeObject, vm: { name: string; mountPath?: string }): boolean {
  if (vm.mountPath !== SERVICE_ACCOUNT_DIR) return false;
  const volume = (pod.spec?.volumes ?? []).find((v: any) => v.name === vm.name);
  return !!volume?.projected?.sources?.some((s: any) => s.serviceAccountToken);
}

const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** A container of a pod this agent runs, as its Events refer to it. */
function containerRef(rec: PodRecord, container: string, init = false): ObjectReference {
  return { kind: 'Pod', apiVersion: 'v1', namespace: rec.namespace, name: rec.name, uid: rec.uid, fieldPath: `spec.${init ? 'initContainers' : 'containers'}{${container}}` };
}

/** The earliest time a reconcile asked to be woken up again. */
class Wake {
  afterMs?: number;
  in(ms: number): void {
    this.afterMs = this.afterMs === undefined ? ms : Math.min(this.afterMs, ms);
  }
}

function podRef(rec: PodRecord): ObjectReference {
  return { kind: 'Pod', apiVersion: 'v1', namespace: rec.namespace, name: rec.name, uid: rec.uid };
}

function rv(obj: KubeObject): number {
  return Number(obj.metadata.resourceVersion ?? 0);
}

/** As the kubelet words it: `back-off 40s`, `back-off 5m0s`. */
export function formatDelay(ms: number): string {
  const s = Math.round(ms / 1000);
  if (ms < 1000) return `${ms}ms`;
  return s >= 60 ? `${Math.floor(s / 60)}m${s % 60}s` : `${s}s`;
}
