import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request } from 'node:https';
import { join, resolve } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { parse } from 'yaml';
import type { PidsDocument } from '@logbook/cluster';
import { eventually, parsePrometheusText, type PrometheusText } from '@logbook/testing';
import { testBrokers } from '../../../libs/bus/src/testing/kafka-for-tests';

const ROOT = resolve(__dirname, '..', '..', '..');

/** `logbook up --distributed` as a real OS process (the built CLI), on the shared test broker. */
export interface DistributedProcess {
  readonly url: string;
  readonly dataDir: string;
  readonly kubeconfig: string;
  readonly adminToken: string;
  readonly proc: ChildProcess;
  output(): string;
  pids(): PidsDocument;
  /** JSON over HTTPS as the admin. */
  api(method: string, path: string, body?: unknown, contentType?: string): Promise<{ status: number; body: any }>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export async function startDistributed(dataDir: string, topicPrefix: string, extraArgs: string[] = []): Promise<DistributedProcess> {
  if (!existsSync(join(ROOT, 'dist', 'apps', 'cli', 'src', 'main.js'))) throw new Error('dist/ is missing: run "npm run build" before the end-to-end tests');
  const args = ['up', '--distributed', '--data-dir', dataDir, '--port', '0', '--bus', `kafka://${testBrokers().join(',')}`, '--topic-prefix', topicPrefix, ...extraArgs];
  const proc = spawn(process.execPath, [join(ROOT, 'bin', 'logbook.js'), ...args], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn', NODE_OPTIONS: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((r) => proc.on('exit', (code) => r(code)));
  const url = await eventually(
    () => {
      if (proc.exitCode !== null) throw new Error(`logbook up --distributed exited with ${proc.exitCode}:\n${out}`);
      return /Logbook is up at (\S+)/.exec(out)?.[1];
    },
    // Nine Node processes start on a shared 2-core machine.
    { timeoutMs: 240_000, intervalMs: 250, what: 'logbook up --distributed to print its URL' },
  ).catch((err: Error) => {
    proc.kill('SIGTERM');
    throw err;
  });
  const kubeconfig = join(dataDir, 'kubeconfig');
  const adminToken = parse(readFileSync(kubeconfig, 'utf8')).users[0].user.token as string;
  const api = (method: string, path: string, body?: unknown, contentType = 'application/json') =>
    new Promise<{ status: number; body: any }>((ok, fail) => {
      const req = request(new URL(path, url), { method, rejectUnauthorized: false, headers: { Authorization: `Bearer ${adminToken}`, 'Content-Type': contentType } }, (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => ok({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined }));
      });
      req.on('error', fail);
      req.end(body === undefined ? undefined : JSON.stringify(body));
    });
  return {
    url,
    dataDir,
    kubeconfig,
    adminToken,
    proc,
    output: () => out,
    pids: () => JSON.parse(readFileSync(join(dataDir, 'distributed', 'pids.json'), 'utf8')) as PidsDocument,
    api,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      return exited;
    },
  };
}

/**
 * One component's /metrics, at the URL pids.json records for it (the API server's with a bearer
 * token), parsed by the strict text-format parser: a malformed exposition throws.
 */
export function scrapeMetrics(url: string, token?: string): Promise<PrometheusText> {
  const send = url.startsWith('https:') ? request : httpRequest;
  return new Promise((ok, fail) => {
    const headers: Record<string, string> = token ? { Authorization: `Bearer ${token}` } : {};
    const req = send(url, { headers, rejectUnauthorized: false }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => {
        if (res.statusCode !== 200) return fail(new Error(`${url}: ${res.statusCode} ${text}`));
        if (!/^text\/plain; version=0\.0\.4/.test(String(res.headers['content-type']))) return fail(new Error(`${url}: content type ${res.headers['content-type']}`));
        try {
          ok(parsePrometheusText(text));
        } catch (err) {
          fail(new Error(`${url}: ${(err as Error).message}`));
        }
      });
    });
    req.on('error', fail);
    req.end();
  });
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export interface GroupLag {
  readonly groupId: string;
  readonly state: string;
  /** Messages not yet committed by the group, over every partition it has committed on. */
  readonly lag: number;
}

/** Every consumer group whose id starts with `prefix`: its state and its lag (end offset − committed). */
export async function consumerLag(prefix: string): Promise<GroupLag[]> {
  const admin = new Kafka({ brokers: testBrokers(), clientId: 'distributed-e2e', logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const ids = (await admin.listGroups()).groups.map((g) => g.groupId).filter((id) => id.startsWith(prefix));
    const states = new Map((await admin.describeGroups(ids)).groups.map((g) => [g.groupId, g.state]));
    const ends = new Map<string, Map<number, number>>();
    const endOf = async (topic: string) => {
      if (!ends.has(topic)) ends.set(topic, new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, Number(p.high)])));
      return ends.get(topic)!;
    };
    const result: GroupLag[] = [];
    for (const groupId of ids) {
      let lag = 0;
      for (const { topic, partitions } of await admin.fetchOffsets({ groupId })) {
        const end = await endOf(topic);
        for (const p of partitions) if (Number(p.offset) >= 0) lag += (end.get(p.partition) ?? 0) - Number(p.offset);
      }
      result.push({ groupId, state: states.get(groupId) ?? 'Unknown', lag });
    }
    return result;
  } finally {
    await admin.disconnect();
  }
}
