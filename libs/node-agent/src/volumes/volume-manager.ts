import { existsSync, promises as fs, readdirSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import type { KubeObject } from '@logbook/kube';
import type { ClusterClient, ComponentLogger } from '@logbook/components';
import type { Mount } from '@logbook/runtime';
import { machineCapacity } from '../node-object';
import { writeAtomically } from './atomic-writer';
import { claimVolume } from './claims';
import { containerMounts, needsEnv } from './container-mounts';
import { setUpEmptyDir, tmpfsSizeBytes } from './empty-dir';
import { checkHostPathType } from './host-path';
import { mountTmpfs, mountsUnder, readMounts, unmount } from './mountinfo';
import type { PreparedVolume } from './mounts';
import { type PluginKind, podDir, volumeDir } from './paths';
import { DEFAULT_MODE, type Payload, downwardAPIPayload, keyedPayload, withFsGroup } from './payload';
import type { NodeAllocatable } from './resource-field';
import { type ObjectGetter, type ServiceAccountTokenSource, projectedPayload, subPathEnv } from './sources';
import { VolumeError, setUpFailed } from './volume-error';

export interface VolumeManagerOptions {
  /** `<node dir>/pods`: every directory the manager makes is below it. */
  readonly podsDir: string;
  readonly client: ClusterClient;
  readonly nodeName: string;
  readonly log: ComponentLogger;
  /** hostPath volumes (and nothing else) reach outside podsDir; a node may refuse them. Default true. */
  readonly allowHostPath?: boolean;
  /** Projected service account tokens (the security work plugs in here). */
  readonly serviceAccountTokens?: ServiceAccountTokenSource;
  /** For resourceFieldRef and memory-backed volume sizes when a container has no limit; default this machine's. */
  readonly allocatable?: NodeAllocatable;
}

/**
 * The node agent's volume manager (the kubelet's): turns a pod's `spec.volumes` into host
 * directories, kept current on every sync, and tears them down with the pod. See
 * docs/architecture.md "Volumes".
 */
export class VolumeManager {
  /** Resolved through symlinks once it exists: mount points in /proc/self/mountinfo are real paths. */
  private podsDir: string;
  private podsDirResolved = false;
  private readonly allocatable: NodeAllocatable;
  /** `<uid>/<volume>` set up at least once: a claim being deleted does not stop a pod already using it. */
  private readonly mountedOnce = new Set<string>();
  private warnedNoRoot = false;

  constructor(private readonly o: VolumeManagerOptions) {
    this.podsDir = resolve(o.podsDir);
    this.allocatable = o.allocatable ?? machineCapacity();
  }

  /**
   * Prepares (or refreshes) every volume of the pod and returns each container's mounts (init
   * containers included), by container name. Idempotent; meant for every pod sync: configMap,
   * secret, downwardAPI and projected contents are replaced atomically in place when their
   * source changed. Every volume is tried; the first failure is thrown as a VolumeError
   * (`FailedMount`: a source missing or invalid; `VolumeNotReady`: a claim not bound yet;
   * `CreateContainerConfigError`: a container's volumeMounts are invalid, e.g. its subPath).
   * `podIP` and `envs` serve subPathExpr: a container's environment is resolved here (without
   * service links) unless `envs` gives it.
   */
  async setUp(pod: KubeObject, podIP = '', envs?: ReadonlyMap<string, Readonly<Record<string, string>>>): Promise<Map<string, Mount[]>> {
    const uid = pod.metadata.uid;
    if (!uid) throw new VolumeError('FailedMount', 'pod has no uid');
    // 0750 as the kubelet's pods dir: secret and token files (0644 by default) are for containers, not for the node's other users.
    await fs.mkdir(podDir(this.podsDir, uid), { recursive: true, mode: 0o750 });
    if (!this.podsDirResolved) {
      this.podsDir = await fs.realpath(this.podsDir);
      this.podsDirResolved = true;
    }
    const mounted = new Set((await readMounts()).map((m) => m.mountPoint));
    const volumes = new Map<string, PreparedVolume>();
    let failure: VolumeError | undefined;
    for (const v of pod.spec?.volumes ?? []) {
      try {
        volumes.set(v.name, await this.prepare(pod, v, mounted));
        this.mountedOnce.add(`${uid}/${v.name}`);
      } catch (err) {
        const e = err instanceof VolumeError ? err : setUpFailed(v.name, (err as Error).message);
        this.o.log.debug({ pod: `${pod.metadata.namespace}/${pod.metadata.name}`, volume: v.name, reason: e.reason, err: e.message }, 'volume not set up');
        failure ??= e;
      }
    }
    if (failure) throw failure;
    const out = new Map<string, Mount[]>();
    for (const c of [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])]) {
      const env = envs?.get(c.name) ?? (needsEnv(c) ? await subPathEnv(pod, c, podIP, this.get) : {});
      out.set(c.name, await containerMounts(this.podsDir, uid, volumes, c, env));
    }
    return out;
  }

  /** Unmounts every mount below the pod's directory (tmpfs, subPath binds) and removes its volume directories; claim data stays. */
  async tearDown(podUid: string): Promise<void> {
    const root = podDir(this.podsDir, podUid);
    if (!existsSync(root)) return;
    const real = await fs.realpath(root);
    for (let round = 0; ; round++) {
      const points = mountsUnder(await readMounts(), real);
      if (points.length === 0) break;
      // Never remove files while something is still mounted below: it could be a hostPath's data.
      if (round === 5) throw new Error(`cannot tear down pod ${podUid}'s volumes: still mounted: ${points.join(', ')}`);
      for (const p of points) await unmount(p).catch((err) => this.o.log.warn({ uid: podUid, mount: p, err: (err as Error).message }, 'could not unmount'));
    }
    await fs.rm(join(real, 'volume-subpaths'), { recursive: true, force: true });
    await fs.rm(join(real, 'volumes'), { recursive: true, force: true });
    await fs.rmdir(real).catch(() => undefined); // other per-pod files (not ours) keep the directory
    for (const key of [...this.mountedOnce]) if (key.startsWith(`${podUid}/`)) this.mountedOnce.delete(key);
    this.o.serviceAccountTokens?.forget?.(podUid);
  }

  /** Pod uids with volume directories on disk (to tear down strays after a restart). */
  list(): string[] {
    if (!existsSync(this.podsDir)) return [];
    return readdirSync(this.podsDir).filter((uid) => existsSync(join(this.podsDir, uid, 'volumes')) || existsSync(join(this.podsDir, uid, 'volume-subpaths')));
  }

  private async prepare(pod: KubeObject, v: any, mounted: ReadonlySet<string>): Promise<PreparedVolume> {
    const dir = (kind: PluginKind) => volumeDir(this.podsDir, pod.metadata.uid!, kind, v.name);
    const gid = this.fsGroup(pod);
    const ns = pod.metadata.namespace;
    const api = (kind: PluginKind, readOnly = true) => ({ name: v.name, hostPath: dir(kind), readOnly, directory: true });
    if (v.emptyDir) {
      const medium = v.emptyDir.medium ?? '';
      if (medium !== '' && medium !== 'Memory') throw setUpFailed(v.name, `emptyDir medium "${medium}" is not supported by this node`);
      const size = tmpfsSizeBytes(pod, v.emptyDir.sizeLimit, this.allocatable.memory);
      await setUpEmptyDir(dir('emptyDir'), medium === 'Memory' ? 'memory' : 'disk', size, gid, mounted);
      return api('emptyDir', false);
    }
    if (v.configMap) {
      const obj = await this.get('ConfigMap', ns, v.configMap.name);
      await this.write(dir('configMap'), keyedPayload('configmap', v.configMap, obj, v.configMap.defaultMode ?? DEFAULT_MODE), gid);
      return api('configMap');
    }
    if (v.secret) {
      const obj = await this.get('Secret', ns, v.secret.secretName);
      const payload = keyedPayload('secret', v.secret, obj, v.secret.defaultMode ?? DEFAULT_MODE);
      await this.memoryBacked(dir('secret'), mounted);
      await this.write(dir('secret'), payload, gid);
      return api('secret');
    }
    if (v.downwardAPI) {
      await this.write(dir('downwardAPI'), downwardAPIPayload(pod, v.downwardAPI.items ?? [], v.downwardAPI.defaultMode ?? DEFAULT_MODE, this.allocatable), gid);
      return api('downwardAPI');
    }
    if (v.projected) {
      const payload = await projectedPayload(pod, v.projected, this.get, this.allocatable, this.o.serviceAccountTokens);
      await this.memoryBacked(dir('projected'), mounted);
      await this.write(dir('projected'), payload, gid);
      return api('projected');
    }
    if (v.hostPath) {
      if (this.o.allowHostPath === false) throw setUpFailed(v.name, 'hostPath volumes are not allowed on this node');
      const path: string = v.hostPath.path ?? '';
      if (!isAbsolute(path)) throw setUpFailed(v.name, `hostPath ${JSON.stringify(path)} must be an absolute path`);
      await checkHostPathType(path, v.hostPath.type);
      const st = await fs.stat(path).catch(() => undefined);
      return { name: v.name, hostPath: path, readOnly: false, directory: st?.isDirectory() ?? true };
    }
    if (v.persistentVolumeClaim || v.ephemeral) {
      // A generic ephemeral volume is a claim named after the pod and the volume (made by its controller).
      const claim = v.persistentVolumeClaim?.claimName ?? `${pod.metadata.name}-${v.name}`;
      const readOnly = v.persistentVolumeClaim?.readOnly === true;
      const path = await claimVolume({ get: this.get, nodeName: this.o.nodeName }, ns!, claim, v.name, this.mountedOnce.has(`${pod.metadata.uid}/${v.name}`));
      return { name: v.name, hostPath: path, readOnly, directory: true };
    }
    const kinds = Object.keys(v).filter((k) => k !== 'name');
    throw setUpFailed(v.name, `volume type ${kinds.join(', ') || '(none)'} is not supported by this node`);
  }

  private async write(dir: string, payload: Payload, gid: number | undefined): Promise<void> {
    if (await writeAtomically(dir, withFsGroup(payload, gid), { gid })) this.o.log.debug({ dir }, 'volume contents written');
  }

  /** Secrets (and projected tokens) live in memory, never on the node's disk — as kube keeps them; without root, a plain directory. */
  private async memoryBacked(dir: string, mounted: ReadonlySet<string>): Promise<void> {
    await fs.mkdir(dir, { recursive: true, mode: 0o750 });
    if (mounted.has(dir) || !this.root()) return;
    await mountTmpfs(dir, ['mode=0755']);
  }

  private fsGroup(pod: KubeObject): number | undefined {
    const gid = pod.spec?.securityContext?.fsGroup;
    if (typeof gid !== 'number') return undefined;
    return this.root() ? gid : undefined;
  }

  private root(): boolean {
    if (process.getuid?.() === 0) return true;
    if (!this.warnedNoRoot) this.o.log.warn({}, 'not running as root: secrets are written to disk and fsGroup is not applied');
    this.warnedNoRoot = true;
    return false;
  }

  private readonly get: ObjectGetter = async (kind, namespace, name) => {
    if (!this.o.client.getObject) throw new Error(`this agent's client cannot read ${kind} "${name}"`);
    return this.o.client.getObject(kind, namespace, name);
  };
}
