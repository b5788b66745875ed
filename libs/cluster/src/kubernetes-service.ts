import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { ApiError, type KubeObject, resourceByKind, streamName } from '@logbook/kube';
import type { Projector } from '@logbook/projections';
import { type ClusterWriter, systemCaller } from '@logbook/apiserver';

/** kube-apiserver's choice for the `kubernetes` Service: the first address of the Service range. */
const NAME = 'kubernetes';
const NAMESPACE = 'default';

/** Where the API server is reached: the address its Endpoints name and its port. */
export interface ApiServerAddress {
  readonly ip: string;
  readonly port: number;
}

/** The API server's address for its Endpoints from the URL it serves (a wildcard bind is named by loopback). */
export function apiServerAddress(url: string): ApiServerAddress {
  const u = new URL(url);
  const host = u.hostname.replace(/^\[|\]$/g, '');
  return { ip: host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host, port: Number(u.port || 443) };
}

/** The `kubernetes` Service, its Endpoints and its EndpointSlice as kube-apiserver keeps them (pure). */
export function kubernetesServiceObjects(api: ApiServerAddress, clusterIP?: string): { service: KubeObject; endpoints: KubeObject; slice: KubeObject } {
  const port = { name: 'https', port: api.port, protocol: 'TCP' };
  return {
    service: {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: NAME, namespace: NAMESPACE, labels: { component: 'apiserver', provider: 'kubernetes' } },
      spec: {
        type: 'ClusterIP',
        ...(clusterIP ? { clusterIP, clusterIPs: [clusterIP] } : {}),
        ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: api.port }],
        sessionAffinity: 'None',
      },
    },
    endpoints: {
      apiVersion: 'v1',
      kind: 'Endpoints',
      // The slice below is written here too: kube's mirroring controller must not copy this one.
      metadata: { name: NAME, namespace: NAMESPACE, labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } },
      subsets: [{ addresses: [{ ip: api.ip }], ports: [port] }],
    } as KubeObject,
    slice: {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: NAME, namespace: NAMESPACE, labels: { 'kubernetes.io/service-name': NAME } },
      addressType: 'IPv4',
      endpoints: [{ addresses: [api.ip], conditions: { ready: true } }],
      ports: [port],
    } as KubeObject,
  };
}

/**
 * kube-apiserver's master endpoints reconciler, run at start: the `kubernetes` Service in
 * `default` (port 443 `https` → the API server's port) and its Endpoints and EndpointSlice
 * naming where the API server listens. Idempotent: what already matches is not written again,
 * so a restart on an unchanged address appends nothing. Returns how many objects were written.
 */
export async function reconcileKubernetesService(writer: ClusterWriter, projector: Projector, api: ApiServerAddress): Promise<number> {
  const state = projector.state;
  // kube's: the first address of the Service CIDR, when free.
  const clusterIP = writer.serviceRange.at(1);
  const ipTaken = state.list('Service', {}).some((s) => s.spec?.clusterIP === clusterIP && !(s.metadata.name === NAME && s.metadata.namespace === NAMESPACE));
  const desired = kubernetesServiceObjects(api, ipTaken ? undefined : clusterIP);
  let written = 0;
  const ensure = async (want: KubeObject, same: (have: KubeObject) => boolean, merge: (have: KubeObject) => KubeObject) => {
    const resource = resourceByKind(want.kind)!;
    const have = state.getByStream(streamName(want.kind, NAMESPACE, NAME));
    if (have && !have.metadata.deletionTimestamp && same(have)) return;
    const command = have ? { type: 'Update' as const, resource, object: merge(have) } : { type: 'Create' as const, resource, object: want };
    try {
      await writer.write(resource, NAMESPACE, NAME, command, systemCaller('system:apiserver', randomUUID()));
      written++;
    } catch (err) {
      // Another API server on the same log wrote it first; its next start reconciles again.
      if (!(err instanceof ApiError && err.code === 409)) throw err;
    }
  };
  const labelsHeld = (have: KubeObject, want: KubeObject) => Object.entries(want.metadata.labels ?? {}).every(([k, v]) => have.metadata.labels?.[k] === v);
  const withLabels = (have: KubeObject, want: KubeObject) => ({ ...have.metadata, labels: { ...have.metadata.labels, ...want.metadata.labels } });
  await ensure(
    desired.service,
    // The ClusterIP is allocated once and kept: only the ports and type are the reconciler's.
    (have) => labelsHeld(have, desired.service) && have.spec?.type === 'ClusterIP' && isDeepStrictEqual(have.spec?.ports, desired.service.spec.ports),
    (have) => ({ ...have, metadata: withLabels(have, desired.service), spec: { ...have.spec, type: 'ClusterIP', ports: desired.service.spec.ports } }),
  );
  await ensure(
    desired.endpoints,
    (have) => labelsHeld(have, desired.endpoints) && isDeepStrictEqual((have as any).subsets, (desired.endpoints as any).subsets),
    (have) => ({ ...have, metadata: withLabels(have, desired.endpoints), subsets: (desired.endpoints as any).subsets }) as KubeObject,
  );
  const { endpoints, ports, addressType } = desired.slice as any;
  await ensure(
    desired.slice,
    (have: any) => labelsHeld(have, desired.slice) && have.addressType === addressType && isDeepStrictEqual(have.endpoints, endpoints) && isDeepStrictEqual(have.ports, ports),
    (have) => ({ ...have, metadata: withLabels(have, desired.slice), addressType, endpoints, ports }) as KubeObject,
  );
  return written;
}
