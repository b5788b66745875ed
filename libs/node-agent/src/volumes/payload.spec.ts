import type { KubeObject } from '@logbook/kube';
import { DEFAULT_MODE, downwardAPIPayload, keyedPayload, objectData, withFsGroup } from './payload';

const cm = (data: Record<string, string>, binaryData?: Record<string, string>) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'shop' }, data, ...(binaryData ? { binaryData } : {}) }) as KubeObject;
const secret = (data: Record<string, string | Buffer>) =>
  ({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'creds', namespace: 'shop' }, data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])) }) as KubeObject;
const text = (files: Map<string, { data: Buffer; mode: number }>) => Object.fromEntries([...files].map(([p, f]) => [p, [f.data.toString('utf8'), f.mode.toString(8)]]));

const pod: KubeObject = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web-1', namespace: 'shop', uid: 'u-1', labels: { tier: 'front', app: 'web' }, annotations: { note: 'hi' } },
  spec: { containers: [{ name: 'app', resources: { limits: { cpu: '250m', memory: '64Mi' }, requests: { memory: '32Mi' } } }] },
};
const node = { cpu: '4', memory: '8Gi' };

describe('keyedPayload', () => {
  it('projects every key as a file with the default mode', () => {
    expect(text(keyedPayload('configmap', { name: 'cfg' }, cm({ 'a.conf': 'A', b: 'B' }), DEFAULT_MODE))).toEqual({ 'a.conf': ['A', '644'], b: ['B', '644'] });
  });

  it('projects only the listed items, at their paths, with their modes', () => {
    const files = keyedPayload('configmap', { name: 'cfg', items: [{ key: 'a', path: 'conf/a.txt', mode: 0o600 }] }, cm({ a: 'A', b: 'B' }), 0o640);
    expect(text(files)).toEqual({ 'conf/a.txt': ['A', '600'] });
  });

  it('decodes secret data (binary-safe) and configMap binaryData', () => {
    const bytes = Buffer.from([0, 255, 1]);
    expect(keyedPayload('secret', { secretName: 'creds' }, secret({ key: bytes }), 0o400).get('key')).toEqual({ data: bytes, mode: 0o400 });
    expect(objectData(cm({ a: 'A' }, { bin: bytes.toString('base64') }), false).get('bin')).toEqual(bytes);
  });

  it("fails on a missing object unless optional, in kubelet's words", () => {
    expect(() => keyedPayload('configmap', { name: 'cfg' }, undefined, DEFAULT_MODE)).toThrow('configmap "cfg" not found');
    expect(() => keyedPayload('secret', { secretName: 'creds' }, undefined, DEFAULT_MODE)).toThrow('secret "creds" not found');
    expect(keyedPayload('secret', { secretName: 'creds', optional: true }, undefined, DEFAULT_MODE).size).toBe(0);
  });

  it('fails on a listed key the object lacks unless optional', () => {
    const items = [{ key: 'nope', path: 'x' }];
    expect(() => keyedPayload('configmap', { name: 'cfg', items }, cm({ a: 'A' }), DEFAULT_MODE)).toThrow('configmap references non-existent config key: nope');
    expect(() => keyedPayload('secret', { secretName: 'creds', items }, secret({ a: 'A' }), DEFAULT_MODE)).toThrow('references non-existent secret key: nope');
    expect(keyedPayload('configmap', { name: 'cfg', items, optional: true }, cm({ a: 'A' }), DEFAULT_MODE).size).toBe(0);
  });

  it('refuses item paths that climb out of the volume', () => {
    expect(() => keyedPayload('configmap', { name: 'cfg', items: [{ key: 'a', path: '../../etc/cron.d/x' }] }, cm({ a: 'A' }), DEFAULT_MODE)).toThrow("must not contain '..'");
    expect(() => keyedPayload('configmap', { name: 'cfg', items: [{ key: 'a', path: '/etc/x' }] }, cm({ a: 'A' }), DEFAULT_MODE)).toThrow('must be relative path');
    expect(() => keyedPayload('configmap', { name: 'cfg' }, cm({ '..data': 'A' }), DEFAULT_MODE)).toThrow("must not start with '..'");
  });
});

describe('downwardAPIPayload', () => {
  it('renders metadata fields, label and annotation maps sorted, and resource fields', () => {
    const files = downwardAPIPayload(
      pod,
      [
        { path: 'name', fieldRef: { fieldPath: 'metadata.name' } },
        { path: 'ns', fieldRef: { fieldPath: 'metadata.namespace' } },
        { path: 'uid', fieldRef: { fieldPath: 'metadata.uid' }, mode: 0o400 },
        { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } },
        { path: 'tier', fieldRef: { fieldPath: "metadata.labels['tier']" } },
        { path: 'cpu', resourceFieldRef: { containerName: 'app', resource: 'limits.cpu', divisor: '1m' } },
        { path: 'mem', resourceFieldRef: { containerName: 'app', resource: 'requests.memory', divisor: '1Mi' } },
      ],
      DEFAULT_MODE,
      node,
    );
    expect(text(files)).toEqual({
      name: ['web-1', '644'],
      ns: ['shop', '644'],
      uid: ['u-1', '400'],
      labels: ['app="web"\ntier="front"', '644'],
      tier: ['front', '644'],
      cpu: ['250', '644'],
      mem: ['32', '644'],
    });
  });

  it('refuses fields a volume may not project', () => {
    expect(() => downwardAPIPayload(pod, [{ path: 'ip', fieldRef: { fieldPath: 'status.podIP' } }], DEFAULT_MODE, node)).toThrow('unsupported fieldPath status.podIP');
  });
});

describe('withFsGroup', () => {
  it('makes files group-readable as the kubelet ownership pass does', () => {
    const files = withFsGroup(new Map([['k', { data: Buffer.from('x'), mode: 0o400 }]]), 2000);
    expect(files.get('k')!.mode).toBe(0o440);
    expect(withFsGroup(new Map([['k', { data: Buffer.from('x'), mode: 0o400 }]]), undefined).get('k')!.mode).toBe(0o400);
  });
});
