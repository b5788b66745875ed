import type { KubeObject } from '@logbook/kube';
import { type Cause, ClientError, type ClusterClient, type DeleteOptions } from '@logbook/components';

export interface RecordedCall {
  readonly verb: 'create' | 'update' | 'updateStatus' | 'delete' | 'bind';
  readonly object?: KubeObject;
  readonly cause: Cause;
}

/**
 * A ClusterClient for unit tests: records every write and answers with the object, its
 * resourceVersion bumped. `failNext(err)` makes the next write throw (e.g. a 409).
 */
export class RecordingClient implements ClusterClient {
  readonly calls: RecordedCall[] = [];
  listed: KubeObject[] = [];
  private rv = 1000;
  private readonly failures: ClientError[] = [];

  failNext(err: ClientError): this {
    this.failures.push(err);
    return this;
  }

  writes(verb: RecordedCall['verb']): KubeObject[] {
    return this.calls.filter((c) => c.verb === verb).map((c) => c.object!);
  }

  async create(obj: KubeObject, cause: Cause): Promise<KubeObject> {
    return this.record('create', obj, cause);
  }
  async update(obj: KubeObject, cause: Cause): Promise<KubeObject> {
    return this.record('update', obj, cause);
  }
  async updateStatus(obj: KubeObject, cause: Cause): Promise<KubeObject> {
    return this.record('updateStatus', obj, cause);
  }
  async delete(kind: string, namespace: string | undefined, name: string, options: DeleteOptions): Promise<void> {
    await this.record('delete', { apiVersion: 'v1', kind, metadata: { name, namespace } }, options);
  }
  async bind(namespace: string, name: string, nodeName: string, resourceVersion: string, cause: Cause): Promise<void> {
    await this.record('bind', { apiVersion: 'v1', kind: 'Binding', metadata: { name, namespace, resourceVersion }, target: { name: nodeName } }, cause);
  }
  async listAll(kinds: readonly string[]): Promise<{ items: KubeObject[]; position: number }> {
    return { items: this.listed.filter((o) => kinds.includes(o.kind)), position: this.rv };
  }

  private record(verb: RecordedCall['verb'], obj: KubeObject, cause: Cause): KubeObject {
    const copy = structuredClone(obj);
    this.calls.push({ verb, object: copy, cause });
    const failure = this.failures.shift();
    if (failure) throw failure;
    return { ...structuredClone(copy), metadata: { ...copy.metadata, uid: copy.metadata.uid ?? `uid-${copy.metadata.name}`, resourceVersion: String(++this.rv) } };
  }
}
