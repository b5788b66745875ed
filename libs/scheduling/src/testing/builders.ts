import type { KubeObject } from '@logbook/kube';
import { ObjectBuilder, PodBuilder } from '../../../kube/src/testing/builders';

/** `makePod('p').requests({ cpu: '1' }).nodeName('n1').obj()` — pods the scheduler cares about. */
export class SchedulingPodBuilder extends PodBuilder {
  constructor(name = 'p') {
    super(name);
    this.o.spec.schedulerName = 'default-scheduler';
    this.o.status = { phase: 'Pending' };
  }
  override labels(l: Record<string, string>): this {
    super.labels(l);
    return this;
  }
  override with(path: string, value: unknown): this {
    super.with(path, value);
    return this;
  }
  namespace(ns: string): this {
    this.o.metadata.namespace = ns;
    return this;
  }
  /** Requests of the first container. */
  requests(r: Record<string, string>): this {
    this.o.spec.containers[0].resources = { ...this.o.spec.containers[0].resources, requests: r };
    return this;
  }
  limits(l: Record<string, string>): this {
    this.o.spec.containers[0].resources = { ...this.o.spec.containers[0].resources, limits: l };
    return this;
  }
  nodeName(n: string): this {
    this.o.spec.nodeName = n;
    return this;
  }
  phase(p: string): this {
    this.o.status.phase = p;
    return this;
  }
  nodeSelector(s: Record<string, string>): this {
    this.o.spec.nodeSelector = s;
    return this;
  }
  tolerations(...t: object[]): this {
    this.o.spec.tolerations = t;
    return this;
  }
  /** Required node affinity: `requiredAffinity({ matchExpressions: [...] }, ...)` — terms ORed. */
  requiredAffinity(...terms: object[]): this {
    this.affinity().nodeAffinity = { ...this.affinity().nodeAffinity, requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } };
    return this;
  }
  preferredAffinity(...prefs: { weight: number; preference: object }[]): this {
    this.affinity().nodeAffinity = { ...this.affinity().nodeAffinity, preferredDuringSchedulingIgnoredDuringExecution: prefs };
    return this;
  }
  /** Required pod anti-affinity on the hostname topology. */
  antiAffinity(labelSelector: object, namespaces?: string[]): this {
    const term = { labelSelector, topologyKey: 'kubernetes.io/hostname', ...(namespaces ? { namespaces } : {}) };
    this.affinity().podAntiAffinity = { requiredDuringSchedulingIgnoredDuringExecution: [term] };
    return this;
  }
  hostPort(hostPort: number, protocol?: string, hostIP?: string): this {
    const c = this.o.spec.containers[0];
    c.ports = [...(c.ports ?? []), { containerPort: hostPort, hostPort, ...(protocol ? { protocol } : {}), ...(hostIP ? { hostIP } : {}) }];
    return this;
  }
  owner(kind: string, name: string, uid: string): this {
    this.o.metadata.ownerReferences = [{ apiVersion: 'apps/v1', kind, name, uid, controller: true }];
    return this;
  }
  resourceVersion(rv: string): this {
    this.o.metadata.resourceVersion = rv;
    return this;
  }
  private affinity(): any {
    return (this.o.spec.affinity ??= {});
  }
}

/** `makeNode('n1').capacity({ cpu: '4', memory: '8Gi' }).obj()` — Ready, 110 pods, unless told otherwise. */
export class NodeBuilder extends ObjectBuilder {
  constructor(name = 'n1') {
    super('v1', 'Node', name);
    this.o.metadata.labels = { 'kubernetes.io/hostname': name };
    this.o.spec = {};
    this.o.status = {
      capacity: { cpu: '4', memory: '16Gi', pods: '110' },
      allocatable: { cpu: '4', memory: '16Gi', pods: '110' },
      conditions: [{ type: 'Ready', status: 'True' }],
    };
  }
  /** Sets capacity and allocatable alike; pods stays 110 unless given. */
  capacity(c: Record<string, string>): this {
    this.o.status.capacity = { ...this.o.status.capacity, ...c };
    this.o.status.allocatable = { ...this.o.status.allocatable, ...c };
    return this;
  }
  allocatable(a: Record<string, string>): this {
    this.o.status.allocatable = { ...this.o.status.allocatable, ...a };
    return this;
  }
  addLabels(l: Record<string, string>): this {
    this.o.metadata.labels = { ...this.o.metadata.labels, ...l };
    return this;
  }
  taints(...t: object[]): this {
    this.o.spec.taints = t;
    return this;
  }
  unschedulable(u = true): this {
    this.o.spec.unschedulable = u;
    return this;
  }
  ready(status: 'True' | 'False' | 'Unknown'): this {
    this.o.status.conditions = [{ type: 'Ready', status }];
    return this;
  }
  resourceVersion(rv: string): this {
    this.o.metadata.resourceVersion = rv;
    return this;
  }
}

export const makePod = (name?: string) => new SchedulingPodBuilder(name);
export const makeNode = (name?: string) => new NodeBuilder(name);

export type { KubeObject };
