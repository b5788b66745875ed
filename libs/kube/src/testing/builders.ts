import type { KubeObject } from '../object';

/**
 * Fluent builders for unit tests: `makeDeployment().name('web').image('nginx').obj()`.
 * Each returns a fresh plain object; `with(path, value)` sets anything the methods don't cover.
 */
abstract class Builder<T extends Builder<T>> {
  protected o: KubeObject;
  constructor(apiVersion: string, kind: string, name: string, namespace?: string) {
    this.o = { apiVersion, kind, metadata: { name, ...(namespace ? { namespace } : {}) } };
  }
  name(n: string | undefined): T {
    this.o.metadata.name = n;
    return this as unknown as T;
  }
  labels(l: Record<string, string>): T {
    this.o.metadata.labels = l;
    return this as unknown as T;
  }
  created(at: string): T {
    this.o.metadata.creationTimestamp = at;
    return this as unknown as T;
  }
  /** Sets a dotted path such as `spec.template.spec.restartPolicy`; `undefined` deletes it. */
  with(path: string, value: unknown): T {
    const keys = path.split('.');
    let cur: any = this.o;
    for (const k of keys.slice(0, -1)) cur = cur[k] ??= {};
    if (value === undefined) delete cur[keys[keys.length - 1]];
    else cur[keys[keys.length - 1]] = value;
    return this as unknown as T;
  }
  obj(): KubeObject {
    return structuredClone(this.o);
  }
}

export class PodBuilder extends Builder<PodBuilder> {
  constructor(name = 'p') {
    super('v1', 'Pod', name, 'default');
    this.o.spec = { containers: [{ name: 'c', image: 'nginx:1.25' }] };
  }
  containers(...cs: object[]): this {
    this.o.spec.containers = cs;
    return this;
  }
  image(image: string): this {
    this.o.spec.containers[0].image = image;
    return this;
  }
}

class WorkloadBuilder<T extends WorkloadBuilder<T>> extends Builder<T> {
  constructor(apiVersion: string, kind: string, name: string, restartPolicy?: string) {
    super(apiVersion, kind, name, 'default');
    this.o.spec = {
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'c', image: 'nginx:1.25' }], ...(restartPolicy ? { restartPolicy } : {}) },
      },
    };
  }
  image(image: string): T {
    this.o.spec.template.spec.containers[0].image = image;
    return this as unknown as T;
  }
  containers(...cs: object[]): T {
    this.o.spec.template.spec.containers = cs;
    return this as unknown as T;
  }
  replicas(n: unknown): T {
    this.o.spec.replicas = n;
    return this as unknown as T;
  }
}

export class DeploymentBuilder extends WorkloadBuilder<DeploymentBuilder> {
  constructor(name = 'web') {
    super('apps/v1', 'Deployment', name);
  }
}
export class ReplicaSetBuilder extends WorkloadBuilder<ReplicaSetBuilder> {
  constructor(name = 'web-abc') {
    super('apps/v1', 'ReplicaSet', name);
  }
}
export class JobBuilder extends WorkloadBuilder<JobBuilder> {
  constructor(name = 'job') {
    super('batch/v1', 'Job', name, 'Never');
  }
}

export class DaemonSetBuilder extends WorkloadBuilder<DaemonSetBuilder> {
  constructor(name = 'agent') {
    super('apps/v1', 'DaemonSet', name);
  }
}
export class StatefulSetBuilder extends WorkloadBuilder<StatefulSetBuilder> {
  constructor(name = 'web') {
    super('apps/v1', 'StatefulSet', name);
  }
}

/** A CronJob whose jobTemplate runs one busybox container (restartPolicy OnFailure, as kubectl create cronjob). */
export class CronJobBuilder extends Builder<CronJobBuilder> {
  constructor(name = 'hello') {
    super('batch/v1', 'CronJob', name, 'default');
    this.o.spec = { schedule: '*/1 * * * *', jobTemplate: { spec: { template: { spec: { containers: [{ name: name, image: 'busybox' }], restartPolicy: 'OnFailure' } } } } };
  }
  schedule(s: string): this {
    this.o.spec.schedule = s;
    return this;
  }
}

export class ObjectBuilder extends Builder<ObjectBuilder> {}

export const makePod = (name?: string) => new PodBuilder(name);
export const makeDeployment = (name?: string) => new DeploymentBuilder(name);
export const makeReplicaSet = (name?: string) => new ReplicaSetBuilder(name);
export const makeJob = (name?: string) => new JobBuilder(name);
export const makeDaemonSet = (name?: string) => new DaemonSetBuilder(name);
export const makeStatefulSet = (name?: string) => new StatefulSetBuilder(name);
export const makeCronJob = (name?: string) => new CronJobBuilder(name);
/** Any kind: `makeObject('v1', 'Service', 'web', 'default').with('spec.ports', [...])`. */
export const makeObject = (apiVersion: string, kind: string, name: string, namespace?: string) =>
  new ObjectBuilder(apiVersion, kind, name, namespace);
