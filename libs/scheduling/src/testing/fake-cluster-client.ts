import type { KubeObject } from '@logbook/kube';
import type { Cause, ClusterClient, DeleteOptions } from '@logbook/components';

export interface BindCall {
  readonly namespace: string;
  readonly name: string;
  readonly nodeName: string;
  readonly resourceVersion: string;
  readonly cause: Cause;
}

/** Records the writes a controller makes; `failBind` makes the next binds throw. */
export class FakeClusterClient implements ClusterClient {
  readonly binds: BindCall[] = [];
  readonly statusUpdates: KubeObject[] = [];
  readonly updates: KubeObject[] = [];
  readonly creates: KubeObject[] = [];
  readonly deletes: { kind: string; namespace?: string; name: string }[] = [];
  failBind?: Error;

  async create(obj: KubeObject): Promise<KubeObject> {
    this.creates.push(obj);
    return obj;
  }
  async update(obj: KubeObject): Promise<KubeObject> {
    this.updates.push(obj);
    return obj;
  }
  async updateStatus(obj: KubeObject): Promise<KubeObject> {
    this.statusUpdates.push(obj);
    return obj;
  }
  async delete(kind: string, namespace: string | undefined, name: string, _options: DeleteOptions): Promise<void> {
    this.deletes.push({ kind, namespace, name });
  }
  async bind(namespace: string, name: string, nodeName: string, resourceVersion: string, cause: Cause): Promise<void> {
    if (this.failBind) throw this.failBind;
    this.binds.push({ namespace, name, nodeName, resourceVersion, cause });
  }
  async listAll(): Promise<{ items: KubeObject[]; position: number }> {
    return { items: [], position: 0 };
  }
}

export const silentLog = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
