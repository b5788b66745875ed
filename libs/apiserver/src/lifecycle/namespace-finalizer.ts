import type { Logger } from 'pino';
import { RESOURCES, resourceByKind, streamName } from '@logbook/kube';
import type { Projector } from '@logbook/projections';
import { type Caller, type ClusterWriter, systemCaller } from '../write/cluster-writer';

/**
 * Finishes the deletion of a namespace: deletes what it holds, then removes the namespace's
 * `kubernetes` finalizer, which deletes it. Runs after DELETE has answered (the namespace is
 * Terminating meanwhile, as in Kubernetes) and again at start-up for namespaces a crash left
 * Terminating. It belongs in the controller manager's namespace controller; until that
 * exists the API server does it, through the same write path as every other write.
 */
export class NamespaceFinalizer {
  private readonly running = new Map<string, Promise<void>>();

  constructor(
    private readonly projector: Projector,
    private readonly writer: ClusterWriter,
    private readonly log: Logger,
    /**
     * How long after DELETE the contents start to go. `kubectl delete -f` deletes a namespace
     * and then, one by one, the objects of the same file inside it; with kube's asynchronous
     * namespace controller those objects are still there, and kubectl counts a NotFound as an
     * error. A short quiet period keeps that usage working.
     */
    private readonly startDelayMs = 1000,
  ) {}

  finalize(namespace: string, caller: Caller): Promise<void> {
    const existing = this.running.get(namespace);
    if (existing) return existing;
    const work = this.run(namespace, caller)
      .catch((err) => this.log.error({ err, namespace }, 'namespace deletion failed; it is retried at the next start'))
      .finally(() => this.running.delete(namespace));
    this.running.set(namespace, work);
    return work;
  }

  /** Namespaces left Terminating by a crash. */
  resumeAll(): void {
    for (const ns of this.projector.state.list('Namespace')) {
      if (ns.metadata.deletionTimestamp) void this.finalize(ns.metadata.name!, systemCaller('system:namespace-finalizer', `resume-${ns.metadata.uid}`));
    }
  }

  async drain(): Promise<void> {
    await Promise.all([...this.running.values()]);
  }

  private async run(namespace: string, caller: Caller): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, this.startDelayMs).unref());
    for (const resource of RESOURCES.filter((r) => r.namespaced)) {
      for (const obj of this.projector.state.list(resource.kind, { namespace })) {
        if (obj.metadata.deletionTimestamp && obj.metadata.finalizers?.length) continue;
        await this.writer.write(resource, namespace, obj.metadata.name!, { type: 'Delete', resource, propagationPolicy: 'Background' }, caller);
      }
    }
    const nsResource = resourceByKind('Namespace')!;
    const ns = this.projector.state.getByStream(streamName('Namespace', undefined, namespace));
    if (!ns?.metadata.deletionTimestamp) return;
    const remaining = RESOURCES.filter((r) => r.namespaced).some((r) => this.projector.state.list(r.kind, { namespace }).length > 0);
    if (remaining) {
      this.log.warn({ namespace }, 'namespace still holds objects with finalizers; it stays Terminating until they are gone');
      return;
    }
    await this.writer.write(nsResource, undefined, namespace, { type: 'Update', resource: nsResource, object: { ...ns, spec: { ...ns.spec, finalizers: [] } } }, caller);
  }
}
