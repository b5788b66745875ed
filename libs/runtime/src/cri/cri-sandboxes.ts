import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PodSandbox, PodSandboxSpec } from '../container-runtime.port';
import { RuntimeError } from '../container-runtime.port';
import type { CriClient } from './cri-client';
import { isNotFound } from './cri-errors';
import { GRACE_PERIOD, NODE, POD_UID, SANDBOX_CONFIG } from './cri-labels';
import type { PodSandboxConfig, PodSandboxItem } from './cri-types';
import { ETC_HOSTS_FILE, etcHosts } from './etc-hosts';
import { KeyedLock } from './keyed-lock';
import { podLogDir, sandboxConfig, SandboxContext } from './sandbox-config';

/** A ready sandbox of a pod, as this agent knows it. */
export interface SandboxRef {
  readonly id: string;
  readonly uid: string;
  readonly ip: string;
  readonly config: PodSandboxConfig;
}

/**
 * Pod sandboxes kept in containerd only: the labels say whose they are, so a restarted agent
 * finds each pod's ready sandbox again instead of making a second one.
 */
export class CriSandboxes {
  private readonly byUid = new Map<string, SandboxRef>();
  private readonly lock = new KeyedLock();

  constructor(
    private readonly client: CriClient,
    private readonly ctx: SandboxContext,
  ) {}

  run(spec: PodSandboxSpec): Promise<SandboxRef> {
    return this.lock.run(spec.uid, async () => {
      const existing = await this.find(spec.uid);
      if (existing) return existing;
      // A sandbox that died (NotReady) is replaced by the next attempt; it is removed with the pod.
      const all = await this.client.listPodSandbox({ labels: { [POD_UID]: spec.uid, [NODE]: this.ctx.nodeName } });
      const attempt = all.length === 0 ? 0 : Math.max(...all.map((s) => s.metadata.attempt)) + 1;
      const config = sandboxConfig(spec, attempt, this.ctx);
      mkdirSync(config.logDirectory, { recursive: true });
      const id = await this.client.runPodSandbox({ ...config, annotations: { ...config.annotations, [SANDBOX_CONFIG]: JSON.stringify(config) } });
      const ref = await this.refOf(id, config);
      writeFileSync(join(config.logDirectory, ETC_HOSTS_FILE), etcHosts(spec, ref.ip), { mode: 0o644 });
      this.byUid.set(spec.uid, ref);
      return ref;
    });
  }

  /** The pod's ready sandbox, if it has one. */
  async find(uid: string): Promise<SandboxRef | undefined> {
    const known = this.byUid.get(uid);
    if (known) return known;
    const ready = await this.client.listPodSandbox({ labels: { [POD_UID]: uid, [NODE]: this.ctx.nodeName }, state: 'SANDBOX_READY' });
    const newest = newestOf(ready);
    if (!newest) return undefined;
    const ref = await this.refOf(newest.id, configOf(newest));
    this.byUid.set(uid, ref);
    return ref;
  }

  async get(uid: string): Promise<SandboxRef> {
    const ref = await this.find(uid);
    if (!ref) throw new RuntimeError('NoSandbox', `no sandbox for pod ${uid}`);
    return ref;
  }

  async list(): Promise<PodSandbox[]> {
    const ready = await this.client.listPodSandbox({ labels: { [NODE]: this.ctx.nodeName }, state: 'SANDBOX_READY' });
    const byUid = new Map<string, PodSandboxItem>();
    for (const s of ready) {
      const seen = byUid.get(s.metadata.uid);
      if (!seen || BigInt(s.createdAt) > BigInt(seen.createdAt)) byUid.set(s.metadata.uid, s);
    }
    const out: PodSandbox[] = [];
    for (const s of byUid.values()) {
      const known = this.byUid.get(s.metadata.uid);
      const ref = known?.id === s.id ? known : await this.refOf(s.id, configOf(s)).catch(() => undefined);
      if (ref) out.push(podSandboxOf(ref));
    }
    return out;
  }

  /** Stops and removes every sandbox of the pod (CRI removes their containers), then its log directory. */
  async remove(uid: string): Promise<void> {
    await this.lock.run(uid, async () => {
      const all = await this.client.listPodSandbox({ labels: { [POD_UID]: uid, [NODE]: this.ctx.nodeName } });
      for (const s of all) {
        await this.client.stopPodSandbox(s.id).catch(ignoreNotFound);
        await this.client.removePodSandbox(s.id).catch(ignoreNotFound);
        const dir = configOf(s).logDirectory;
        if (dir) rmSync(dir, { recursive: true, force: true });
      }
      this.byUid.delete(uid);
    });
  }

  /** Forgets what it knows of a pod's sandbox, so the next lookup asks containerd. */
  forget(uid: string): void {
    this.byUid.delete(uid);
  }

  private async refOf(id: string, config: PodSandboxConfig): Promise<SandboxRef> {
    const status = await this.client.podSandboxStatus(id);
    return { id, uid: config.metadata.uid, ip: status.network?.ip ?? '', config };
  }
}

export function podSandboxOf(ref: SandboxRef): PodSandbox {
  const grace = ref.config.annotations[GRACE_PERIOD];
  return { uid: ref.uid, ip: ref.ip, logDir: ref.config.logDirectory, ...(grace !== undefined ? { terminationGracePeriodSeconds: Number(grace) } : {}) };
}

function newestOf(items: PodSandboxItem[]): PodSandboxItem | undefined {
  return items.reduce<PodSandboxItem | undefined>((a, b) => (!a || BigInt(b.createdAt) > BigInt(a.createdAt) ? b : a), undefined);
}

/** The config the sandbox was run with, from its annotation (a sandbox made elsewhere gets a best guess). */
function configOf(s: PodSandboxItem): PodSandboxConfig {
  const kept = s.annotations[SANDBOX_CONFIG];
  if (kept) return JSON.parse(kept) as PodSandboxConfig;
  const { [SANDBOX_CONFIG]: _, ...annotations } = s.annotations;
  void _;
  return { metadata: s.metadata, logDirectory: '', labels: s.labels, annotations };
}

function ignoreNotFound(err: unknown): void {
  if (!isNotFound(err)) throw err;
}

export { podLogDir };
