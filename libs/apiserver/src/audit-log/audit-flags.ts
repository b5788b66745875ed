import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseAuditPolicy } from './policy';
import type { RequestAuditOptions } from './request-auditor';

/** The audit flags as `logbook up` and the apiserver app take them (kube-apiserver's names). */
export interface AuditFlags {
  readonly auditPolicyFile?: string;
  readonly auditLogPath?: string;
  readonly auditLogMaxsize?: string;
  readonly auditLogMaxbackup?: string;
}

/**
 * Audit options from the flags; undefined when neither file is given. kube-apiserver silently
 * records nothing when one of the two is missing; here that is an error, since an operator who
 * asked for an audit expects one.
 */
export function auditOptionsFromFlags(flags: AuditFlags): RequestAuditOptions | undefined {
  const { auditPolicyFile: policyFile, auditLogPath: logPath } = flags;
  if (!policyFile && !logPath) return undefined;
  if (!policyFile) throw new Error('--audit-log-path needs --audit-policy-file (which requests to record, and how much)');
  if (!logPath) throw new Error('--audit-policy-file needs --audit-log-path (where to write the events; - for standard output)');
  const count = (value: string | undefined, flag: string): number => {
    const n = Number(value ?? 0);
    if (!Number.isInteger(n) || n < 0) throw new Error(`${flag} must be a whole number ≥ 0, not "${value}"`);
    return n;
  };
  // Checked here, before anything starts: a wrong policy stops the command at once.
  let text: string;
  try {
    text = readFileSync(policyFile, 'utf8');
  } catch (err) {
    throw new Error(`cannot read --audit-policy-file ${policyFile}: ${(err as Error).message}`, { cause: err });
  }
  parseAuditPolicy(text);
  return {
    policyFile: resolve(policyFile),
    logPath: logPath === '-' ? '-' : resolve(logPath),
    maxSizeMB: count(flags.auditLogMaxsize, '--audit-log-maxsize'),
    maxBackups: count(flags.auditLogMaxbackup, '--audit-log-maxbackup'),
  };
}
