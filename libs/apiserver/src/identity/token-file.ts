import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';

/** An authenticated caller, as kube's user.Info: name, uid, groups and extra attributes. */
export interface User {
  readonly name: string;
  readonly uid: string;
  readonly groups: readonly string[];
  /** Impersonate-Extra-* values; service-account tokens' pod and credential ids. */
  readonly extra?: Readonly<Record<string, readonly string[]>>;
}

/**
 * kube-apiserver's static token file: `token,user,uid,"group1,group2"`, one line per token.
 * Blank lines and `#` comments are ignored.
 */
export function parseTokenFile(text: string): Map<string, User> {
  const users = new Map<string, User>();
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const fields = splitCsvLine(line);
    if (fields.length < 3 || !fields[0] || !fields[1]) {
      throw new Error(`tokens file line ${i + 1}: expected token,user,uid[,"groups"]`);
    }
    const groups = fields[3] ? fields[3].split(',').map((g) => g.trim()).filter(Boolean) : [];
    users.set(fields[0], { name: fields[1], uid: fields[2], groups });
  }
  return users;
}

function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (const ch of line) {
    if (ch === '"') quoted = !quoted;
    else if (ch === ',' && !quoted) {
      out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  out.push(cur.trim());
  return out;
}

/**
 * Makes sure the token file exists and holds an admin token; lines an operator added are kept.
 * Returns the admin token (the first token of user `admin`).
 */
export function ensureTokenFile(path: string): string {
  const text = existsSync(path) ? readFileSync(path, 'utf8') : '';
  for (const [token, user] of parseTokenFile(text)) if (user.name === 'admin') return token;
  const token = randomBytes(24).toString('hex');
  const line = `${token},admin,admin,"system:masters"\n`;
  const prefix = text && !text.endsWith('\n') ? '\n' : '';
  writeFileSync(path, text + prefix + line, { mode: 0o600 });
  return token;
}

/** kube-apiserver's `--token-auth-file`; read again when it changes, so added lines work without a restart. */
export class StaticTokenFile {
  private users = new Map<string, User>();
  private loadedMtime = -1;

  constructor(private readonly path: string) {
    this.reload();
  }

  authenticateToken(token: string): User | undefined {
    this.reload();
    return this.users.get(token);
  }

  private reload(): void {
    try {
      const { mtimeMs } = statSync(this.path);
      if (mtimeMs === this.loadedMtime) return;
      this.users = parseTokenFile(readFileSync(this.path, 'utf8'));
      this.loadedMtime = mtimeMs;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      this.users = new Map();
    }
  }
}
