import { randomUUID } from 'node:crypto';
import { CURRENT_SCHEMA_VERSION, DELETION_REQUESTED, OBJECT_DELETED, type NewEvent } from '@logbook/events';
import type { EventStore } from '@logbook/eventstore';
import { streamName } from '@logbook/kube';

interface Obj {
  kind: string;
  namespace?: string;
  name: string;
  revision: number;
  deleted: boolean;
}

const meta = (actor: string) => ({ time: new Date().toISOString(), actor, schemaVersion: CURRENT_SCHEMA_VERSION });
const ev = (type: string, data: unknown, actor = 'alice'): NewEvent => ({ id: randomUUID(), type, data, metadata: meta(actor) });

/** The event an API write of `obj` would append next (create first, then status/bind/scale, at the end a deletion). */
function nextWrite(obj: Obj, step: number, seed: number): NewEvent {
  const { kind, namespace, name } = obj;
  if (obj.revision < 0) {
    const object = {
      apiVersion: kind === 'Deployment' ? 'apps/v1' : 'v1',
      kind,
      metadata: { name, namespace, uid: randomUUID(), generation: 1, labels: { app: name.split('-')[0] } },
      spec: kind === 'Pod' ? { containers: [{ name: 'c', image: 'nginx:1.27' }] } : kind === 'Deployment' ? { replicas: 1 } : {},
      status: {},
    };
    return ev(`${kind}Created`, { object });
  }
  if (kind === 'Pod' && obj.revision === 0) return ev('PodBound', { nodeName: `node-${seed % 3}` }, 'system:scheduler');
  if (kind === 'Deployment' && seed % 4 === 0) return ev('DeploymentScaled', { replicas: (step % 5) + 1, previousReplicas: 1 });
  const phase = ['Pending', 'Running', 'Succeeded'][step % 3];
  return ev(`${kind}StatusChanged`, { patch: [{ op: 'replace', path: '/status', value: { phase, observed: step } }] }, 'system:node');
}

/**
 * Appends `total` events shaped like API writes for a few hundred objects (pods in three
 * namespaces, deployments, nodes), one event per write; about 2% of the objects end deleted.
 * Writes of different objects go concurrently (as API requests would), each object's in order.
 */
export async function writeApiEvents(store: EventStore, total: number, objects = 300, namePrefix = ''): Promise<void> {
  const all: Obj[] = Array.from({ length: objects }, (_, i) => {
    if (i % 10 === 0) return { kind: 'Node', name: `${namePrefix}node-${i}`, revision: -1, deleted: false };
    if (i % 10 === 1) return { kind: 'Deployment', namespace: 'default', name: `${namePrefix}web-${i}`, revision: -1, deleted: false };
    return { kind: 'Pod', namespace: ['default', 'kube-system', 'team-a'][i % 3], name: `${namePrefix}app-${i}`, revision: -1, deleted: false };
  });
  let written = 0;
  for (let step = 0; written < total; step++) {
    const wave = all.filter((o) => !o.deleted).slice(0, total - written);
    await Promise.all(
      wave.map(async (obj, i) => {
        const stream = streamName(obj.kind, obj.namespace, obj.name);
        const remaining = total - written;
        let event = nextWrite(obj, step, i);
        if (obj.revision >= 2 && i % 50 === 7 && remaining > objects) event = ev(obj.revision === 2 ? DELETION_REQUESTED : OBJECT_DELETED, obj.revision === 2 ? { deletionTimestamp: new Date().toISOString() } : {});
        await store.append(stream, [event], obj.revision < 0 ? 'no_stream' : obj.revision);
        if (event.type === OBJECT_DELETED) obj.deleted = true;
        obj.revision++;
      }),
    );
    written += wave.length;
  }
}
