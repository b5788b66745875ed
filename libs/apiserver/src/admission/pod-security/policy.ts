import { type CheckResult, type Level, type PodMeta, checksFor } from './checks';

export const LABEL_PREFIX = 'pod-security.kubernetes.io/';
export type Mode = 'enforce' | 'audit' | 'warn';

/** A level at a policy version: `minor` is 1.x's x, or undefined for `latest`. */
export interface LevelVersion {
  readonly level: Level;
  readonly minor?: number;
}

export interface NamespacePolicy {
  readonly enforce: LevelVersion;
  readonly audit: LevelVersion;
  readonly warn: LevelVersion;
  /** Label values that did not parse (`pod-security.kubernetes.io/enforce: must be one of …`). */
  readonly errors: readonly string[];
}

const LATEST_MINOR = 1000;
const LEVELS: readonly Level[] = ['privileged', 'baseline', 'restricted'];

export const levelVersionString = (lv: LevelVersion): string => `${lv.level}:${lv.minor === undefined ? 'latest' : `v1.${lv.minor}`}`;

function parseLevel(value: string): Level | undefined {
  return (LEVELS as readonly string[]).includes(value) ? (value as Level) : undefined;
}

/** `latest` or `v1.x`; anything else is an error and evaluates as latest, as in kube. */
function parseVersion(value: string): { minor?: number; ok: boolean } {
  if (value === 'latest') return { ok: true };
  const m = /^v1\.(0|[1-9][0-9]*)$/.exec(value);
  return m ? { minor: Number(m[1]), ok: true } : { ok: false };
}

/**
 * The namespace labels resolved to the policy to evaluate (kube's PolicyToEvaluate): unset modes
 * are privileged:latest; a bad enforce level enforces restricted (fail closed) while a bad audit or
 * warn level is privileged (fail open); warn follows an explicitly stricter enforce level.
 */
export function policyOf(labels: Record<string, string> | undefined): NamespacePolicy {
  const errors: string[] = [];
  const read = (mode: Mode, failClosed: boolean): LevelVersion & { hasLevel: boolean; hasVersion: boolean } => {
    const levelValue = labels?.[LABEL_PREFIX + mode];
    const versionValue = labels?.[LABEL_PREFIX + mode + '-version'];
    let level: Level = 'privileged';
    let hasLevel = false;
    if (levelValue !== undefined) {
      const parsed = parseLevel(levelValue);
      if (parsed) {
        level = parsed;
        hasLevel = true;
      } else {
        errors.push(`metadata.labels[${LABEL_PREFIX}${mode}]: Invalid value: "${levelValue}": must be one of privileged, baseline, restricted`);
        level = failClosed ? 'restricted' : 'privileged';
      }
    }
    let minor: number | undefined;
    if (versionValue !== undefined) {
      const parsed = parseVersion(versionValue);
      if (!parsed.ok) errors.push(`metadata.labels[${LABEL_PREFIX}${mode}-version]: Invalid value: "${versionValue}": must be "latest" or "v1.x"`);
      minor = parsed.minor;
    }
    return { level, minor, hasLevel, hasVersion: versionValue !== undefined };
  };
  const enforce = read('enforce', true);
  const audit = read('audit', false);
  let warn = read('warn', false);
  if (!warn.hasLevel && enforce.hasLevel && rank(enforce.level) > rank(warn.level)) {
    warn = { ...warn, level: enforce.level, minor: warn.hasVersion ? warn.minor : enforce.minor };
  }
  const strip = (lv: LevelVersion): LevelVersion => ({ level: lv.level, ...(lv.minor !== undefined ? { minor: lv.minor } : {}) });
  return { enforce: strip(enforce), audit: strip(audit), warn: strip(warn), errors };
}

const rank = (level: Level): number => LEVELS.indexOf(level);

export const fullyPrivileged = (p: NamespacePolicy): boolean => p.enforce.level === 'privileged' && p.audit.level === 'privileged' && p.warn.level === 'privileged';

/** The failed checks of a pod (or pod template) at a level and version; empty when it passes. */
export function evaluate(lv: LevelVersion, meta: PodMeta, spec: unknown): CheckResult[] {
  if (lv.level === 'privileged') return [];
  const checks = checksFor(lv.minor ?? LATEST_MINOR);
  const overridden = new Set(lv.level === 'restricted' ? checks.filter((c) => c.level === 'restricted').flatMap((c) => c.overrides ?? []) : []);
  const results: CheckResult[] = [];
  for (const c of checks) {
    if (c.level === 'restricted' && lv.level !== 'restricted') continue;
    if (overridden.has(c.id)) continue;
    const result = c.check(meta, spec);
    if (result) results.push(result);
  }
  return results;
}

/** `privileged (container "c" must not …), hostPort (…)`: kube's ForbiddenDetail. */
export const describe = (results: readonly CheckResult[]): string => results.map((r) => (r.detail ? `${r.reason} (${r.detail})` : r.reason)).join(', ');

/** `privileged, hostPort`: kube's ForbiddenReason, used for the existing pods' warnings. */
export const reasons = (results: readonly CheckResult[]): string => results.map((r) => r.reason).join(', ');
