import { compare } from 'fast-json-patch';
import {
  ApiError,
  type KubeObject,
  type ResourceInfo,
  applyDefaults,
  validateObject,
  validateUpdate,
} from '@logbook/kube';
import {
  CURRENT_SCHEMA_VERSION,
  DELETION_REQUESTED,
  OBJECT_DELETED,
  eventType,
  type EventVerb,
  type NewEvent,
} from '@logbook/events';
import type { WriteCommand, WriteContext } from './commands';
import { qualifiedName, kindWithGroup } from '../resource-names';
import { spendDisruption } from './disruption';
import { csrForApproval, csrForStatus, csrForUpdate } from './certificate-request';

/**
 * The write side of every kind: `decide(command, current) → events`. Pure: time, ids and the
 * actor arrive in the context, the current object comes from the projection. An empty result
 * means the write changed nothing (kube answers such writes without bumping resourceVersion).
 */
export function decide(command: WriteCommand, current: KubeObject | undefined, ctx: WriteContext): NewEvent[] {
  switch (command.type) {
    case 'Create':
      return decideCreate(command.resource, command.object, current, ctx);
    case 'Update': {
      const existing = requireExisting(command.resource, current, command.object.metadata.name);
      const input = existing.kind === 'CertificateSigningRequest' ? csrForUpdate(existing, command.object) : command.object;
      return decideUpdate(command.resource, input, existing, ctx, 'Updated');
    }
    case 'UpdateStatus': {
      const existing = requireExisting(command.resource, current, command.object.metadata.name);
      const input = existing.kind === 'CertificateSigningRequest' ? withVersionOf(csrForStatus(existing, command.object), command.object) : command.object;
      return decideUpdate(command.resource, input, existing, ctx, 'StatusChanged');
    }
    case 'UpdateApproval': {
      const existing = requireExisting(command.resource, current, command.object.metadata.name);
      if (existing.kind !== 'CertificateSigningRequest') throw ApiError.notFoundPath();
      return decideUpdate(command.resource, withVersionOf(csrForApproval(existing, command.object), command.object), existing, ctx, 'StatusChanged');
    }
    case 'Scale': {
      const obj = requireExisting(command.resource, current);
      checkResourceVersion(command.resource, obj, command.resourceVersion);
      if (!Number.isInteger(command.replicas) || command.replicas < 0) {
        throw ApiError.invalid(`Scale.autoscaling`, obj.metadata.name!, [
          { reason: 'FieldValueInvalid', field: 'spec.replicas', message: `Invalid value: ${command.replicas}: must be greater than or equal to 0` },
        ], 'autoscaling');
      }
      const previous = obj.spec?.replicas ?? 1;
      if (previous === command.replicas) return [];
      return [event(eventType(obj.kind, 'Scaled'), { replicas: command.replicas, previousReplicas: previous }, ctx)];
    }
    case 'Bind': {
      const pod = requireExisting(command.resource, current);
      checkResourceVersion(command.resource, pod, command.resourceVersion);
      if (pod.spec?.nodeName) {
        throw new ApiError(409, 'Conflict', `Operation cannot be fulfilled on pods/binding "${pod.metadata.name}": pod ${pod.metadata.name} is already assigned to node "${pod.spec.nodeName}"`);
      }
      if (pod.metadata.deletionTimestamp) {
        throw new ApiError(409, 'Conflict', `Operation cannot be fulfilled on pods/binding "${pod.metadata.name}": pod is being deleted`);
      }
      return [event(eventType('Pod', 'Bound'), { nodeName: command.nodeName }, ctx)];
    }
    case 'SpendDisruption': {
      const pdb = requireExisting(command.resource, current);
      return decideUpdate(command.resource, spendDisruption(pdb, command.podName, toSeconds(ctx.now)), pdb, ctx, 'StatusChanged');
    }
    case 'Delete':
      return decideDelete(command, requireExisting(command.resource, current), ctx);
    default: {
      const unhandled: never = command;
      throw new Error(`unhandled command ${(unhandled as WriteCommand).type}`);
    }
  }
}

function decideCreate(resource: ResourceInfo, input: KubeObject, current: KubeObject | undefined, ctx: WriteContext): NewEvent[] {
  const name = input.metadata.name!;
  if (current) throw ApiError.alreadyExists(qualifiedName(resource), name, resource.group);
  const metadata = { ...input.metadata };
  delete metadata.resourceVersion;
  delete metadata.deletionTimestamp;
  delete metadata.deletionGracePeriodSeconds;
  delete metadata.managedFields;
  metadata.uid = ctx.newUid?.() ?? ctx.newId();
  metadata.creationTimestamp = toSeconds(ctx.now);
  if (resource.hasSpec) metadata.generation = 1;
  else delete metadata.generation;
  const object = applyDefaults({ ...input, metadata });
  if (object.kind === 'Pod' && !object.status?.phase) object.status = { ...object.status, phase: 'Pending' };
  // As kube's PrepareForCreate: a budget starts with a zero status, allowing no disruption until the controller computes it.
  if (object.kind === 'PodDisruptionBudget') object.status = { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 };
  validateOrThrow(resource, object);
  return [event(eventType(resource.kind, 'Created'), { object }, ctx)];
}

function decideUpdate(resource: ResourceInfo, input: KubeObject, current: KubeObject, ctx: WriteContext, verb: EventVerb): NewEvent[] {
  checkResourceVersion(resource, current, input.metadata.resourceVersion);
  let next: KubeObject;
  if (verb === 'StatusChanged') {
    // The status subresource changes status only; everything else in the body is ignored.
    // A fresh metadata object: the projection's object is shared and must never be mutated.
    next = { ...current, metadata: { ...current.metadata }, status: input.status };
  } else {
    // The main resource ignores status for kinds that have a status subresource, and keeps
    // the fields only the server sets.
    next = applyDefaults({
      ...input,
      apiVersion: current.apiVersion,
      kind: current.kind,
      metadata: {
        ...input.metadata,
        name: current.metadata.name,
        namespace: current.metadata.namespace,
        uid: current.metadata.uid,
        creationTimestamp: current.metadata.creationTimestamp,
        deletionTimestamp: current.metadata.deletionTimestamp,
        deletionGracePeriodSeconds: current.metadata.deletionGracePeriodSeconds,
        generation: current.metadata.generation,
      },
    });
    if (resource.subresources.includes('status')) next.status = current.status;
    if (next.status === undefined) delete next.status;
    stripUndefined(next.metadata);
    if (resource.hasSpec && JSON.stringify(next.spec) !== JSON.stringify(current.spec)) {
      next.metadata.generation = (current.metadata.generation ?? 0) + 1;
    }
  }
  delete next.metadata.resourceVersion;
  delete next.metadata.managedFields;
  validateOrThrow(resource, next, current);
  const before = { ...current, metadata: { ...current.metadata } };
  delete before.metadata.resourceVersion;
  const patch = compare(before, next);
  if (patch.length === 0) return [];
  const events = [event(eventType(resource.kind, verb), { patch }, ctx)];
  // The last finalizer removed from an object that is being deleted completes the deletion.
  const pending = [...(next.metadata.finalizers ?? []), ...(next.kind === 'Namespace' ? next.spec?.finalizers ?? [] : [])];
  if (current.metadata.deletionTimestamp && pending.length === 0) {
    events.push(event(OBJECT_DELETED, {}, ctx));
  }
  return events;
}

function decideDelete(command: Extract<WriteCommand, { type: 'Delete' }>, current: KubeObject, ctx: WriteContext): NewEvent[] {
  const { preconditions, propagationPolicy } = command;
  if (preconditions?.uid && preconditions.uid !== current.metadata.uid) {
    throw new ApiError(409, 'Conflict', `Precondition failed: UID in precondition: ${preconditions.uid}, UID in object meta: ${current.metadata.uid}`);
  }
  checkResourceVersion(command.resource, current, preconditions?.resourceVersion);
  // Foreground and orphan deletion are finalizers the garbage collector honours (as in kube):
  // the object waits, deletionTimestamp set, until its dependents are deleted or released.
  const gcFinalizer = propagationPolicy === 'Foreground' ? 'foregroundDeletion' : propagationPolicy === 'Orphan' ? 'orphan' : undefined;
  if (gcFinalizer && !current.metadata.deletionTimestamp && !current.metadata.finalizers?.includes(gcFinalizer)) {
    const path = current.metadata.finalizers ? '/metadata/finalizers/-' : '/metadata/finalizers';
    const value = current.metadata.finalizers ? gcFinalizer : [gcFinalizer];
    return [
      event(eventType(current.kind, 'Updated'), { patch: [{ op: 'add', path, value }] }, ctx),
      event(DELETION_REQUESTED, { deletionTimestamp: toSeconds(ctx.now), propagationPolicy }, ctx),
    ];
  }
  const graceful = gracefulPodDeletion(command, current, ctx);
  if (graceful) return graceful;
  // A namespace's spec.finalizers (`kubernetes`) hold it Terminating while its contents go.
  const finalizers = [...(current.metadata.finalizers ?? []), ...(current.kind === 'Namespace' ? current.spec?.finalizers ?? [] : [])];
  if (finalizers.length === 0) return [event(OBJECT_DELETED, { ...(propagationPolicy ? { propagationPolicy } : {}) }, ctx)];
  if (current.metadata.deletionTimestamp) return []; // already being deleted: nothing new to record
  const grace = command.gracePeriodSeconds ?? current.spec?.terminationGracePeriodSeconds;
  const requested = event(
    DELETION_REQUESTED,
    {
      deletionTimestamp: toSeconds(ctx.now),
      ...(grace !== undefined ? { gracePeriodSeconds: grace } : {}),
      ...(propagationPolicy ? { propagationPolicy } : {}),
    },
    ctx,
  );
  if (current.kind !== 'Namespace') return [requested];
  // As kube-apiserver: a namespace being emptied shows phase Terminating (`kubectl get ns`).
  const phase = current.status ? { op: 'add' as const, path: '/status/phase', value: 'Terminating' } : { op: 'add' as const, path: '/status', value: { phase: 'Terminating' } };
  return [requested, event(eventType('Namespace', 'StatusChanged'), { patch: [phase] }, ctx)];
}

/**
 * Graceful pod deletion (as kube-apiserver): a pod bound to a Ready node, deleted with a grace
 * period > 0 (default its terminationGracePeriodSeconds), becomes Terminating so its node agent
 * can stop the processes (SIGTERM, grace, SIGKILL) and then delete it with grace 0. A pod that
 * is unbound, on a node that is not Ready, or deleted with grace 0, goes at once (undefined here).
 * A second graceful delete of a Terminating pod may only shorten its grace period.
 */
function gracefulPodDeletion(command: Extract<WriteCommand, { type: 'Delete' }>, current: KubeObject, ctx: WriteContext): NewEvent[] | undefined {
  if (current.kind !== 'Pod' || !current.spec?.nodeName || command.nodeReady !== true) return undefined;
  const grace = command.gracePeriodSeconds ?? current.spec?.terminationGracePeriodSeconds ?? 30;
  if (!(grace > 0)) return undefined;
  if (current.metadata.deletionTimestamp) {
    const held = current.metadata.deletionGracePeriodSeconds;
    if (held !== undefined && grace >= held) return [];
  }
  const policy = command.propagationPolicy ? { propagationPolicy: command.propagationPolicy } : {};
  return [event(DELETION_REQUESTED, { deletionTimestamp: current.metadata.deletionTimestamp ?? toSeconds(ctx.now), gracePeriodSeconds: grace, ...policy }, ctx)];
}

function requireExisting(resource: ResourceInfo, current: KubeObject | undefined, name?: string): KubeObject {
  if (!current) throw ApiError.notFound(qualifiedName(resource), name ?? '', resource.group);
  return current;
}

function checkResourceVersion(resource: ResourceInfo, current: KubeObject, expected: string | undefined): void {
  if (expected && expected !== current.metadata.resourceVersion) {
    throw ApiError.conflict(qualifiedName(resource), current.metadata.name!, resource.group);
  }
}

function validateOrThrow(resource: ResourceInfo, object: KubeObject, current?: KubeObject): void {
  const causes = [...validateObject(object), ...(current ? validateUpdate(current, object) : [])];
  if (causes.length > 0) throw ApiError.invalid(kindWithGroup(resource), object.metadata.name ?? '', causes, resource.group);
}

function event(type: string, data: unknown, ctx: WriteContext): NewEvent {
  return {
    id: ctx.newId(),
    type,
    data,
    metadata: {
      time: ctx.now,
      actor: ctx.actor,
      correlationId: ctx.correlationId,
      ...(ctx.causationId ? { causationId: ctx.causationId } : {}),
      schemaVersion: CURRENT_SCHEMA_VERSION,
    },
  };
}

function stripUndefined(o: Record<string, unknown>): void {
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
}

/** Object timestamps have whole seconds in Kubernetes (metav1.Time); event times keep milliseconds. */
function toSeconds(time: string): string {
  return time.replace(/\.\d+Z$/, 'Z');
}

/** The request's resourceVersion precondition, kept on an object rebuilt from the stored one. */
function withVersionOf(object: KubeObject, input: KubeObject): KubeObject {
  return { ...object, metadata: { ...object.metadata, resourceVersion: input.metadata.resourceVersion } };
}
