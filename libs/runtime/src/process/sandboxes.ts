import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PodSandbox, PodSandboxSpec, RuntimeError } from '../container-runtime.port';
import { AddressRange, intToIp, nextFreeAddress, parseCidr } from './address-pool';
import { StateFiles } from './state-files';

export interface SandboxRecord extends PodSandbox {
  readonly namespace: string;
  readonly name: string;
}

/** Pod sandboxes: an IP from the range and a log directory, persisted so a restarted agent finds them. */
export class Sandboxes {
  private readonly files: StateFiles<SandboxRecord>;
  private readonly byUid = new Map<string, SandboxRecord>();
  private readonly range: AddressRange;
  private lastIp?: string;

  constructor(
    private readonly stateDir: string,
    addressRange: string,
  ) {
    this.range = parseCidr(addressRange);
    // Allocation starts at a random point of the range: two clusters on one machine (each with its
    // own runtime) then rarely hand out the same pod IP, where their pods would fight for ports.
    this.lastIp = intToIp(this.range.first + Math.floor(Math.random() * (this.range.last - this.range.first + 1)));
    this.files = new StateFiles(join(stateDir, 'sandboxes'));
    for (const r of this.files.readAll()) this.byUid.set(r.uid, r);
  }

  get(uid: string): SandboxRecord | undefined {
    return this.byUid.get(uid);
  }

  list(): SandboxRecord[] {
    return [...this.byUid.values()];
  }

  create(spec: PodSandboxSpec): SandboxRecord {
    const existing = this.byUid.get(spec.uid);
    if (existing) return existing;
    const used = new Set([...this.byUid.values()].map((s) => s.ip));
    const ip = nextFreeAddress(this.range, used, this.lastIp);
    if (ip === undefined) throw new RuntimeError('NoAddress', `no free pod address left in the runtime's range (${used.size} in use)`);
    const logDir = join(this.stateDir, 'pods', `${spec.namespace}_${spec.name}_${spec.uid}`);
    mkdirSync(logDir, { recursive: true });
    const record: SandboxRecord = { uid: spec.uid, namespace: spec.namespace, name: spec.name, ip, logDir, terminationGracePeriodSeconds: spec.terminationGracePeriodSeconds };
    this.files.write(spec.uid, record);
    this.byUid.set(spec.uid, record);
    this.lastIp = ip;
    return record;
  }

  /** Frees the IP; the log directory stays (kubectl logs of a deleted pod is the agent's call). */
  remove(uid: string): void {
    this.files.remove(uid);
    this.byUid.delete(uid);
  }
}
