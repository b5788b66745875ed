import { RESOURCES, parseStreamName } from '@logbook/kube';

/** What a user asked for, as in kube-apiserver's audit log; patches are stored as updates. */
export const VERBS = ['create', 'update', 'patch', 'delete', 'status', 'bind', 'scale'] as const;
export type Verb = (typeof VERBS)[number];

/** The verb of an event type: the request that appended it. */
export function verbOf(type: string): Exclude<Verb, 'patch'> | undefined {
  if (type === 'DeletionRequested' || type === 'ObjectDeleted') return 'delete';
  if (type.endsWith('StatusChanged')) return 'status';
  if (type.endsWith('Created')) return 'create';
  if (type.endsWith('Updated')) return 'update';
  if (type.endsWith('Bound')) return 'bind';
  if (type.endsWith('Scaled')) return 'scale';
  return undefined;
}

export function isVerb(text: string): text is Verb {
  return (VERBS as readonly string[]).includes(text);
}

/**
 * The event types a verb appends, for the given kind or every kind. `patch` gives the update
 * types: every patch dialect is applied server-side and recorded as an update (architecture.md).
 */
export function typesOfVerb(verb: Verb, kind?: string): string[] {
  const kinds = kind ? [kind] : RESOURCES.map((r) => r.kind);
  switch (verb) {
    case 'create':
      return kinds.map((k) => `${k}Created`);
    case 'update':
    case 'patch':
      return kinds.map((k) => `${k}Updated`);
    case 'status':
      return kinds.map((k) => `${k}StatusChanged`);
    case 'bind':
      return kinds.includes('Pod') ? ['PodBound'] : [];
    case 'scale':
      // Whatever serves /scale appends <Kind>Scaled.
      return kinds.filter((k) => RESOURCES.some((r) => r.kind === k && r.subresources.includes('scale'))).map((k) => `${k}Scaled`);
    case 'delete':
      return ['DeletionRequested', 'ObjectDeleted'];
  }
}

/** Kind, namespace and name of an event's object, from its stream. */
export function objectOfStream(stream: string): { kind: string; namespace?: string; name: string } {
  return parseStreamName(stream);
}
