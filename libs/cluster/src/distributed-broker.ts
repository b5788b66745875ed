import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { checkoutRoot } from './distributed-paths';

export interface LocalBroker {
  readonly url: string;
  /** True when this supervisor owns the broker (started it, or adopted one it started earlier). */
  readonly owned: boolean;
  stop(): Promise<void>;
}

export interface LocalBrokerOptions {
  readonly port: number;
  /** The broker's data, config and log: `<data-dir>/kafka`, so topics live beside the log they relay. */
  readonly dataDir: string;
  readonly out: (line: string) => void;
}

const KAFKA_VERSION = '3.9.1';

/**
 * The jar Kafka broker of infra/kafka/kafka.sh on 127.0.0.1:<port>. A broker already listening
 * there is used as it is (and left running at the end) unless it is the one of this data dir.
 */
export async function ensureLocalBroker(o: LocalBrokerOptions): Promise<LocalBroker> {
  const url = `kafka://127.0.0.1:${o.port}`;
  const env = { ...process.env, KAFKA_PORT: String(o.port), KAFKA_DATA_DIR: o.dataDir };
  const script = join(checkoutRoot(), 'infra', 'kafka', 'kafka.sh');
  const run = (verb: 'up' | 'down' | 'status', quiet = false) => runScript(script, verb, env, quiet ? () => undefined : (line) => o.out(`kafka | ${line}`));
  const owned: LocalBroker = { url, owned: true, stop: async () => void (await run('down')) };

  if ((await run('status', true)) === 0) {
    o.out(`kafka | adopting the broker of ${o.dataDir} on 127.0.0.1:${o.port}`);
    return owned;
  }
  if (await portOpen(o.port)) {
    o.out(`kafka | using the broker already listening on 127.0.0.1:${o.port} (it keeps running when the cluster stops)`);
    return { url, owned: false, stop: async () => undefined };
  }
  if (!jarsCached()) o.out(`kafka | first start: downloading the Kafka ${KAFKA_VERSION} jars from Maven Central (needs Java 17+ and Maven; about a minute)`);
  const started = Date.now();
  const ticker = setInterval(() => o.out(`kafka | still starting (${Math.round((Date.now() - started) / 1000)} s)`), 10_000);
  try {
    const code = await run('up');
    if (code !== 0) throw new Error(`infra/kafka/kafka.sh up exited with ${code} (see the kafka | lines above); or pass --bus kafka://host:port to use a running broker`);
  } finally {
    clearInterval(ticker);
  }
  return owned;
}

function jarsCached(): boolean {
  const cache = process.env.LOGBOOK_CACHE_DIR ?? join(homedir(), '.cache', 'logbook');
  return existsSync(join(cache, `kafka-${KAFKA_VERSION}`, 'jars', '.complete'));
}

function runScript(script: string, verb: string, env: NodeJS.ProcessEnv, onLine: (line: string) => void): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [script, verb], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let partial = '';
    const take = (chunk: Buffer) => {
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) onLine(line);
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.on('error', reject);
    child.on('close', (code) => {
      if (partial.trim()) onLine(partial);
      resolve(code ?? 1);
    });
  });
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.setTimeout(1_000);
    socket.once('connect', () => (socket.end(), resolve(true)));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
    socket.once('error', () => resolve(false));
  });
}
