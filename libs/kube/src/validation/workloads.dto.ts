import { Type } from 'class-transformer';
import { IsOptional, ValidateNested } from 'class-validator';
import { labelSelectorFromSpec, matchesLabels, qualifiedNameError } from '../label-selector';
import { labels, nonNegativeInt, oneOf, positiveInt, present } from './checks';
import { SubdomainMetaDto } from './meta.dto';
import { JobPodTemplateDto, PodTemplateDto } from './pod.dto';
import { Check, invalid, Issue, Rule } from './rule';

export class LabelSelectorRequirementDto {
  @Rule(present, (k) => (typeof k === 'string' && qualifiedNameError(k) ? invalid(k, qualifiedNameError(k)!) : undefined)) key?: string;
  @Rule(present, oneOf(['In', 'NotIn', 'Exists', 'DoesNotExist'])) operator?: string;
  @Rule((values, owner) => {
    const n = Array.isArray(values) ? values.length : 0;
    if ((owner?.operator === 'In' || owner?.operator === 'NotIn') && n === 0) {
      return { reason: 'FieldValueRequired', message: 'Required value: must be specified when `operator` is \'In\' or \'NotIn\'' };
    }
    if ((owner?.operator === 'Exists' || owner?.operator === 'DoesNotExist') && n > 0) {
      return { reason: 'FieldValueForbidden', message: "Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'" };
    }
    return undefined;
  })
  values?: string[];
}

export class LabelSelectorDto {
  @Rule(labels) matchLabels?: Record<string, string>;
  @IsOptional() @ValidateNested({ each: true }) @Type(() => LabelSelectorRequirementDto) matchExpressions?: LabelSelectorRequirementDto[];
}

const goMap = (m: Record<string, string> | undefined): string =>
  m === undefined || m === null
    ? 'map[string]string(nil)'
    : `map[string]string{${Object.keys(m).sort().map((k) => `${JSON.stringify(k)}:${JSON.stringify(m[k])}`).join(', ')}}`;

/** On `template`: the template's labels must be selected by the sibling `selector`. */
export const templateMatchesSelector: Check = (template, spec): Issue | undefined => {
  if (spec?.selector === undefined || spec?.selector === null) return undefined;
  let selected: boolean;
  const templateLabels = template?.metadata?.labels;
  try {
    selected = matchesLabels(labelSelectorFromSpec(spec.selector), templateLabels);
  } catch {
    return undefined; // the selector itself is reported invalid under spec.selector
  }
  if (selected) return undefined;
  return {
    reason: 'FieldValueInvalid',
    message: `Invalid value: ${goMap(templateLabels)}: \`selector\` does not match template \`labels\``,
    sub: '.metadata.labels',
  };
};

export const nonEmptySelector =
  (kind: string): Check =>
  (sel) => {
    if (sel === undefined || sel === null) return undefined;
    const empty = Object.keys(sel.matchLabels ?? {}).length === 0 && (sel.matchExpressions ?? []).length === 0;
    return empty ? invalid(sel, `empty selector is invalid for ${kind}`) : undefined;
  };

const INT_OR_PERCENT = /^[0-9]+%$/;
export const intOrPercent: Check = (v) => {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number') return nonNegativeInt(v, undefined);
  return typeof v === 'string' && INT_OR_PERCENT.test(v)
    ? undefined
    : invalid(v, "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')");
};

export class RollingUpdateDto {
  @Rule(intOrPercent) maxSurge?: number | string;
  @Rule(intOrPercent) maxUnavailable?: number | string;
}

export class DeploymentStrategyDto {
  @Rule(oneOf(['Recreate', 'RollingUpdate'])) type?: string;
  @Rule((v, owner) =>
    v !== undefined && v !== null && owner?.type === 'Recreate'
      ? { reason: 'FieldValueForbidden', message: "Forbidden: may not be specified when strategy `type` is 'Recreate'" }
      : undefined,
  )
  @IsOptional()
  @ValidateNested()
  @Type(() => RollingUpdateDto)
  rollingUpdate?: RollingUpdateDto;
}

export class DeploymentSpecDto {
  @Rule(nonNegativeInt) replicas?: number;
  @Rule(present, nonEmptySelector('deployment')) @ValidateNested() @Type(() => LabelSelectorDto) selector?: LabelSelectorDto;
  @Rule(templateMatchesSelector) @ValidateNested() @Type(() => PodTemplateDto) template?: PodTemplateDto;
  @IsOptional() @ValidateNested() @Type(() => DeploymentStrategyDto) strategy?: DeploymentStrategyDto;
  @Rule(nonNegativeInt) minReadySeconds?: number;
  @Rule(nonNegativeInt) revisionHistoryLimit?: number;
  @Rule(positiveInt) progressDeadlineSeconds?: number;
}

export class ReplicaSetSpecDto {
  @Rule(nonNegativeInt) replicas?: number;
  @Rule(present, nonEmptySelector('replicaset')) @ValidateNested() @Type(() => LabelSelectorDto) selector?: LabelSelectorDto;
  @Rule(templateMatchesSelector) @ValidateNested() @Type(() => PodTemplateDto) template?: PodTemplateDto;
  @Rule(nonNegativeInt) minReadySeconds?: number;
}

/** A Job's selector may be absent: the server generates `controller-uid` for it. */
export class JobSpecDto {
  @Rule(nonNegativeInt) parallelism?: number;
  @Rule(nonNegativeInt) completions?: number;
  @Rule(nonNegativeInt) backoffLimit?: number;
  @Rule(positiveInt) activeDeadlineSeconds?: number;
  @Rule(nonNegativeInt) ttlSecondsAfterFinished?: number;
  @Rule(oneOf(['NonIndexed', 'Indexed'])) completionMode?: string;
  @IsOptional() @ValidateNested() @Type(() => LabelSelectorDto) selector?: LabelSelectorDto;
  @Rule(templateMatchesSelector) @ValidateNested() @Type(() => JobPodTemplateDto) template?: JobPodTemplateDto;
}

export class DeploymentDto {
  @ValidateNested() @Type(() => SubdomainMetaDto) metadata?: SubdomainMetaDto;
  @ValidateNested() @Type(() => DeploymentSpecDto) spec?: DeploymentSpecDto;
}

export class ReplicaSetDto {
  @ValidateNested() @Type(() => SubdomainMetaDto) metadata?: SubdomainMetaDto;
  @ValidateNested() @Type(() => ReplicaSetSpecDto) spec?: ReplicaSetSpecDto;
}

export class JobDto {
  @ValidateNested() @Type(() => SubdomainMetaDto) metadata?: SubdomainMetaDto;
  @ValidateNested() @Type(() => JobSpecDto) spec?: JobSpecDto;
}
