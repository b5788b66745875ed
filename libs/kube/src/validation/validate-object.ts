import 'reflect-metadata';
import { ClassConstructor, plainToInstance } from 'class-transformer';
import { ValidationError, validateSync } from 'class-validator';
import type { StatusCause } from '../api-error';
import type { KubeObject } from '../object';
import { ConfigMapDto, EndpointsDto, EventDto, NamespaceDto, NodeDto, PodDto, SecretDto, ServiceDto } from './core.dto';
import { Issue, ISSUES_PREFIX, invalid } from './rule';
import { DeploymentDto, JobDto, ReplicaSetDto } from './workloads.dto';
import { PodDisruptionBudgetDto } from './policy.dto';
import { IngressClassDto, IngressDto } from './networking.dto';
import { HorizontalPodAutoscalerDto } from './autoscaling.dto';
import { ControllerRevisionDto, DaemonSetDto, StatefulSetDto } from './apps.dto';
import { CronJobDto } from './batch.dto';
import { PersistentVolumeClaimDto, PersistentVolumeDto, StorageClassDto } from './storage.dto';
import { CertificateSigningRequestDto } from './certificates.dto';
import { LimitRangeDto, ResourceQuotaDto } from './quota.dto';

const DTO_BY_KIND: Record<string, ClassConstructor<object>> = {
  Namespace: NamespaceDto,
  Node: NodeDto,
  Pod: PodDto,
  Service: ServiceDto,
  Endpoints: EndpointsDto,
  ConfigMap: ConfigMapDto,
  Secret: SecretDto,
  Event: EventDto,
  Deployment: DeploymentDto,
  ReplicaSet: ReplicaSetDto,
  Job: JobDto,
  PodDisruptionBudget: PodDisruptionBudgetDto,
  HorizontalPodAutoscaler: HorizontalPodAutoscalerDto,
  DaemonSet: DaemonSetDto,
  StatefulSet: StatefulSetDto,
  ControllerRevision: ControllerRevisionDto,
  CronJob: CronJobDto,
  Ingress: IngressDto,
  IngressClass: IngressClassDto,
  PersistentVolume: PersistentVolumeDto,
  PersistentVolumeClaim: PersistentVolumeClaimDto,
  StorageClass: StorageClassDto,
  CertificateSigningRequest: CertificateSigningRequestDto,
  ResourceQuota: ResourceQuotaDto,
  LimitRange: LimitRangeDto,
};

const WITH_SPEC = new Set(['Pod', 'Service', 'Deployment', 'ReplicaSet', 'Job', 'PodDisruptionBudget', 'DaemonSet', 'StatefulSet', 'CronJob', 'Ingress', 'IngressClass', 'PersistentVolume', 'PersistentVolumeClaim', 'CertificateSigningRequest']);
const WITH_TEMPLATE = new Set(['Deployment', 'ReplicaSet', 'Job', 'DaemonSet', 'StatefulSet']);

/**
 * Missing structs read as zero values in Go, so kube reports `spec.template.spec.containers:
 * Required value` rather than `spec: Required value`. Filling the skeleton gives the same paths.
 */
function withSkeleton(obj: KubeObject): KubeObject {
  const o = structuredClone(obj);
  o.metadata ??= {};
  if (WITH_SPEC.has(o.kind)) o.spec ??= {};
  if (WITH_TEMPLATE.has(o.kind) && typeof o.spec === 'object') {
    o.spec.template ??= {};
    o.spec.template.metadata ??= {};
    o.spec.template.spec ??= {};
  }
  if (o.kind === 'CronJob' && typeof o.spec === 'object') {
    o.spec.jobTemplate ??= {};
    o.spec.jobTemplate.spec ??= {};
    o.spec.jobTemplate.spec.template ??= {};
    o.spec.jobTemplate.spec.template.metadata ??= {};
    o.spec.jobTemplate.spec.template.spec ??= {};
  }
  return o;
}

/**
 * Validates a built-in object as kube-apiserver would on create/update, after defaulting.
 * Returns one StatusCause per problem, with Kubernetes field paths
 * (`spec.template.spec.containers[0].image`); empty when valid or when the kind is unknown.
 */
export function validateObject(obj: KubeObject): StatusCause[] {
  const dto = DTO_BY_KIND[obj.kind];
  if (!dto) return [];
  const instance = plainToInstance(dto, withSkeleton(obj));
  const errors = validateSync(instance, { forbidUnknownValues: false });
  const causes = flatten(errors, '', false);
  const seen = new Set<string>();
  return causes.filter((c) => {
    const id = `${c.field}\u0000${c.reason}\u0000${c.message}`;
    return seen.has(id) ? false : (seen.add(id), true);
  });
}

function flatten(errors: ValidationError[], prefix: string, inArray: boolean): StatusCause[] {
  const out: StatusCause[] = [];
  for (const e of errors) {
    const path = inArray ? `${prefix}[${e.property}]` : prefix ? `${prefix}.${e.property}` : e.property;
    for (const issue of issuesOf(e)) {
      out.push({ reason: issue.reason, message: issue.message, field: path + (issue.sub ?? '') });
    }
    if (e.children?.length) out.push(...flatten(e.children, path, Array.isArray(e.value)));
  }
  return out;
}

function issuesOf(e: ValidationError): Issue[] {
  const messages = Object.values(e.constraints ?? {});
  const ours = messages.filter((m) => m.startsWith(ISSUES_PREFIX));
  if (ours.length > 0) return JSON.parse(ours[0].slice(ISSUES_PREFIX.length)) as Issue[];
  // class-validator's own nestedValidation: the value is not an object/list at all.
  if (e.constraints?.nestedValidation) return [invalid(e.value, 'must be an object')];
  return [];
}
