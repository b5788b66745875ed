import { ClientError, type Cause, type ClusterClient, type DeleteOptions } from '@logbook/components';
import type { KubeObject } from '@logbook/kube';

export interface WriteCall {
  verb: 'create' | 'update' | 'updateStatus';
  kind: string;
  namespace?: string;
  name: string;
  object: KubeObject;
  cause: Cause;
}
export interface DeleteCall {
  verb: 'delete';
  kind: string;
  namespace?: string;
  name: string;
  options: DeleteOptions;
}
export interface BindCall {
  verb: 'bind';
  kind: 'Pod';
  namespace: string;
  name: string;
  nodeName: string;
  resourceVersion: string;
  cause: Cause;
}
export type RecordedCall = WriteCall | DeleteCall | BindCall;

/**
 * A ClusterClient for unit tests of `reconcile`: records every write and answers with the
 * object as the API server would roughly return it (a name for generateName, a uid, a bumped
 * resourceVersion). `failOn` makes a verb on a name fail with a ClientError.
 */
export class RecordingClient implements ClusterClient {
  readonly calls: RecordedCall[] = [];
  private seq = 0;
  private readonly failures = new Map<string, ClientError>();

  failOn(verb: RecordedCall['verb'], name: string, error: ClientError): this {
    this.failures.set(`${verb}:${name}`, error);
    return this;
  }

  async create(obj: KubeObject, cause: Cause): Promise<KubeObject> {
    const n = ++this.seq;
    const object = structuredClone(obj);
    object.metadata.name ??= `${object.metadata.generateName ?? 'obj-'}${String(n).padStart(5, '0')}`;
    object.metadata.uid ??= `uid-created-${n}`;
    object.metadata.resourceVersion = String(1000 + n); // numeric, like log positions, and past the fixtures' '1'
    this.check('create', object.metadata.name);
    this.calls.push({ verb: 'create', kind: object.kind, namespace: object.metadata.namespace, name: object.metadata.name, object, cause });
    return object;
  }

  async update(obj: KubeObject, cause: Cause): Promise<KubeObject> {
    return this.write('update', obj, cause);
  }

  async updateStatus(obj: KubeObject, cause: Cause): Promise<KubeObject> {
    return this.write('updateStatus', obj, cause);
  }

  async delete(kind: string, namespace: string | undefined, name: string, options: DeleteOptions): Promise<void> {
    this.check('delete', name);
    this.calls.push({ verb: 'delete', kind, namespace, name, options });
  }

  async bind(namespace: string, name: string, nodeName: string, resourceVersion: string, cause: Cause): Promise<void> {
    this.calls.push({ verb: 'bind', kind: 'Pod', namespace, name, nodeName, resourceVersion, cause });
  }

  async listAll(): Promise<{ items: KubeObject[]; position: number }> {
    return { items: [], position: 0 };
  }

  /** Calls as `verb Kind/name` lines, the easiest thing to compare in a table. */
  get summary(): string[] {
    return this.calls.map((c) => `${c.verb} ${c.kind}/${c.name}`);
  }

  ofVerb(verb: WriteCall['verb']): WriteCall[];
  ofVerb(verb: 'delete'): DeleteCall[];
  ofVerb(verb: 'bind'): BindCall[];
  ofVerb(verb: RecordedCall['verb']): RecordedCall[] {
    return this.calls.filter((c) => c.verb === verb);
  }

  private async write(verb: 'update' | 'updateStatus', obj: KubeObject, cause: Cause): Promise<KubeObject> {
    this.check(verb, obj.metadata.name!);
    const object = structuredClone(obj);
    object.metadata.resourceVersion = String(1000 + ++this.seq);
    this.calls.push({ verb, kind: object.kind, namespace: object.metadata.namespace, name: object.metadata.name!, object, cause });
    return object;
  }

  private check(verb: string, name: string): void {
    const err = this.failures.get(`${verb}:${name}`);
    if (err) throw err;
  }
}
