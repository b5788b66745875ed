import type { KubeObject } from '@logbook/kube';
import { withDefaultIngressClass } from './default-ingress-class';

const cls = (name: string, isDefault: boolean, created = '2026-01-01T00:00:00Z'): KubeObject => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'IngressClass',
  metadata: { name, creationTimestamp: created, annotations: { 'ingressclass.kubernetes.io/is-default-class': String(isDefault) } },
  spec: { controller: 'logbook.io/ingress' },
});
const ing = (spec: Record<string, unknown>, annotations?: Record<string, string>): KubeObject => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: { name: 'web', namespace: 'default', ...(annotations ? { annotations } : {}) },
  spec,
});

describe('withDefaultIngressClass', () => {
  const rules = [{ host: 'a.example' }];
  it('names the default class on an Ingress without one', () => {
    expect(withDefaultIngressClass(ing({ rules }), [cls('other', false), cls('logbook', true)]).spec).toEqual({ rules, ingressClassName: 'logbook' });
  });
  it('leaves a named class, the legacy annotation, and a cluster without a default alone', () => {
    const named = ing({ ingressClassName: 'other', rules });
    expect(withDefaultIngressClass(named, [cls('logbook', true)])).toBe(named);
    const legacy = ing({ rules }, { 'kubernetes.io/ingress.class': 'other' });
    expect(withDefaultIngressClass(legacy, [cls('logbook', true)])).toBe(legacy);
    const plain = ing({ rules });
    expect(withDefaultIngressClass(plain, [cls('logbook', false)])).toBe(plain);
  });
  it('picks the newest of several defaults', () => {
    expect(withDefaultIngressClass(ing({ rules }), [cls('old', true, '2026-01-01T00:00:00Z'), cls('new', true, '2026-02-01T00:00:00Z')]).spec?.ingressClassName).toBe('new');
  });
});
