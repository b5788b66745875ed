import { validateObject } from './validate-object';

const quota = (spec: unknown) => ({ apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'q', namespace: 'ns' }, spec });
const range = (spec: unknown) => ({ apiVersion: 'v1', kind: 'LimitRange', metadata: { name: 'lr', namespace: 'ns' }, spec });
const fields = (obj: any) => validateObject(obj).map((c) => `${c.field}: ${c.message}`);

describe('ResourceQuota and LimitRange validation', () => {
  it('accepts well-formed objects', () => {
    expect(fields(quota({ hard: { pods: '10', 'requests.cpu': '500m' }, scopes: ['BestEffort'] }))).toEqual([]);
    expect(fields(range({ limits: [{ type: 'Container', max: { cpu: '1' }, default: { memory: '128Mi' } }] }))).toEqual([]);
  });
  it('names bad quantities, scopes and types by their paths', () => {
    expect(fields(quota({ hard: { pods: 'lots' }, scopes: ['Sometimes'] }))).toEqual([
      `spec.hard[pods]: Invalid value: "lots": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`,
      'spec.scopes: Unsupported value: "Sometimes": supported values: "BestEffort", "CrossNamespacePodAffinity", "NotBestEffort", "NotTerminating", "PriorityClass", "Terminating"',
    ]);
    expect(fields(range({ limits: [{ type: 'Node', max: { cpu: '-1' } }, { min: { cpu: '1' } }] }))).toEqual([
      'spec.limits[0].type: Unsupported value: "Node": supported values: "Container", "PersistentVolumeClaim", "Pod"',
      'spec.limits[0].max[cpu]: Invalid value: "-1": must be greater than or equal to 0',
      'spec.limits[1].type: Required value',
    ]);
  });
});
