import type { KubeObject } from '@logbook/kube';
import { EnvError, expand, resolveEnv, serviceEnv } from './env';

const pod: KubeObject = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web-1', namespace: 'shop', uid: 'u-1', labels: { app: 'web', tier: 'front' }, annotations: { note: 'hi' } },
  spec: { nodeName: 'n1', containers: [] },
};
const cm = (name: string, data: Record<string, string>) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'shop' }, data }) as KubeObject;
const secret = (name: string, data: Record<string, string>) =>
  ({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: 'shop' }, data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])) }) as KubeObject;
const svc = (name: string, ip: string, ports: object[]) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'shop' }, spec: { clusterIP: ip, ports } }) as KubeObject;

const sources = (over: Partial<Parameters<typeof resolveEnv>[2]> = {}) => ({
  configMaps: new Map([['cfg', cm('cfg', { mode: 'fast', level: '3' })]]),
  secrets: new Map([['creds', secret('creds', { password: 's3cret' })]]),
  services: [],
  podIP: '127.1.0.7',
  hostIP: '127.0.0.1',
  ...over,
});

describe('resolveEnv', () => {
  it('resolves values, configMap and secret keys (base64-decoded), and the downward API', () => {
    const env = resolveEnv(
      pod,
      {
        env: [
          { name: 'PLAIN', value: 'x' },
          { name: 'MODE', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'mode' } } },
          { name: 'PASS', valueFrom: { secretKeyRef: { name: 'creds', key: 'password' } } },
          ...['metadata.name', 'metadata.namespace', 'metadata.uid', 'spec.nodeName', 'status.podIP', 'status.hostIP', "metadata.labels['app']", 'metadata.labels', "metadata.annotations['note']"].map((fieldPath, i) => ({ name: `F${i}`, valueFrom: { fieldRef: { fieldPath } } })),
          { name: 'REF', value: '$(MODE)-$(PLAIN)-$(NOPE)-$$(MODE)' },
        ],
      },
      sources(),
    );
    expect(env).toEqual({
      PLAIN: 'x',
      MODE: 'fast',
      PASS: 's3cret',
      F0: 'web-1',
      F1: 'shop',
      F2: 'u-1',
      F3: 'n1',
      F4: '127.1.0.7',
      F5: '127.0.0.1',
      F6: 'web',
      F7: 'app="web"\ntier="front"',
      F8: 'hi',
      REF: 'fast-x-$(NOPE)-$(MODE)',
    });
  });

  it('envFrom takes every key with its prefix; env wins over it', () => {
    const env = resolveEnv(pod, { envFrom: [{ configMapRef: { name: 'cfg' }, prefix: 'APP_' }, { secretRef: { name: 'creds' } }], env: [{ name: 'APP_mode', value: 'slow' }] }, sources());
    expect(env).toEqual({ APP_mode: 'slow', APP_level: '3', password: 's3cret' });
  });

  it('a missing reference fails unless optional', () => {
    expect(() => resolveEnv(pod, { env: [{ name: 'A', valueFrom: { configMapKeyRef: { name: 'nope', key: 'a' } } }] }, sources())).toThrow(new EnvError('configmap "nope" not found'));
    expect(() => resolveEnv(pod, { env: [{ name: 'A', valueFrom: { secretKeyRef: { name: 'creds', key: 'user' } } }] }, sources())).toThrow(/couldn't find key user in Secret shop\/creds/);
    expect(resolveEnv(pod, { env: [{ name: 'A', valueFrom: { configMapKeyRef: { name: 'nope', key: 'a', optional: true } } }], envFrom: [{ secretRef: { name: 'x', optional: true } }] }, sources())).toEqual({});
  });

  it('adds the service variables of the namespace first', () => {
    const env = resolveEnv(pod, { env: [{ name: 'WEB_API_SERVICE_HOST', value: 'mine' }] }, sources({ services: [svc('web-api', '127.96.0.5', [{ name: 'http', port: 80 }, { name: 'metrics', port: 9090, protocol: 'TCP' }])] }));
    expect(env.WEB_API_SERVICE_HOST).toBe('mine');
    expect(env.WEB_API_SERVICE_PORT).toBe('80');
  });
});

describe('serviceEnv', () => {
  it('writes the docker-links style variables kube sets, skipping headless services', () => {
    expect(serviceEnv([svc('redis-main', '127.96.0.9', [{ port: 6379 }]), svc('headless', 'None', [{ port: 1 }])])).toEqual({
      REDIS_MAIN_SERVICE_HOST: '127.96.0.9',
      REDIS_MAIN_SERVICE_PORT: '6379',
      REDIS_MAIN_PORT: 'tcp://127.96.0.9:6379',
      REDIS_MAIN_PORT_6379_TCP: 'tcp://127.96.0.9:6379',
      REDIS_MAIN_PORT_6379_TCP_PROTO: 'tcp',
      REDIS_MAIN_PORT_6379_TCP_PORT: '6379',
      REDIS_MAIN_PORT_6379_TCP_ADDR: '127.96.0.9',
    });
  });

  it('names each named port', () => {
    expect(serviceEnv([svc('web', '127.96.0.1', [{ name: 'http-alt', port: 8080 }])])).toMatchObject({ WEB_SERVICE_PORT_HTTP_ALT: '8080' });
  });
});

describe('expand', () => {
  it.each([
    ['$(A)', 'a'],
    ['$(B)', '$(B)'],
    ['$$(A)', '$(A)'],
    ['x$$y', 'x$y'],
  ])('%s → %s', (input, out) => expect(expand(input, { A: 'a' })).toBe(out));
});

describe('the kubernetes Service variables', () => {
  const api = { host: 'kubernetes.default.svc', port: 443, address: '10.244.3.1' };
  const inDefault = { ...pod, metadata: { ...pod.metadata, namespace: 'default' } };
  const kubernetes = { ...svc('kubernetes', '127.96.0.1', [{ name: 'https', port: 443 }]), metadata: { name: 'kubernetes', namespace: 'default' } } as KubeObject;

  it("name the endpoint the pod can reach, not the Service's ClusterIP", () => {
    const env = resolveEnv(inDefault, {}, sources({ services: [kubernetes], apiServer: api }));
    expect(env).toEqual({
      KUBERNETES_SERVICE_HOST: 'kubernetes.default.svc',
      KUBERNETES_SERVICE_PORT: '443',
      KUBERNETES_SERVICE_PORT_HTTPS: '443',
      KUBERNETES_PORT: 'tcp://kubernetes.default.svc:443',
      KUBERNETES_PORT_443_TCP: 'tcp://kubernetes.default.svc:443',
      KUBERNETES_PORT_443_TCP_PROTO: 'tcp',
      KUBERNETES_PORT_443_TCP_PORT: '443',
      KUBERNETES_PORT_443_TCP_ADDR: '10.244.3.1',
    });
  });

  it("are set in every namespace, and the container's own env wins", () => {
    const env = resolveEnv(pod, { env: [{ name: 'KUBERNETES_SERVICE_HOST', value: 'elsewhere' }] }, sources({ apiServer: { host: '127.0.0.1', port: 6443, address: '127.0.0.1' } }));
    expect(env.KUBERNETES_SERVICE_HOST).toBe('elsewhere');
    expect(env.KUBERNETES_SERVICE_PORT).toBe('6443');
    expect(env.KUBERNETES_PORT_6443_TCP_ADDR).toBe('127.0.0.1');
  });
});
