/** Where the EventStoreDB adapter connects, and under which stream prefix it keeps one log. */
export interface EsdbLocation {
  /** A connection string for `@eventstore/db-client` (`esdb://` or `esdb+discover://`). */
  readonly connectionString: string;
  /** Every stream of this log starts with it; several logs can share one database. */
  readonly prefix: string;
}

export const DEFAULT_STREAM_PREFIX = 'logbook';

const SCHEMES: Record<string, string> = {
  esdb: 'esdb',
  'esdb+discover': 'esdb+discover',
  // KurrentDB is EventStoreDB renamed (v25+); the v6 client speaks to it unchanged.
  kurrentdb: 'esdb',
  'kurrentdb+discover': 'esdb+discover',
  kurrent: 'esdb',
  'kurrent+discover': 'esdb+discover',
};

/**
 * Parses `esdb://host:2113?tls=false` (also `esdb+discover://`, `kurrentdb://`,
 * `kurrentdb+discover://`). Logbook's own query parameter `prefix=<name>` (default `logbook`)
 * is taken out; every other parameter is the client's (tls, nodePreference, credentials in
 * `user:password@`, …) and is passed through.
 */
export function parseEsdbUrl(url: string): EsdbLocation {
  const match = /^([a-z][a-z0-9+.-]*):\/\/(.*)$/i.exec(url.trim());
  const scheme = match ? SCHEMES[match[1].toLowerCase()] : undefined;
  if (!match || !scheme) {
    throw new Error(`event store URL ${url}: expected esdb://host:2113?tls=false (or esdb+discover://, kurrentdb://)`);
  }
  const [authority, query = ''] = splitOnce(match[2], '?');
  if (!authority.replace(/^[^@]*@/, '')) throw new Error(`event store URL ${url}: no host, e.g. esdb://localhost:2113?tls=false`);
  let prefix = DEFAULT_STREAM_PREFIX;
  const passed: string[] = [];
  for (const pair of query.split('&').filter(Boolean)) {
    const [key, value = ''] = splitOnce(pair, '=');
    if (key.toLowerCase() === 'prefix') prefix = decodeURIComponent(value);
    else passed.push(pair);
  }
  assertValidPrefix(url, prefix);
  const connectionString = `${scheme}://${authority}${passed.length > 0 ? `?${passed.join('&')}` : ''}`;
  return { connectionString, prefix };
}

/**
 * A prefix names a group of streams: no `$` first (system streams), no `/` (the log's
 * streams are `<prefix>/<Kind>/…`, so `a` would otherwise also select `a/b`'s log).
 */
export function assertValidPrefix(url: string, prefix: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(prefix)) {
    throw new Error(`event store URL ${url}: prefix "${prefix}" must be letters, digits, '.', '_' or '-', starting with a letter or digit`);
  }
}

function splitOnce(text: string, separator: string): [string, string?] {
  const at = text.indexOf(separator);
  return at < 0 ? [text] : [text.slice(0, at), text.slice(at + 1)];
}
