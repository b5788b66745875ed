import { ApiError } from './api-error';
import { fieldEquals, parseFieldSelector } from './field-selector';
import type { KubeObject } from './object';

const pod = (name: string, nodeName?: string, phase = 'Running'): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default' },
  spec: { nodeName, restartPolicy: 'Always' },
  status: { phase, podIP: '10.0.0.1' },
});

const event: KubeObject = {
  apiVersion: 'v1',
  kind: 'Event',
  metadata: { name: 'web.1', namespace: 'default' },
  involvedObject: { kind: 'Deployment', namespace: 'default', name: 'web', uid: 'u-1', apiVersion: 'apps/v1' },
  reason: 'ScalingReplicaSet',
  type: 'Normal',
  source: { component: 'deployment-controller' },
};

describe('parseFieldSelector', () => {
  it.each<[string, string, KubeObject, boolean]>([
    ['', 'Pod', pod('a'), true],
    ['metadata.name=a', 'Pod', pod('a'), true],
    ['metadata.name==a', 'Pod', pod('a'), true],
    ['metadata.name!=a', 'Pod', pod('a'), false],
    ['metadata.namespace=default,metadata.name=a', 'Pod', pod('a'), true],
    ['metadata.namespace=kube-system', 'Pod', pod('a'), false],
    ['spec.nodeName=', 'Pod', pod('a'), true],
    ['spec.nodeName=', 'Pod', pod('a', 'n1'), false],
    ['spec.nodeName=n1', 'Pod', pod('a', 'n1'), true],
    ['status.phase!=Running', 'Pod', pod('a'), false],
    ['status.phase=Pending', 'Pod', pod('a', undefined, 'Pending'), true],
    ['spec.restartPolicy=Always,status.podIP=10.0.0.1', 'Pod', pod('a'), true],
    ['involvedObject.name=web,involvedObject.namespace=default,involvedObject.kind=Deployment,involvedObject.uid=u-1', 'Event', event, true],
    ['involvedObject.uid=other', 'Event', event, false],
    ['reason=ScalingReplicaSet,type=Normal,source=deployment-controller', 'Event', event, true],
    ['involvedObject.apiVersion=apps/v1', 'Event', event, true],
    ['spec.unschedulable=false', 'Node', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n' }, spec: {} }, true],
    ['spec.unschedulable=true', 'Node', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n' }, spec: { unschedulable: true } }, true],
    ['type=Opaque', 'Secret', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, type: 'Opaque' }, true],
    ['status.phase=Active', 'Namespace', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'n' }, status: { phase: 'Active' } }, true],
    ['status.successful=0', 'Job', { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j' }, status: {} }, true],
    ['status.successful=1', 'Job', { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j' }, status: { succeeded: 1 } }, true],
    ['metadata.name=a\\,b', 'ConfigMap', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a,b' } }, true],
  ])('%j on a %s → %s', (s, kind, obj, expected) => {
    expect(parseFieldSelector(s, kind).matches(obj)).toBe(expected);
  });

  it('exposes requirements for index lookups', () => {
    const sel = parseFieldSelector('metadata.name=web,spec.nodeName!=x', 'Pod');
    expect(sel.requirements).toEqual([
      { field: 'metadata.name', operator: '=', value: 'web' },
      { field: 'spec.nodeName', operator: '!=', value: 'x' },
    ]);
    expect(fieldEquals(sel, 'metadata.name')).toBe('web');
    expect(fieldEquals(sel, 'spec.nodeName')).toBeUndefined();
  });

  it.each<[string, string, RegExp]>([
    ['spec.nodeName=n1', 'Deployment', /^field label not supported: spec.nodeName$/],
    ['status.phase=x', 'Service', /^field label not supported: status.phase$/],
    ['metadata.name', 'Pod', /is not of the form/],
    ['=x', 'Pod', /is not of the form/],
    ['metadata.name=a=b', 'Pod', /unescaped "="/],
    ['metadata.name=a\\x', 'Pod', /invalid escape/],
  ])('%j on a %s is a 400 (%s)', (s, kind, message) => {
    let error: unknown;
    try {
      parseFieldSelector(s, kind);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).code).toBe(400);
    expect((error as ApiError).message).toMatch(message);
  });
});
