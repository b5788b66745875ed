import { Type } from 'class-transformer';
import { ValidateNested } from 'class-validator';
import { SubdomainMetaDto } from './meta.dto';
import { type Check, type Issue, invalid, notSupported, required, Rule } from './rule';

/**
 * autoscaling/v2 HorizontalPodAutoscaler, checked after defaulting with kube-apiserver's wording
 * (pkg/apis/autoscaling/validation). The spec is one rule rather than nested DTOs: the checks
 * cross fields (maxReplicas against minReplicas, a metric's source against its type) and the
 * metric sources Logbook cannot serve are refused with one message.
 */
const RESOURCE_NAMES = ['cpu', 'memory'];
const UNSUPPORTED_SOURCES = ['Pods', 'Object', 'External', 'ContainerResource'];
const QUANTITY = /^[+-]?(\d+(\.\d*)?|\.\d+)(([KMGTPE]i)|[numkMGTPE]|[eE][+-]?\d+)?$/;
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);

const scaleTargetRef = (ref: any): Issue[] => {
  if (!ref || typeof ref !== 'object') return [required('.scaleTargetRef')];
  const issues: Issue[] = [];
  if (!ref.kind) issues.push(required('.scaleTargetRef.kind'));
  if (!ref.name) issues.push(required('.scaleTargetRef.name'));
  return issues;
};

const replicas = (spec: any): Issue[] => {
  const issues: Issue[] = [];
  const { minReplicas: min, maxReplicas: max } = spec;
  if (min !== undefined && (!isInt(min) || min < 1)) issues.push(invalid(min, 'must be greater than or equal to 1', '.minReplicas'));
  if (max === undefined || max === null) issues.push(required('.maxReplicas'));
  else if (!isInt(max) || max < 1) issues.push(invalid(max, 'must be greater than 0', '.maxReplicas'));
  else if (isInt(min) && max < min) issues.push(invalid(max, 'must be greater than or equal to `minReplicas`', '.maxReplicas'));
  return issues;
};

const metric = (m: any, i: number): Issue[] => {
  const at = `.metrics[${i}]`;
  if (!m || typeof m !== 'object') return [invalid(m, 'must be an object', at)];
  if (!m.type) return [required(`${at}.type`)];
  if (UNSUPPORTED_SOURCES.includes(m.type)) {
    return [notSupportedHere(m.type, `${at}.type`)];
  }
  if (m.type !== 'Resource') return [notSupported(m.type, ['Resource'], `${at}.type`)];
  const r = m.resource;
  if (!r || typeof r !== 'object') return [required(`${at}.resource`)];
  const issues: Issue[] = [];
  if (!r.name) issues.push(required(`${at}.resource.name`));
  else if (!RESOURCE_NAMES.includes(r.name)) issues.push(notSupported(r.name, RESOURCE_NAMES, `${at}.resource.name`));
  const t = r.target;
  if (!t || typeof t !== 'object') return [...issues, required(`${at}.resource.target`)];
  if (t.type === 'Utilization') {
    if (t.averageUtilization === undefined) issues.push(required(`${at}.resource.target.averageUtilization`));
    else if (!isInt(t.averageUtilization) || t.averageUtilization <= 0) issues.push(invalid(t.averageUtilization, 'must be greater than 0', `${at}.resource.target.averageUtilization`));
  } else if (t.type === 'AverageValue') {
    if (t.averageValue === undefined) issues.push(required(`${at}.resource.target.averageValue`));
    else if (typeof t.averageValue !== 'string' || !QUANTITY.test(t.averageValue)) issues.push(invalid(t.averageValue, 'must be a quantity such as 100m or 128Mi', `${at}.resource.target.averageValue`));
  } else if (!t.type) issues.push(required(`${at}.resource.target.type`));
  else issues.push(notSupported(t.type, ['Utilization', 'AverageValue'], `${at}.resource.target.type`));
  return issues;
};

function notSupportedHere(type: string, sub: string): Issue {
  return { reason: 'FieldValueNotSupported', message: `Unsupported value: "${type}": only Resource metrics (cpu, memory) are supported here`, sub };
}

const rules = (r: any, which: string): Issue[] => {
  if (r === undefined || r === null) return [];
  const at = `.behavior.${which}`;
  const issues: Issue[] = [];
  const w = r.stabilizationWindowSeconds;
  if (w !== undefined && (!isInt(w) || w < 0 || w > 3600)) issues.push(invalid(w, 'must be between 0 and 3600', `${at}.stabilizationWindowSeconds`));
  if (r.selectPolicy !== undefined && !['Max', 'Min', 'Disabled'].includes(r.selectPolicy)) issues.push(notSupported(r.selectPolicy, ['Max', 'Min', 'Disabled'], `${at}.selectPolicy`));
  (Array.isArray(r.policies) ? r.policies : []).forEach((p: any, i: number) => {
    const pat = `${at}.policies[${i}]`;
    if (!['Pods', 'Percent'].includes(p?.type)) issues.push(notSupported(p?.type, ['Pods', 'Percent'], `${pat}.type`));
    if (!isInt(p?.value) || p.value <= 0) issues.push(invalid(p?.value, 'must be greater than zero', `${pat}.value`));
    if (!isInt(p?.periodSeconds) || p.periodSeconds <= 0 || p.periodSeconds > 1800) issues.push(invalid(p?.periodSeconds, 'must be greater than zero and less than or equal to 1800', `${pat}.periodSeconds`));
  });
  return issues;
};

const hpaSpec: Check = (spec) => {
  if (!spec || typeof spec !== 'object') return required();
  const metrics: unknown[] = Array.isArray(spec.metrics) ? spec.metrics : [];
  return [
    ...scaleTargetRef(spec.scaleTargetRef),
    ...replicas(spec),
    ...metrics.flatMap(metric),
    ...rules(spec.behavior?.scaleUp, 'scaleUp'),
    ...rules(spec.behavior?.scaleDown, 'scaleDown'),
  ];
};

export class HorizontalPodAutoscalerDto {
  @ValidateNested() @Type(() => SubdomainMetaDto) metadata?: SubdomainMetaDto;
  @Rule(hpaSpec) spec?: unknown;
}
