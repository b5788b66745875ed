import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';

/** What infra/scripts/artefacts.int-spec.ts checks the deployment artefacts against. */
export const ROOT = resolve(__dirname, '..', '..');

export const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8');

/** Health and metrics ports fixed for every component (the session's conventions, docs/configuration.md). */
export const HEALTH_PORTS: Readonly<Record<string, number>> = {
  apiserver: 6443,
  'node-agent': 10255,
  proxy: 10256,
  'controller-manager': 10257,
  relay: 10258,
  scheduler: 10259,
};

const API_CLIENT_ENV = ['LOGBOOK_BUS', 'LOGBOOK_API', 'LOGBOOK_CA_FILE'];

/** What each component cannot run without; the API clients also need a token (LOGBOOK_TOKEN or LOGBOOK_TOKEN_FILE). */
export const REQUIRED_ENV: Readonly<Record<string, readonly string[]>> = {
  apiserver: ['LOGBOOK_STORE'],
  relay: ['LOGBOOK_STORE', 'LOGBOOK_BUS'],
  scheduler: API_CLIENT_ENV,
  'controller-manager': API_CLIENT_ENV,
  'node-agent': [...API_CLIENT_ENV, 'LOGBOOK_NODE_NAME'],
  proxy: [...API_CLIENT_ENV, 'LOGBOOK_NODE_NAME'],
};
export const NEEDS_TOKEN = new Set(['scheduler', 'controller-manager', 'node-agent', 'proxy']);

export type Env = Record<string, string>;

/** The apps there are: apps/<name>/src/main.ts. */
export function appsOnDisk(): string[] {
  return readdirSync(join(ROOT, 'apps')).filter((name) => existsSync(join(ROOT, 'apps', name, 'src', 'main.ts')));
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') && !/\.(spec|int-spec|e2e-spec|test-kit)\.ts$/.test(path) ? [path] : [];
  });
}

const ENV_NAME = /\b(LOGBOOK_[A-Z0-9_]+|LOG_LEVEL)\b/g;

/**
 * The variables an app reads: every LOGBOOK_* and LOG_LEVEL its own source names, in code or in
 * the list its main.ts documents. Read at test time, so the check follows the apps as they change.
 */
export function envNamesOfApp(app: string): Set<string> {
  const names = new Set<string>();
  for (const file of sourceFiles(join(ROOT, 'apps', app, 'src'))) for (const m of readFileSync(file, 'utf8').matchAll(ENV_NAME)) names.add(m[1]);
  return names;
}

/** The variables the image's entry point reads itself (LOGBOOK_TOKEN_FILE). */
export function envNamesOfEntrypoint(): Set<string> {
  return new Set([...read('infra/docker/entrypoint.sh').matchAll(/\$\{?(LOGBOOK_[A-Z0-9_]+)/g)].map((m) => m[1]));
}

/** The components the entry point offers: the names of its `a|b|c)` case that runs dist/apps. */
export function entrypointComponents(): string[] {
  const text = read('infra/docker/entrypoint.sh');
  const match = /^\s*([a-z|-]+)\)\s*\n\s*exec node "\$root\/dist\/apps\/\$component\/src\/main\.js"/m.exec(text);
  return match ? match[1].split('|') : [];
}

/**
 * Variables that are set but that no reader takes: a name is read when the component's app
 * names it, when the entry point reads it, or when Kubernetes expands it (`$(NAME)`) into the
 * container's arguments or other variables.
 */
export function unreadVariables(component: string, names: Iterable<string>, expanded: ReadonlySet<string> = new Set()): string[] {
  const read = new Set([...envNamesOfApp(component), ...envNamesOfEntrypoint(), ...expanded]);
  return [...names].filter((name) => !read.has(name));
}

/** Required variables a component's environment lacks. */
export function missingVariables(component: string, env: Env): string[] {
  const missing = (REQUIRED_ENV[component] ?? []).filter((name) => !env[name]);
  if (NEEDS_TOKEN.has(component) && !env.LOGBOOK_TOKEN && !env.LOGBOOK_TOKEN_FILE) missing.push('LOGBOOK_TOKEN or LOGBOOK_TOKEN_FILE');
  return missing;
}

/** The compose file as Compose reads it: YAML merge keys (`<<: *anchor`) applied. */
export function loadCompose(text = read('infra/compose/compose.yaml')): any {
  return parse(text, { merge: true });
}

/** A compose service's environment as a map, whichever of the two forms it is written in. */
export function composeEnv(service: any): Env {
  const env = service.environment ?? {};
  if (Array.isArray(env)) return Object.fromEntries(env.map((line: string) => [line.split('=')[0], line.slice(line.indexOf('=') + 1)]));
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v ?? '')]));
}

export interface K8sObject {
  readonly file: string;
  readonly obj: any;
}

/** Kubernetes reads manifests as YAML 1.1 (sigs.k8s.io/yaml), where `0440` is octal. */
export function parseManifests(text: string): any[] {
  return parseAllDocuments(text, { version: '1.1' })
    .map((doc) => {
      if (doc.errors.length > 0) throw new Error(doc.errors.map((e) => e.message).join('; '));
      return doc.toJS();
    })
    .filter((obj) => obj !== null);
}

/** Every object of every manifest under `dir` (kustomization.yaml aside). */
export function k8sObjects(dir = 'infra/k8s'): K8sObject[] {
  return yamlFilesUnder(dir)
    .filter((file) => !file.endsWith('kustomization.yaml'))
    .flatMap((file) => parseManifests(read(file)).map((obj) => ({ file, obj })));
}

export function yamlFilesUnder(dir: string): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((name) => {
    const path = `${dir}/${name}`;
    if (statSync(join(ROOT, path)).isDirectory()) return yamlFilesUnder(path);
    return /\.ya?ml$/.test(name) ? [path] : [];
  });
}

/** The pod template of a workload, or undefined for objects that have none. */
export function podSpecOf(obj: any): any {
  return ['Deployment', 'StatefulSet', 'DaemonSet'].includes(obj.kind) ? obj.spec.template.spec : undefined;
}

/** A container's environment: its `env` values, with every key of the ConfigMaps it takes whole. */
export function containerEnv(container: any, objects: readonly K8sObject[]): Env {
  const env: Env = {};
  for (const from of container.envFrom ?? []) {
    const configMap = objects.find(({ obj }) => obj.kind === 'ConfigMap' && obj.metadata.name === from.configMapRef?.name);
    Object.assign(env, configMap?.obj.data ?? {});
  }
  for (const variable of container.env ?? []) env[variable.name] = variable.value ?? `<${Object.keys(variable.valueFrom ?? {})[0]}>`;
  return env;
}

/** `$(NAME)` references in a container's args and env values: Kubernetes expands them. */
export function expandedVariables(container: any): Set<string> {
  const texts = [...(container.args ?? []), ...(container.command ?? []), ...(container.env ?? []).map((v: any) => v.value ?? '')];
  return new Set(texts.flatMap((text: string) => [...String(text).matchAll(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g)].map((m) => m[1])));
}

/**
 * Services whose selector picks no pod template of the same namespace, and target ports that
 * no selected container declares (by name or number).
 */
export function serviceProblems(objects: readonly K8sObject[]): string[] {
  const problems: string[] = [];
  const workloads = objects.filter(({ obj }) => podSpecOf(obj));
  for (const { obj: service } of objects.filter(({ obj }) => obj.kind === 'Service')) {
    const selector: Env = service.spec.selector ?? {};
    const selected = workloads.filter(({ obj }) => obj.metadata.namespace === service.metadata.namespace && Object.entries(selector).every(([k, v]) => obj.spec.template.metadata.labels?.[k] === v));
    if (selected.length === 0) problems.push(`Service ${service.metadata.name}: its selector matches no pod template`);
    const ports = selected.flatMap(({ obj }) => podSpecOf(obj).containers.flatMap((c: any) => c.ports ?? []));
    for (const port of service.spec.ports ?? []) {
      const target = port.targetPort ?? port.port;
      if (!ports.some((p: any) => p.name === target || p.containerPort === target)) problems.push(`Service ${service.metadata.name}: targetPort ${target} is no container port of the pods it selects`);
    }
  }
  return problems;
}

/** Workloads whose selector does not match their own pod template's labels. */
export function selectorProblems(objects: readonly K8sObject[]): string[] {
  return objects
    .filter(({ obj }) => podSpecOf(obj))
    .filter(({ obj }) => !Object.entries(obj.spec.selector?.matchLabels ?? {}).every(([k, v]) => obj.spec.template.metadata.labels?.[k] === v))
    .map(({ obj }) => `${obj.kind} ${obj.metadata.name}: selector does not match its pod labels`);
}
