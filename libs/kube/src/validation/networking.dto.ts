import { Type } from 'class-transformer';
import { ValidateNested } from 'class-validator';
import { dns1035Label, dnsSubdomain, portName, portNumber } from './checks';
import { SubdomainMetaDto } from './meta.dto';
import { invalid, type Issue, notSupported, required, Rule } from './rule';

const absent = (v: unknown) => v === undefined || v === null;
const PATH_TYPES = ['Exact', 'Prefix', 'ImplementationSpecific'] as const;
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;
/** kube's invalidPathSequences and invalidPathSuffixes for Exact and Prefix paths. */
const BAD_SEQUENCES = ['//', '/./', '/../', '%2f', '%2F'];
const BAD_SUFFIXES = ['/..', '/.'];

/** Issues of one check, re-rooted at `sub` (a path below `spec`). */
const at = (sub: string, issue: Issue | Issue[] | undefined): Issue[] =>
  (issue === undefined ? [] : Array.isArray(issue) ? issue : [issue]).map((i) => ({ ...i, sub: sub + (i.sub ?? '') }));

/** A rule's host: a DNS subdomain, or `*.` followed by one (kube's ValidateIngressSpec). */
export function hostIssues(host: unknown, sub: string): Issue[] {
  if (absent(host) || host === '') return [];
  if (typeof host !== 'string') return [invalid(host, 'must be a string', sub)];
  if (IPV4.test(host) || host.includes(':')) return [invalid(host, 'must be a DNS name, not an IP address', sub)];
  if (host.includes('*')) {
    if (!host.startsWith('*.') || dnsSubdomain(host.slice(2), undefined) !== undefined) {
      return [
        invalid(
          host,
          "a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character (e.g. '*.example.com', regex used for validation is '\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
          sub,
        ),
      ];
    }
    return [];
  }
  return at(sub, dnsSubdomain(host, undefined));
}

/** An IngressBackend: exactly one of service and resource; a service has a name and one of port name / number. */
export function backendIssues(backend: any, sub: string): Issue[] {
  if (absent(backend) || typeof backend !== 'object') return [required(sub)];
  const hasService = !absent(backend.service);
  const hasResource = !absent(backend.resource);
  if (hasService && hasResource) return [invalid('', 'cannot set both resource and service backends', sub)];
  if (hasResource) return absent(backend.resource.kind) || absent(backend.resource.name) ? [required(`${sub}.resource`)] : [];
  if (!hasService) return [required(sub)];
  const svc = backend.service;
  const out: Issue[] = [];
  if (absent(svc.name) || svc.name === '') out.push(required(`${sub}.service.name`));
  else out.push(...at(`${sub}.service.name`, dns1035Label(svc.name, undefined)));
  const port = svc.port ?? {};
  const hasName = !absent(port.name) && port.name !== '';
  const hasNumber = !absent(port.number) && port.number !== 0;
  if (hasName && hasNumber) out.push(invalid(port, 'cannot set both port name & port number', `${sub}.service.port`));
  else if (hasName) out.push(...at(`${sub}.service.port.name`, portName(port.name, undefined)));
  else if (hasNumber) out.push(...at(`${sub}.service.port.number`, portNumber(port.number, undefined)));
  else out.push({ reason: 'FieldValueRequired', message: 'Required value: port name or number is required', sub: `${sub}.service.port` });
  return out;
}

function pathIssues(p: any, sub: string): Issue[] {
  if (absent(p) || typeof p !== 'object') return [required(sub)];
  const out: Issue[] = [];
  const path: unknown = p.path;
  if (absent(p.pathType) || p.pathType === '') out.push({ reason: 'FieldValueRequired', message: 'Required value: pathType must be specified', sub: `${sub}.pathType` });
  else if (!PATH_TYPES.includes(p.pathType)) out.push(notSupported(p.pathType, PATH_TYPES, `${sub}.pathType`));
  if (p.pathType === 'Exact' || p.pathType === 'Prefix') {
    if (typeof path !== 'string' || !path.startsWith('/')) out.push(invalid(path ?? '', 'must be an absolute path', `${sub}.path`));
    else if (BAD_SEQUENCES.some((s) => path.includes(s))) out.push(invalid(path, `must not contain '${BAD_SEQUENCES.find((s) => path.includes(s))}'`, `${sub}.path`));
    else if (BAD_SUFFIXES.some((s) => path.endsWith(s))) out.push(invalid(path, `cannot end with '${BAD_SUFFIXES.find((s) => path.endsWith(s))}'`, `${sub}.path`));
  } else if (p.pathType === 'ImplementationSpecific' && typeof path === 'string' && path !== '' && !path.startsWith('/')) {
    out.push(invalid(path, 'must be an absolute path', `${sub}.path`));
  }
  out.push(...backendIssues(p.backend, `${sub}.backend`));
  return out;
}

/** kube's ValidateIngressSpec, with paths below `spec` (`.rules[0].http.paths[0].pathType`). */
export function ingressSpecIssues(spec: any): Issue[] {
  if (absent(spec) || typeof spec !== 'object') return [];
  const out: Issue[] = [];
  const rules: unknown = spec.rules;
  const hasRules = Array.isArray(rules) && rules.length > 0;
  if (!hasRules && absent(spec.defaultBackend)) {
    out.push({ reason: 'FieldValueInvalid', message: 'Invalid value: "": either `defaultBackend` or `rules` must be specified' });
  }
  if (!absent(spec.defaultBackend)) out.push(...backendIssues(spec.defaultBackend, '.defaultBackend'));
  if (!absent(rules) && !Array.isArray(rules)) out.push(invalid(rules, 'must be a list', '.rules'));
  (Array.isArray(rules) ? rules : []).forEach((rule: any, i) => {
    const sub = `.rules[${i}]`;
    if (absent(rule) || typeof rule !== 'object') return void out.push(required(sub));
    out.push(...hostIssues(rule.host, `${sub}.host`));
    if (absent(rule.http)) return;
    const paths: unknown = rule.http.paths;
    if (!Array.isArray(paths) || paths.length === 0) return void out.push(required(`${sub}.http.paths`));
    paths.forEach((p, j) => out.push(...pathIssues(p, `${sub}.http.paths[${j}]`)));
  });
  (Array.isArray(spec.tls) ? spec.tls : []).forEach((t: any, i: number) =>
    (Array.isArray(t?.hosts) ? t.hosts : []).forEach((h: unknown, j: number) => out.push(...hostIssues(h, `.tls[${i}].hosts[${j}]`))),
  );
  if (!absent(spec.ingressClassName)) out.push(...at('.ingressClassName', dnsSubdomain(spec.ingressClassName, undefined)));
  return out;
}

/** IngressClass `spec.controller`: required, a domain-prefixed path (`logbook.io/ingress`), at most 250 characters. */
export function ingressClassControllerIssues(controller: unknown): Issue[] {
  if (absent(controller) || controller === '') return [required()];
  if (typeof controller !== 'string') return [invalid(controller, 'must be a string')];
  if (controller.length > 250) return [{ reason: 'FieldValueTooLong', message: 'Too long: must have at most 250 bytes' }];
  const slash = controller.indexOf('/');
  if (slash <= 0 || dnsSubdomain(controller.slice(0, slash), undefined) !== undefined || slash === controller.length - 1) {
    return [invalid(controller, "must be a domain-prefixed path (such as \"acme.io/foo\")")];
  }
  return [];
}

export class IngressDto {
  @ValidateNested() @Type(() => SubdomainMetaDto) metadata?: SubdomainMetaDto;
  @Rule(ingressSpecIssues) spec?: unknown;
}

export class IngressClassSpecDto {
  @Rule(ingressClassControllerIssues) controller?: string;
}

export class IngressClassDto {
  @ValidateNested() @Type(() => SubdomainMetaDto) metadata?: SubdomainMetaDto;
  @ValidateNested() @Type(() => IngressClassSpecDto) spec?: IngressClassSpecDto;
}
