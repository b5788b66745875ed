import { Type } from 'class-transformer';
import { IsOptional, ValidateNested } from 'class-validator';
import { oneOf } from './checks';
import { SubdomainMetaDto } from './meta.dto';
import { Check, invalid, Issue, Rule } from './rule';
import { LabelSelectorDto } from './workloads.dto';

const absent = (v: unknown) => v === undefined || v === null;

/**
 * kube's ValidatePositiveIntOrPercent plus IsNotMoreThan100Percent, as PodDisruptionBudget
 * validation applies them to minAvailable and maxUnavailable.
 */
const budgetIntOrPercent: Check = (v): Issue | undefined => {
  if (absent(v)) return undefined;
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) return invalid(v, "must be an integer or percentage (e.g '5%')");
    return v < 0 ? invalid(v, 'must be greater than or equal to 0') : undefined;
  }
  if (typeof v !== 'string') return invalid(v, "must be an integer or percentage (e.g '5%')");
  const m = /^([0-9]+)%$/.exec(v);
  if (!m) return invalid(v, "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')");
  return Number(m[1]) > 100 ? invalid(v, 'must not be greater than 100%') : undefined;
};

/**
 * Exactly one of minAvailable and maxUnavailable. Kubernetes refuses both (on `spec`); it
 * accepts neither, leaving a budget that blocks every eviction, which is never what was meant,
 * so Logbook refuses that too (as `kubectl create pdb` does client-side).
 */
const exactlyOneBound: Check = (spec): Issue | undefined => {
  if (absent(spec) || typeof spec !== 'object') return undefined;
  const hasMin = !absent(spec.minAvailable);
  const hasMax = !absent(spec.maxUnavailable);
  if (hasMin && hasMax) return invalid({ ...spec }, 'minAvailable and maxUnavailable cannot be both set');
  if (!hasMin && !hasMax) return { reason: 'FieldValueRequired', message: 'Required value: one of minAvailable or maxUnavailable must be set', sub: '.minAvailable' };
  return undefined;
};

export class PodDisruptionBudgetSpecDto {
  @Rule(budgetIntOrPercent) minAvailable?: number | string;
  @Rule(budgetIntOrPercent) maxUnavailable?: number | string;
  // A missing selector is allowed, as in Kubernetes: it selects no pods.
  @IsOptional() @ValidateNested() @Type(() => LabelSelectorDto) selector?: LabelSelectorDto;
  @Rule(oneOf(['IfHealthyBudget', 'AlwaysAllow'])) unhealthyPodEvictionPolicy?: string;
}

export class PodDisruptionBudgetDto {
  @ValidateNested() @Type(() => SubdomainMetaDto) metadata?: SubdomainMetaDto;
  @Rule(exactlyOneBound) @ValidateNested() @Type(() => PodDisruptionBudgetSpecDto) spec?: PodDisruptionBudgetSpecDto;
}
