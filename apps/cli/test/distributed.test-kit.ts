import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request } from 'node:https';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { parse } from 'yaml';
import type { PidsDocument } from '@logbook/cluster';
import { parsePrometheusText, spawnLogbookUntilUp, type PrometheusText, type SpawnedLogbook } from '@logbook/testing';
import { testBrokers } from '../../../libs/bus/src/testing/kafka-for-tests';

/** `logbook up --distributed` as a real OS process (the built CLI), on the shared test broker. */
export interface DistributedProcess extends SpawnedLogbook {
  readonly dataDir: string;
  readonly kubeconfig: string;
  readonly adminToken: string;
  pids(): PidsDocument;
  /** JSON over HTTPS as the admin. */
  api(method: string, path: string, body?: unknown, contentType?: string): Promise<{ status: number; body: any }>;
}

export async function startDistributed(dataDir: string, topicPrefix: string, extraArgs: string[] = []): Promise<DistributedProcess> {
  const args = ['up', '--distributed', '--data-dir', dataDir, '--port', '0', '--bus', `kafka://${testBrokers().join(',')}`, '--topic-prefix', topicPrefix, ...extraArgs];
  // Nine Node processes start on a shared 2-core machine.
  const up = await spawnLogbookUntilUp(args, { logLevel: process.env.TEST_LOG_LEVEL, timeoutMs: 240_000, intervalMs: 250, what: 'logbook up --distributed to print its URL' });
  const kubeconfig = join(dataDir, 'kubeconfig');
  const adminToken = parse(readFileSync(kubeconfig, 'utf8')).users[0].user.token as string;
  const api = (method: string, path: string, body?: unknown, contentType = 'application/json') =>
    new Promise<{ status: number; body: any }>((ok, fail) => {
      const req = request(new URL(path, up.url), { method, rejectUnauthorized: false, headers: { Authorization: `Bearer ${adminToken}`, 'Content-Type': contentType } }, (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => ok({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined }));
      });
      req.on('error', fail);
      req.end(body === undefined ? undefined : JSON.stringify(body));
    });
  return {
    ...up,
    dataDir,
    kubeconfig,
    adminToken,
    pids: () => JSON.parse(readFileSync(join(dataDir, 'distributed', 'pids.json'), 'utf8')) as PidsDocument,
    api,
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
