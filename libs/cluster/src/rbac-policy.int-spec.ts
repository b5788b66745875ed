import pino from 'pino';
import { makeTmpDir } from '@logbook/testing';
import { startStandaloneApiServer } from './api-server';

/** The default roles are reconciled at every start: complete the first time, nothing of theirs appended after. */
describe('default roles and bindings at API server start', () => {
  const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'warn' });

  it('creates them with aggregated admin/edit/view, and a restart appends nothing', async () => {
    const dir = makeTmpDir();
    try {
      const first = await startStandaloneApiServer({ dataDir: dir.path, port: 0, logger: log, controlPlaneTokens: false });
      const state = first.projector.state;
      const rules = (name: string) => ((state.get('ClusterRole', undefined, name) as unknown as { rules: { verbs: string[]; resources?: string[] }[] }).rules ?? []);
      const grants = (name: string, verb: string, resource: string) => rules(name).some((r) => r.verbs.includes(verb) && r.resources?.includes(resource));
      expect(grants('view', 'get', 'pods')).toBe(true);
      expect(grants('view', 'create', 'pods')).toBe(false);
      expect(grants('view', 'get', 'secrets')).toBe(false);
      expect(grants('edit', 'create', 'pods')).toBe(true);
      expect(grants('edit', 'get', 'pods')).toBe(true);
      expect(grants('admin', 'create', 'rolebindings')).toBe(true);
      expect(grants('admin', 'create', 'deployments')).toBe(true);
      expect(state.get('ClusterRoleBinding', undefined, 'cluster-admin')).toMatchObject({ subjects: [{ kind: 'Group', name: 'system:masters' }] });
      const position = state.position;
      await first.close();

      // The port changes between these starts (port 0), so only RBAC's own streams are compared.

      const second = await startStandaloneApiServer({ dataDir: dir.path, port: 0, logger: log, controlPlaneTokens: false });
      const rbacEvents = (await second.store.readAll({ after: position })).filter((e) => /^ClusterRole(Binding)?\//.test(e.stream));
      expect(rbacEvents.map((e) => `${e.type} ${e.stream}`)).toEqual([]);
      await second.close();
    } finally {
      dir.remove();
    }
  }, 60_000);
});
