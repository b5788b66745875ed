import { Type } from 'class-transformer';
import { ValidateNested } from 'class-validator';
import { quantities } from './checks';
import { SubdomainMetaDto } from './meta.dto';
import { Issue, Rule, invalid, notSupported, required } from './rule';

/**
 * ResourceQuota and LimitRange validation with kube-apiserver's field paths
 * (`spec.hard[pods]`, `spec.limits[0].max[cpu]`): quantities that parse and are not negative,
 * known quota scopes and limit types. Admission (docs/security.md) reads only valid objects.
 */
const absent = (v: unknown) => v === undefined || v === null;
const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const at = (sub: string, issue: Issue | Issue[] | undefined): Issue[] => (issue === undefined ? [] : Array.isArray(issue) ? issue : [issue]).map((i) => ({ ...i, sub: sub + (i.sub ?? '') }));

const QUOTA_SCOPES = ['BestEffort', 'CrossNamespacePodAffinity', 'NotBestEffort', 'NotTerminating', 'PriorityClass', 'Terminating'];
const LIMIT_TYPES = ['Container', 'PersistentVolumeClaim', 'Pod'];
const LIMIT_LISTS = ['max', 'min', 'default', 'defaultRequest', 'maxLimitRequestRatio'];

function quotaSpecIssues(spec: unknown): Issue[] {
  if (absent(spec)) return [];
  if (!isMap(spec)) return [invalid(spec, 'must be an object')];
  const issues = at('.hard', quantities(spec.hard, spec));
  if (!absent(spec.scopes)) {
    if (!Array.isArray(spec.scopes)) issues.push(invalid(spec.scopes, 'must be a list', '.scopes'));
    else spec.scopes.forEach((s) => QUOTA_SCOPES.includes(s) || issues.push(notSupported(s, QUOTA_SCOPES, '.scopes')));
  }
  return issues;
}

function limitRangeSpecIssues(spec: unknown): Issue[] {
  if (!isMap(spec)) return [required('.limits')];
  if (!Array.isArray(spec.limits)) return [absent(spec.limits) ? required('.limits') : invalid(spec.limits, 'must be a list', '.limits')];
  const issues: Issue[] = [];
  spec.limits.forEach((item, i) => {
    const sub = `.limits[${i}]`;
    if (!isMap(item)) return issues.push(invalid(item, 'must be an object', sub));
    if (absent(item.type) || item.type === '') issues.push(required(`${sub}.type`));
    else if (!LIMIT_TYPES.includes(item.type as string)) issues.push(notSupported(item.type, LIMIT_TYPES, `${sub}.type`));
    for (const list of LIMIT_LISTS) issues.push(...at(`${sub}.${list}`, quantities(item[list], item)));
    return undefined;
  });
  return issues;
}

export class ResourceQuotaDto {
  @ValidateNested() @Type(() => SubdomainMetaDto) metadata?: SubdomainMetaDto;
  @Rule(quotaSpecIssues) spec?: unknown;
}

export class LimitRangeDto {
  @ValidateNested() @Type(() => SubdomainMetaDto) metadata?: SubdomainMetaDto;
  @Rule(limitRangeSpecIssues) spec?: unknown;
}
