import { randomUUID } from 'node:crypto';
import { ApiError, type KubeObject, type ResourceInfo, streamName, withDefaultStorageClass } from '@logbook/kube';
import { ExpectedRevisionConflict, type EventStore } from '@logbook/eventstore';
import { type Projector, evolveObject } from '@logbook/projections';
import type { NewEvent } from '@logbook/events';
import { decide } from './decide';
import type { WriteCommand, WriteContext } from './commands';
import { KeyedMutex } from './keyed-mutex';
import { qualifiedName } from '../resource-names';

export interface Caller {
  readonly actor: string;
  readonly correlationId: string;
  readonly causationId?: string;
}

export interface WriteResult {
  /** The object after the write (undefined once deleted). */
  readonly object: KubeObject | undefined;
  /** The object before the write. */
  readonly before: KubeObject | undefined;
  /** Whether anything was appended. */
  readonly changed: boolean;
}

export interface WriteOptions {
  /**
   * `dryRun=All`: decide and validate as usual, answer with the object the write would store,
   * append nothing (so nothing reaches the log, the history or a watch).
   */
  readonly dryRun?: boolean;
}

/**
 * The one path every write takes: decide against the projection, append with the stream's
 * expected revision, then wait until this server's projection has applied the append so the
 * response (and the next read) shows it.
 */
export class ClusterWriter {
  private readonly mutex = new KeyedMutex();
  /** Last revision per stream seen since start; older streams are looked up once in the store. */
  private readonly revisions = new Map<string, number>();

  constructor(
    private readonly store: EventStore,
    private readonly projector: Projector,
    private readonly clock: () => Date = () => new Date(),
    /** Told after every successful append (metrics: events appended per kind). */
    private readonly onAppended?: (kind: string, events: number) => void,
  ) {
    projector.onApplied((event) => this.revisions.set(event.stream, event.revision));
  }

  async write(resource: ResourceInfo, namespace: string | undefined, name: string, command: WriteCommand, caller: Caller, options: WriteOptions = {}): Promise<WriteResult> {
    const stream = streamName(resource.kind, resource.namespaced ? namespace : undefined, name);
    return this.mutex.run(stream, async () => {
      const known = await this.streamRevision(stream);
      // From here to the append nothing awaits: the state decided on and the expected revision
      // are read in one tick, so an append of another API server (sharing the log) that this
      // projection applies meanwhile cannot slip between them — it makes our append a 409.
      const current = this.projector.state.getByStream(stream);
      const revision = this.revisions.get(stream) ?? known;
      const ctx: WriteContext = {
        actor: caller.actor,
        correlationId: caller.correlationId,
        causationId: caller.causationId,
        now: this.clock().toISOString(),
        newId: randomUUID,
      };
      // DefaultStorageClass admission here, not in the HTTP layer: claims the StatefulSet controller creates get it too.
      if (command.type === 'Create' && command.object.kind === 'PersistentVolumeClaim') command = { ...command, object: withDefaultStorageClass(command.object, this.projector.state.list('StorageClass', {})) };
      const events = decide(command, current, ctx);
      if (events.length === 0) return { object: current, before: current, changed: false };
      if (options.dryRun) return { object: preview(current, events, stream, revision), before: current, changed: false };
      try {
        const result = await this.store.append(stream, events, revision);
        this.onAppended?.(resource.kind, events.length);
        await this.projector.waitFor(result.position);
      } catch (err) {
        if (err instanceof ExpectedRevisionConflict) throw ApiError.conflict(qualifiedName(resource), name, resource.group);
        throw err;
      }
      return { object: this.projector.state.getByStream(stream), before: current, changed: true };
    });
  }

  /** The stream's last revision, for the append's optimistic concurrency check. */
  private async streamRevision(stream: string): Promise<number | 'no_stream'> {
    const known = this.revisions.get(stream);
    if (known !== undefined) return known;
    const events = await this.store.readStream(stream);
    if (events.length === 0) return 'no_stream';
    const last = events[events.length - 1];
    // Another API server may have appended what this projection has not applied yet: decide
    // against a state that includes the revision we are about to expect.
    await this.projector.waitFor(last.position);
    const revision = last.revision;
    // Don't cache over a newer value the projection may have delivered meanwhile.
    if (!this.revisions.has(stream)) this.revisions.set(stream, revision);
    return this.revisions.get(stream)!;
  }
}

/**
 * The object `events` would make of `current`, folded as the projection would fold them once
 * stored. Like kube-apiserver's dry run, a created object has no resourceVersion yet and a
 * changed one keeps its current resourceVersion: no log position was taken.
 */
function preview(current: KubeObject | undefined, events: readonly NewEvent[], stream: string, revision: number | 'no_stream'): KubeObject | undefined {
  let object = current;
  let next = revision === 'no_stream' ? 0 : revision + 1;
  for (const event of events) object = evolveObject(object, { ...event, stream, revision: next++, position: 0 });
  if (!object) return undefined;
  const metadata = { ...object.metadata };
  if (current?.metadata.resourceVersion) metadata.resourceVersion = current.metadata.resourceVersion;
  else delete metadata.resourceVersion;
  return { ...object, metadata };
}
