import { promises as fs } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { KubeObject } from '@logbook/kube';
import type { ClusterClient, ComponentLogger } from '@logbook/components';
import { mountsUnder, readMounts } from './mountinfo';
import { isWithin } from './paths';

/** Directory names the local-path provisioner gives its volumes (`pvc-<claim uid>`). */
const PROVISIONED = /^pvc-[0-9A-Za-z-]+$/;

export interface LocalPathReclaimerOptions {
  readonly client: Pick<ClusterClient, 'listObjects'>;
  /** The node's volumes dir (`<stateDir>/volumes`, its `logbook.io/volumes-dir` annotation). */
  readonly volumesDir: string;
  readonly log: ComponentLogger;
}

/**
 * Deletes the data of local-path volumes whose PersistentVolume is gone (the provisioner's
 * Delete reclaim: the PV controller deletes the PV, the node that holds the directory removes
 * it). Only `pvc-*` directories directly under the volumes dir are ever removed, and only when
 * no PV — whoever provisioned it — names them by path or by name; a directory with anything
 * mounted below it is left alone. The directories are read before the PVs are listed: a volume
 * whose PV exists while its directory is made is always seen referenced.
 */
export class LocalPathReclaimer {
  private readonly volumesDir: string;

  constructor(private readonly o: LocalPathReclaimerOptions) {
    this.volumesDir = resolve(o.volumesDir);
  }

  /** Removes unreferenced volume directories; returns their paths. A failed list removes nothing (it throws). */
  async sweep(): Promise<string[]> {
    const candidates = await this.candidates();
    if (candidates.length === 0) return [];
    if (!this.o.client.listObjects) throw new Error('this agent\'s client cannot list PersistentVolumes');
    const { items } = await this.o.client.listObjects('PersistentVolume', {});
    const kept = await this.referenced(items);
    const mounts = await readMounts();
    const removed: string[] = [];
    for (const name of candidates) {
      if (kept.has(name)) continue;
      const path = join(this.volumesDir, name);
      const real = await fs.realpath(path).catch(() => path);
      if (mountsUnder(mounts, real).length) {
        this.o.log.warn({ path }, 'local volume without a PersistentVolume still has mounts; left in place');
        continue;
      }
      await fs.rm(path, { recursive: true, force: true });
      this.o.log.info({ path }, 'removed the data of a deleted local-path volume');
      removed.push(path);
    }
    return removed;
  }

  /** `pvc-*` directories (not symlinks) directly under the volumes dir. */
  private async candidates(): Promise<string[]> {
    const entries = await fs.readdir(this.volumesDir, { withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return [];
      throw err;
    });
    return entries.filter((e) => e.isDirectory() && PROVISIONED.test(e.name)).map((e) => e.name);
  }

  /** Names under the volumes dir that some PV refers to: its path's last element when the path is in this dir, and its own name. */
  private async referenced(pvs: readonly KubeObject[]): Promise<Set<string>> {
    const real = await fs.realpath(this.volumesDir).catch(() => this.volumesDir);
    const here = new Set([this.volumesDir, real]);
    const names = new Set<string>();
    for (const pv of pvs) {
      if (pv.metadata?.name) names.add(pv.metadata.name);
      const path: unknown = pv.spec?.local?.path ?? pv.spec?.hostPath?.path;
      if (typeof path !== 'string' || !path) continue;
      const p = resolve(path);
      // A PV naming the volumes dir itself (or a parent) holds everything below it.
      if ([...here].some((d) => isWithin(p, d))) return new Set(await this.candidates());
      if (here.has(dirname(p))) names.add(basename(p));
      // A path deeper inside one of our directories keeps that directory.
      for (const d of here) if (isWithin(d, p)) names.add(p.slice(d.length + 1).split('/')[0]);
    }
    return names;
  }
}
