import { randomUUID } from 'node:crypto';
import { ApiError, type KubeObject, type ResourceInfo, streamName } from '@logbook/kube';
import { ExpectedRevisionConflict, type EventStore } from '@logbook/eventstore';
import { type Projector, evolveObject } from '@logbook/projections';
import type { NewEvent } from '@logbook/events';
import { decide } from './decide';
import type { WriteCommand, WriteContext } from './commands';
import { KeyedMutex } from './keyed-mutex';
import { qualifiedName } from '../resource-names';
import type { User } from '../identity/token-file';
import type { AdmissionRequest } from '../admission/admission';
import type { AdmissionChain } from '../admission/chain';
import { defaultAdmissionChain } from '../admission/plugins';
import { admissionOperation } from '../admission/request';
import { DEFAULT_SERVICE_RANGE, type ServiceRange, serviceAllocatorFor } from './cluster-ip';
import type { SecretVault } from '../secrets/secret-vault';
import { secretShredded } from '../secrets/shred-event';

export interface Caller {
  /** Who the log records as the event's actor (the user's name, or a component's identity). */
  readonly actor: string;
  /** Who is asking, as admission sees it: groups matter (PodSecurity exemptions, quota). */
  readonly user: User;
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
  /** What validating admission steps warned about (sent as `Warning` headers over HTTP). */
  readonly warnings: readonly string[];
  /** What they add to the request's audit event (PodSecurity's `pod-security.kubernetes.io/…`). */
  readonly auditAnnotations?: Readonly<Record<string, string>>;
}

export interface WriteOptions {
  /**
   * `dryRun=All`: decide and validate as usual, answer with the object the write would store,
   * append nothing (so nothing reaches the log, the history or a watch).
   */
  readonly dryRun?: boolean;
}

/** kube-apiserver's retries of a create whose generated name was taken. */
const GENERATE_NAME_RETRIES = 7;

/** An admission request without the parts that differ between its mutating and validating halves. */
type RequestAttributes = Omit<AdmissionRequest, 'name' | 'object' | 'oldObject'>;

/** The API server's own writes (bootstrap objects, namespace finalization): kube's loopback identity. */
export function systemCaller(actor: string, correlationId: string): Caller {
  return { actor, user: { name: 'system:apiserver', uid: 'system:apiserver', groups: ['system:masters'] }, correlationId };
}

/**
 * The one path every write takes, whichever client made it (HTTPS, in-process, dry run): the
 * mutating admission steps, Service address allocation, decide against the projection, the
 * validating admission steps on the object that would be stored, append with the stream's
 * expected revision, then wait until this server's projection has applied the append so the
 * response (and the next read) shows it. docs/architecture.md "The write path".
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
    private readonly admission: AdmissionChain = defaultAdmissionChain(),
    /** Seals Secret values before they are appended and opens them for the writer's decisions (docs/security.md). */
    readonly secrets?: SecretVault,
    /** Where ClusterIPs come from (`--service-cidr`). */
    readonly serviceRange: ServiceRange = DEFAULT_SERVICE_RANGE,
  ) {
    projector.onApplied((event) => this.revisions.set(event.stream, event.revision));
  }

  /** For a Create, `name` may be empty: the object's own (or generated) name is used. */
  async write(resource: ResourceInfo, namespace: string | undefined, name: string, command: WriteCommand, caller: Caller, options: WriteOptions = {}): Promise<WriteResult> {
    const ns = resource.namespaced ? namespace : undefined;
    const generated = command.type === 'Create' && !command.object.metadata.name && !!command.object.metadata.generateName;
    for (let attempt = 0; ; attempt++) {
      const request = this.admit(resource, ns, name, command, caller, options);
      const admitted = request.command;
      const target = admitted.type === 'Create' ? admitted.object.metadata.name! : name;
      try {
        // Service addresses need state (what other Services hold), so they are chosen here and the decider stays pure.
        return await serviceAllocatorFor(this.projector, this.serviceRange).run(ns, target, admitted, (cmd) => this.decideAndAppend(resource, ns, target, cmd, caller, request.admission, options));
      } catch (err) {
        // A generated name that is taken is generated again, as kube-apiserver does (RetryGenerateName).
        if (generated && attempt < GENERATE_NAME_RETRIES && err instanceof ApiError && err.reason === 'AlreadyExists') continue;
        throw err;
      }
    }
  }

  /** The mutating half of admission; returns the command carrying the admitted object. */
  private admit(resource: ResourceInfo, namespace: string | undefined, name: string, command: WriteCommand, caller: Caller, options: WriteOptions): { command: WriteCommand; admission: RequestAttributes } {
    const { operation, subresource } = admissionOperation(command);
    const admission: RequestAttributes = { operation, resource, ...(subresource ? { subresource } : {}), namespace, user: caller.user, dryRun: options.dryRun ?? false };
    const state = this.projector.state;
    const carriesObject = command.type === 'Create' || command.type === 'Update' || command.type === 'UpdateStatus' || command.type === 'UpdateApproval';
    const object = carriesObject ? command.object : undefined;
    const oldObject = command.type === 'Create' || !name ? undefined : state.getByStream(streamName(resource.kind, namespace, name));
    const mutated = this.admission.admit({ ...admission, name: name || (object?.metadata.name ?? ''), object, oldObject }, state);
    return { command: carriesObject && mutated && mutated !== object ? { ...command, object: mutated } : command, admission };
  }

  private decideAndAppend(resource: ResourceInfo, namespace: string | undefined, name: string, command: WriteCommand, caller: Caller, admission: RequestAttributes, options: WriteOptions): Promise<WriteResult> {
    const stream = streamName(resource.kind, namespace, name);
    return this.mutex.run(stream, async () => {
      const known = await this.streamRevision(stream);
      // From here to the append nothing awaits: the state decided on and the expected revision
      // are read in one tick, so an append of another API server (sharing the log) that this
      // projection applies meanwhile cannot slip between them — it makes our append a 409.
      const state = this.projector.state;
      // Secrets are decided on in clear (no-op updates, patches) and appended sealed.
      const vault = resource.kind === 'Secret' ? this.secrets : undefined;
      const sealed = state.getByStream(stream);
      const current = vault ? vault.open(sealed) : sealed;
      if (vault && 'object' in command) command = { ...command, object: vault.normalize(command.object) };
      const revision = this.revisions.get(stream) ?? known;
      const ctx: WriteContext = {
        actor: caller.actor,
        correlationId: caller.correlationId,
        causationId: caller.causationId,
        now: this.clock().toISOString(),
        newId: randomUUID,
        // A new Secret takes a uid whose data key is already on disk: its append waits for no key commit.
        ...(vault && command.type === 'Create' && !options.dryRun ? { newUid: () => vault.reserveUid() } : {}),
      };
      const events = decide(command, current, ctx);
      if (events.length === 0) return { object: current, before: current, changed: false, warnings: [] };
      let after: KubeObject | undefined;
      let warnings: readonly string[] = [];
      let auditAnnotations: Readonly<Record<string, string>> | undefined;
      if (this.admission.validating.length > 0 || options.dryRun) {
        after = preview(current, events, stream, revision);
        const notes = this.admission.validate({ ...admission, name, object: admission.operation === 'DELETE' ? undefined : after, oldObject: current }, state);
        warnings = notes.warnings ?? [];
        auditAnnotations = notes.auditAnnotations;
      }
      if (options.dryRun) return { object: after, before: current, changed: false, warnings, auditAnnotations };
      try {
        const appending = vault ? vault.sealEvents(events, sealed, current, stream) : events;
        // A Secret's data key is on disk before the events it opens (one commit for every key made meanwhile;
        // none for a new Secret whose uid came from the pool).
        if (vault) await vault.keysDurable();
        const result = await this.store.append(stream, appending, revision);
        this.onAppended?.(resource.kind, events.length);
        await this.projector.waitFor(result.position);
      } catch (err) {
        if (err instanceof ExpectedRevisionConflict) throw ApiError.conflict(qualifiedName(resource), name, resource.group);
        throw err;
      }
      const stored = this.projector.state.getByStream(stream);
      // A deleted Secret's data key goes once its deletion is in the log: its past values are shredded.
      if (vault && !stored) vault.destroy(current?.metadata.uid);
      return { object: vault ? vault.open(stored) : stored, before: current, changed: true, warnings, auditAnnotations };
    });
  }

  /**
   * `logbook shred`: appends SecretShredded (who, when) to the Secret's stream, then destroys
   * its data key. The projection ignores the event, so no state and no hash changes.
   */
  async shredSecret(resource: ResourceInfo, namespace: string, name: string, caller: Caller): Promise<{ uid: string; position: number; keyDestroyed: boolean }> {
    const vault = this.secrets;
    const stream = streamName(resource.kind, namespace, name);
    return this.mutex.run(stream, async () => {
      const known = await this.streamRevision(stream);
      const current = this.projector.state.getByStream(stream);
      if (!current) throw ApiError.notFound(qualifiedName(resource), name, resource.group);
      const uid = current.metadata.uid!;
      if (!vault?.hasKey(uid)) throw ApiError.badRequest(`secret "${name}" has no data key to destroy: it was written in clear (identity provider) or is already shredded`);
      const event = secretShredded(uid, caller, this.clock().toISOString());
      try {
        const result = await this.store.append(stream, [event], this.revisions.get(stream) ?? known);
        await this.projector.waitFor(result.position);
        return { uid, position: result.position, keyDestroyed: vault.destroy(uid) };
      } catch (err) {
        if (err instanceof ExpectedRevisionConflict) throw ApiError.conflict(qualifiedName(resource), name, resource.group);
        throw err;
      }
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
