import { Type } from 'class-transformer';
import { IsOptional, ValidateNested } from 'class-validator';
import { nonNegativeInt, oneOf, present } from './checks';
import { SubdomainMetaDto } from './meta.dto';
import { PodTemplateDto } from './pod.dto';
import { type Check, Rule, invalid, notSupported, required } from './rule';
import { LabelSelectorDto, intOrPercent, nonEmptySelector, templateMatchesSelector } from './workloads.dto';

/** DaemonSet, StatefulSet and ControllerRevision (apps/v1), with kube-apiserver's messages. */

/** kube refuses activeDeadlineSeconds in the pod template of a workload that never finishes. */
const noActiveDeadline =
  (kind: string): Check =>
  (template) =>
    template?.spec?.activeDeadlineSeconds !== undefined && template?.spec?.activeDeadlineSeconds !== null
      ? { reason: 'FieldValueForbidden', message: `Forbidden: activeDeadlineSeconds in ${kind} is not Supported`, sub: '.spec.activeDeadlineSeconds' }
      : undefined;

const isZero = (v: unknown) => v === undefined || v === null || v === 0 || v === '0%';
const notOver100: Check = (v) => (typeof v === 'string' && v.endsWith('%') && Number(v.slice(0, -1)) > 100 ? invalid(v, 'must not be greater than 100%') : undefined);

export class RollingUpdateDaemonSetDto {
  @Rule(intOrPercent, notOver100, (v, ru) => (isZero(v) && isZero(ru?.maxSurge) ? invalid(v ?? 0, 'may not be 0 when `maxSurge` is 0') : undefined)) maxUnavailable?: number | string;
  @Rule(intOrPercent, notOver100) maxSurge?: number | string;
}

const rollingUpdateRequired: Check = (v, strategy) => (strategy?.type === 'RollingUpdate' && (v === undefined || v === null) ? required() : undefined);

export class DaemonSetUpdateStrategyDto {
  @Rule(present, oneOf(['OnDelete', 'RollingUpdate'])) type?: string;
  @Rule(rollingUpdateRequired) @IsOptional() @ValidateNested() @Type(() => RollingUpdateDaemonSetDto) rollingUpdate?: RollingUpdateDaemonSetDto;
}

export class DaemonSetSpecDto {
  @Rule(present, nonEmptySelector('daemonset')) @ValidateNested() @Type(() => LabelSelectorDto) selector?: LabelSelectorDto;
  @Rule(templateMatchesSelector, noActiveDeadline('DaemonSet')) @ValidateNested() @Type(() => PodTemplateDto) template?: PodTemplateDto;
  @IsOptional() @ValidateNested() @Type(() => DaemonSetUpdateStrategyDto) updateStrategy?: DaemonSetUpdateStrategyDto;
  @Rule(nonNegativeInt) minReadySeconds?: number;
  @Rule(nonNegativeInt) revisionHistoryLimit?: number;
}

export class DaemonSetDto {
  @ValidateNested() @Type(() => SubdomainMetaDto) metadata?: SubdomainMetaDto;
  @ValidateNested() @Type(() => DaemonSetSpecDto) spec?: DaemonSetSpecDto;
}

export class StatefulSetRollingUpdateDto {
  @Rule(nonNegativeInt) partition?: number;
  @Rule(intOrPercent) maxUnavailable?: number | string;
}

const statefulSetStrategy: Check = (type) => {
  if (type === undefined || type === null || type === '') return required();
  return type === 'RollingUpdate' || type === 'OnDelete' ? undefined : invalid(type, "must be 'RollingUpdate' or 'OnDelete'");
};

const onlyForRollingUpdate: Check = (v, strategy) =>
  v !== undefined && v !== null && strategy?.type === 'OnDelete' ? invalid(v, "only allowed for updateStrategy 'RollingUpdate'") : undefined;

export class StatefulSetUpdateStrategyDto {
  @Rule(statefulSetStrategy) type?: string;
  @Rule(onlyForRollingUpdate) @IsOptional() @ValidateNested() @Type(() => StatefulSetRollingUpdateDto) rollingUpdate?: StatefulSetRollingUpdateDto;
}

export class PvcRetentionPolicyDto {
  @Rule(oneOf(['Retain', 'Delete'])) whenDeleted?: string;
  @Rule(oneOf(['Retain', 'Delete'])) whenScaled?: string;
}

export class OrdinalsDto {
  @Rule(nonNegativeInt) start?: number;
}

export class VolumeClaimTemplateDto {
  @Rule((m) => (m === undefined || m === null ? { ...required(), sub: '.name' } : undefined))
  @ValidateNested()
  @Type(() => SubdomainMetaDto)
  metadata?: SubdomainMetaDto;
}

export class StatefulSetSpecDto {
  @Rule(nonNegativeInt) replicas?: number;
  @Rule(present, nonEmptySelector('statefulset')) @ValidateNested() @Type(() => LabelSelectorDto) selector?: LabelSelectorDto;
  @Rule(templateMatchesSelector, noActiveDeadline('StatefulSet')) @ValidateNested() @Type(() => PodTemplateDto) template?: PodTemplateDto;
  @Rule((v) => (v === undefined || v === null || v === '' ? required() : v === 'OrderedReady' || v === 'Parallel' ? undefined : notSupported(v, ['OrderedReady', 'Parallel']))) podManagementPolicy?: string;
  @IsOptional() @ValidateNested() @Type(() => StatefulSetUpdateStrategyDto) updateStrategy?: StatefulSetUpdateStrategyDto;
  @IsOptional() @ValidateNested() @Type(() => PvcRetentionPolicyDto) persistentVolumeClaimRetentionPolicy?: PvcRetentionPolicyDto;
  @IsOptional() @ValidateNested() @Type(() => OrdinalsDto) ordinals?: OrdinalsDto;
  @IsOptional() @ValidateNested({ each: true }) @Type(() => VolumeClaimTemplateDto) volumeClaimTemplates?: VolumeClaimTemplateDto[];
  @Rule(nonNegativeInt) minReadySeconds?: number;
  @Rule(nonNegativeInt) revisionHistoryLimit?: number;
}

export class StatefulSetDto {
  @ValidateNested() @Type(() => SubdomainMetaDto) metadata?: SubdomainMetaDto;
  @ValidateNested() @Type(() => StatefulSetSpecDto) spec?: StatefulSetSpecDto;
}

export class ControllerRevisionDto {
  @ValidateNested() @Type(() => SubdomainMetaDto) metadata?: SubdomainMetaDto;
  @Rule((v) => (v === undefined || v === null ? required() : undefined)) data?: unknown;
  @Rule(nonNegativeInt) revision?: number;
}
