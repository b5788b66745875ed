/**
 * How one Logbook log is laid out in EventStoreDB. Everything starts with the prefix, so
 * several logs (tests, clusters) can share a database, and only the object streams start
 * with `<prefix>/`, so a `$all` subscription filtered on that one prefix sees exactly the log.
 */
export class StreamNames {
  readonly logPrefix: string;

  constructor(readonly prefix: string) {
    this.logPrefix = `${prefix}/`;
  }

  /** `Pod/default/web-1` → `logbook/Pod/default/web-1`. */
  object(stream: string): string {
    return this.logPrefix + stream;
  }

  /** The log's stream name of an EventStoreDB stream, or undefined when it is not one of the log's. */
  fromObject(esdbStream: string): string | undefined {
    return esdbStream.startsWith(this.logPrefix) ? esdbStream.slice(this.logPrefix.length) : undefined;
  }

  /** One small marker event per saved snapshot: its position and where its chunks are. */
  snapshots(): string {
    return `${this.prefix}-snapshots`;
  }

  /** The chunks of one snapshot; the suffix keeps two replicas saving the same position apart. */
  snapshotChunks(position: number, suffix: string): string {
    return `${this.prefix}-snapshot-${position}-${suffix}`;
  }

  /** One stream per checkpoint, `$maxCount` 1: only the newest value is kept. */
  checkpoint(name: string): string {
    return `${this.prefix}-checkpoint-${name}`;
  }
}
