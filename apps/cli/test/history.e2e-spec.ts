import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { addToken, kubectl, makeTmpDir, randomName, startLogbook, type LogbookProcess } from '@logbook/testing';
import { writeFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';

const ROOT = resolve(__dirname, '..', '..', '..');

function logbook(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((res) => {
    const proc = spawn(process.execPath, [join(ROOT, 'bin', 'logbook.js'), ...args], { env: { ...process.env, ...env, NODE_OPTIONS: '' } });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d) => (stdout += d));
    proc.stderr.on('data', (d) => (stderr += d));
    proc.on('close', (code) => res({ code, stdout, stderr }));
  });
}

/** `logbook history` shows the create, the change as a diff and the delete, each with its actor. */
describe('logbook history', () => {
  const dir = makeTmpDir();
  const cache = makeTmpDir('kubectl-cache-');
  let cluster: LogbookProcess;

  beforeAll(async () => {
    cluster = await startLogbook(dir.path);
  });
  afterAll(async () => {
    await cluster?.stop();
    dir.remove();
    cache.remove();
  });

  /** A kubeconfig like the admin's, but for another user's token. */
  function kubeconfigFor(user: string): string {
    const token = randomName(`${user}-token`);
    // Writers of the scenario, not its subject: authorization has its own spec (rbac.e2e-spec.ts).
    addToken(dir.path, token, user, ['system:masters']);
    const config = parse(require('node:fs').readFileSync(cluster.kubeconfig, 'utf8'));
    config.users[0].user.token = token;
    const path = join(dir.path, `kubeconfig-${user}`);
    writeFileSync(path, stringify(config));
    return path;
  }

  it('shows create, image change and delete with two different actors', async () => {
    const alice = kubeconfigFor('alice');
    const bob = kubeconfigFor('bob');
    const ns = randomName('hist');
    const manifest = (image: string) => `
apiVersion: apps/v1
kind: Deployment
metadata: { name: web, namespace: ${ns} }
spec:
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec: { containers: [ { name: web, image: "${image}" } ] }
`;
    expect((await kubectl(alice, ['create', 'namespace', ns], { cacheDir: cache.path })).code).toBe(0);
    expect((await kubectl(alice, ['apply', '-f', '-'], { input: manifest('nginx:1.25'), cacheDir: cache.path })).code).toBe(0);
    expect((await kubectl(bob, ['apply', '-f', '-'], { input: manifest('nginx:1.26'), cacheDir: cache.path })).code).toBe(0);
    expect((await kubectl(bob, ['delete', 'deployment', 'web', '-n', ns], { cacheDir: cache.path })).code).toBe(0);

    const out = await logbook(['history', 'deployment/web', '-n', ns, '--kubeconfig', cluster.kubeconfig]);
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    const lines = out.stdout.split('\n');
    // The controllers write too (revision annotation, status); the users' writes are the ones to find.
    const header = (type: string, actor: string) => lines.find((l) => l.includes(type) && new RegExp(`\\b${actor}\\b`).test(l)) ?? '';
    expect(header('DeploymentCreated', 'alice')).not.toBe('');
    expect(header('DeploymentUpdated', 'bob')).not.toBe('');
    expect(header('ObjectDeleted', 'bob')).not.toBe('');
    expect(lines.some((l) => /DeploymentStatusChanged/.test(l) && /system:kube-controller-manager/.test(l))).toBe(true);
    expect(out.stdout).toContain('- spec.template.spec.containers[0].image: nginx:1.25');
    expect(out.stdout).toContain('+ spec.template.spec.containers[0].image: nginx:1.26');
    expect(lines.indexOf(header('DeploymentCreated', 'alice'))).toBeLessThan(lines.indexOf(header('DeploymentUpdated', 'bob')));
    expect(lines.indexOf(header('DeploymentUpdated', 'bob'))).toBeLessThan(lines.indexOf(header('ObjectDeleted', 'bob')));

    const json = await logbook(['history', 'deployment/web', '-n', ns, '--kubeconfig', cluster.kubeconfig, '-o', 'json']);
    const entries = JSON.parse(json.stdout);
    const byUsers = entries.filter((e: any) => !e.actor.startsWith('system:'));
    expect(byUsers.map((e: any) => [e.type, e.actor])).toEqual([
      ['DeploymentCreated', 'alice'],
      ['DeploymentUpdated', 'bob'],
      ['ObjectDeleted', 'bob'],
    ]);
    // The image change by bob is the user event that carries it.
    const change = byUsers[1].changes.find((c: any) => c.path === 'spec.template.spec.containers[0].image');
    expect(change).toMatchObject({ from: 'nginx:1.25', to: 'nginx:1.26' });
  });

  it('finds the server through KUBECONFIG when no flag is given', async () => {
    const out = await logbook(['history', 'namespace/default'], { KUBECONFIG: cluster.kubeconfig });
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/NamespaceCreated/);
    expect(out.stdout).toMatch(/system:apiserver/);
  });
});
