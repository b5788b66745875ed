import type { OutgoingMessage } from '@logbook/bus';
import { POSITION_HEADER } from '@logbook/bus';
import type { StoredEvent } from '@logbook/events';
import { type KubeObject, objectKey, parseStreamName, resourceByKind, topicFor } from '@logbook/kube';

/** What a relayed message carries: the event and the object it left behind (event-carried state transfer). */
export interface RelayedEvent {
  readonly envelope: StoredEvent;
  /** The object after the event; null once it is deleted. */
  readonly object: KubeObject | null;
}

export const EVENT_TYPE_HEADER = 'logbook-event-type';

/**
 * The topic and message for one event: `logbook.<plural>` of the stream's kind, keyed by
 * `namespace/name` so one object's events share a partition and stay in order.
 * Undefined for a stream of a kind Logbook does not serve.
 */
export function relayMessage(event: StoredEvent, after: KubeObject | undefined): { topic: string; message: OutgoingMessage } | undefined {
  const { kind, namespace, name } = parseStreamName(event.stream);
  const resource = resourceByKind(kind);
  if (!resource) return undefined;
  const body: RelayedEvent = { envelope: event, object: after ?? null };
  return {
    topic: topicFor(resource),
    message: {
      key: objectKey(namespace, name),
      value: JSON.stringify(body),
      headers: { [POSITION_HEADER]: String(event.position), [EVENT_TYPE_HEADER]: event.type },
    },
  };
}

/** The per-node topic a node agent consumes: every event of the pods bound to that node. */
export function nodeTopic(nodeName: string): string {
  return `logbook.node.${nodeName}`;
}

/**
 * The nodes a Pod event concerns: the node the pod is bound to after the event, or was bound to
 * before it (its deletion still reaches the agent that ran it). Empty for other kinds.
 */
export function podEventNodes(kind: string, before: KubeObject | undefined, after: KubeObject | undefined): string[] {
  if (kind !== 'Pod') return [];
  const from = before?.spec?.nodeName as string | undefined;
  const to = after?.spec?.nodeName as string | undefined;
  if (from && to && from !== to) return [from, to];
  return from ? [from] : to ? [to] : [];
}

/** Parses a relayed message's value. */
export function parseRelayed(value: Buffer | string): RelayedEvent {
  return JSON.parse(typeof value === 'string' ? value : value.toString('utf8')) as RelayedEvent;
}
