import type { KubeObject } from '@logbook/kube';
import { servicePortRules } from './service-ports';
import { appliedNames, chainName, serviceTable, transaction } from './service-table';

const OPTIONS = { table: 'logbook-svc-test', clusterCIDR: '10.244.0.0/16', serviceCIDR: '10.96.0.0/16', podInterfaces: 'lb*' };
const own = (ip: string) => ip.startsWith('10.96.');

function service(name: string, spec: any, status: any = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec: { clusterIP: '10.96.0.20', ports: [{ name: 'http', port: 80, protocol: 'TCP' }], ...spec }, status } as KubeObject;
}

function slice(endpoints: { ip: string; ready?: boolean; serving?: boolean; terminating?: boolean; node?: string }[], port = 8080): KubeObject {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: 'web-abc', namespace: 'default', labels: { 'kubernetes.io/service-name': 'web' } },
    addressType: 'IPv4',
    ports: [{ name: 'http', port, protocol: 'TCP' }],
    endpoints: endpoints.map((e) => ({ addresses: [e.ip], conditions: { ready: e.ready ?? true, serving: e.serving ?? e.ready ?? true, terminating: e.terminating ?? false }, nodeName: e.node ?? 'n1' })),
  } as KubeObject;
}

describe('servicePortRules', () => {
  it('takes the ready endpoints of the slice port named like the Service port', () => {
    const [rule] = servicePortRules(service('web', {}), [slice([{ ip: '10.244.0.5' }, { ip: '10.244.0.6', ready: false, serving: false }])], 'n1', own);
    expect(rule.clusterIP).toBe('10.96.0.20');
    expect(rule.clusterEndpoints).toEqual([{ ip: '10.244.0.5', port: 8080, local: true }]);
    expect(rule.hasEndpoints).toBe(true);
  });

  it('falls back to serving endpoints that are terminating when none is ready', () => {
    const [rule] = servicePortRules(service('web', {}), [slice([{ ip: '10.244.0.5', ready: false, serving: true, terminating: true }, { ip: '10.244.0.6', ready: false, serving: false }])], 'n1', own);
    expect(rule.clusterEndpoints.map((e) => e.ip)).toEqual(['10.244.0.5']);
  });

  it('drains terminating endpoints while a ready one exists', () => {
    const [rule] = servicePortRules(service('web', {}), [slice([{ ip: '10.244.0.5', ready: false, serving: true, terminating: true }, { ip: '10.244.0.6' }])], 'n1', own);
    expect(rule.clusterEndpoints.map((e) => e.ip)).toEqual(['10.244.0.6']);
  });

  it('keeps only this node’s endpoints for the Local traffic policies', () => {
    const slices = [slice([{ ip: '10.244.0.5', node: 'n1' }, { ip: '10.244.1.5', node: 'n2' }])];
    const [rule] = servicePortRules(service('web', { type: 'NodePort', externalTrafficPolicy: 'Local', internalTrafficPolicy: 'Local', ports: [{ name: 'http', port: 80, nodePort: 30080 }] }), slices, 'n1', own);
    expect(rule.externalLocal).toBe(true);
    expect(rule.externalEndpoints.map((e) => e.ip)).toEqual(['10.244.0.5']);
    expect(rule.clusterEndpoints.map((e) => e.ip)).toEqual(['10.244.0.5']);
    const [cluster] = servicePortRules(service('web', { type: 'NodePort', ports: [{ name: 'http', port: 80, nodePort: 30080 }] }), slices, 'n1', own);
    expect(cluster.externalEndpoints).toHaveLength(2);
  });

  it('programs nothing for ExternalName, headless or loopback Services', () => {
    expect(servicePortRules(service('web', { type: 'ExternalName', externalName: 'x.example' }), [], 'n1', own)).toEqual([]);
    expect(servicePortRules(service('web', { clusterIP: 'None' }), [], 'n1', own)).toEqual([]);
    expect(servicePortRules(service('web', { clusterIP: '127.96.0.5' }), [], 'n1', own)).toEqual([]);
  });

  it('carries load-balancer addresses and the affinity timeout', () => {
    const svc = service('web', { type: 'LoadBalancer', sessionAffinity: 'ClientIP', ports: [{ name: 'http', port: 80, nodePort: 30080 }] }, { loadBalancer: { ingress: [{ ip: '10.97.0.1' }] } });
    const [rule] = servicePortRules(svc, [slice([{ ip: '10.244.0.5' }])], 'n1', own);
    expect(rule.loadBalancerIPs).toEqual(['10.97.0.1']);
    expect(rule.affinitySeconds).toBe(10_800);
    expect(rule.nodePort).toBe(30080);
  });
});

describe('serviceTable', () => {
  const rules = (svc: KubeObject, slices: KubeObject[]) => servicePortRules(svc, slices, 'n1', own);

  it('maps the ClusterIP port to a chain that spreads over one DNAT chain per endpoint', () => {
    const table = serviceTable(rules(service('web', {}), [slice([{ ip: '10.244.0.5' }, { ip: '10.244.0.6' }])]), OPTIONS);
    const svc = chainName('svc', 'default/web:80/tcp');
    expect(table.sets.get('service-ips')!.elements).toEqual([`10.96.0.20 . tcp . 80 : goto ${svc}`]);
    const spread = table.chains.get(svc)!.rules;
    expect(spread[0]).toBe('ip saddr != 10.244.0.0/16 jump mark-for-masquerade');
    expect(spread[1]).toMatch(/^numgen random mod 2 vmap \{ 0 : goto ep-.*, 1 : goto ep-.* \}$/);
    const ep = chainName('ep', 'default/web:80/tcp>10.244.0.5:8080');
    expect(table.chains.get(ep)!.rules).toEqual(['ip saddr 10.244.0.5 jump mark-for-masquerade', 'meta l4proto tcp dnat to 10.244.0.5:8080']);
  });

  it('rejects a Service without endpoints instead of mapping it', () => {
    const table = serviceTable(rules(service('web', {}), [slice([])]), OPTIONS);
    expect(table.sets.get('service-ips')!.elements).toEqual([]);
    expect(table.sets.get('no-endpoint-services')!.elements).toEqual(['10.96.0.20 . tcp . 80 : goto reject-chain']);
    expect(table.sets.get('cluster-ips')!.elements).toEqual(['10.96.0.20']);
  });

  it('sends NodePort and load-balancer traffic through the external chain, masqueraded unless Local', () => {
    const svc = service('web', { type: 'LoadBalancer', ports: [{ name: 'http', port: 80, nodePort: 30080 }] }, { loadBalancer: { ingress: [{ ip: '10.97.0.1' }] } });
    const table = serviceTable(rules(svc, [slice([{ ip: '10.244.0.5' }])]), OPTIONS);
    const ext = chainName('ext', 'default/web:80/tcp');
    expect(table.sets.get('service-nodeports')!.elements).toEqual([`tcp . 30080 : goto ${ext}`]);
    expect(table.sets.get('service-ips')!.elements).toContain(`10.97.0.1 . tcp . 80 : goto ${ext}`);
    expect(table.chains.get(ext)!.rules).toEqual(['jump mark-for-masquerade', `goto ${chainName('svc', 'default/web:80/tcp')}`]);

    const local = serviceTable(rules(service('web', { type: 'NodePort', externalTrafficPolicy: 'Local', ports: [{ name: 'http', port: 80, nodePort: 30080 }] }), [slice([{ ip: '10.244.1.5', node: 'n2' }])]), OPTIONS);
    expect(local.chains.get(ext)!.rules.at(-1)).toBe('drop comment "no endpoint for this traffic policy"');
  });

  it('keeps clients on their endpoint with one timeout set per endpoint under ClientIP affinity', () => {
    const table = serviceTable(rules(service('web', { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } } }), [slice([{ ip: '10.244.0.5' }, { ip: '10.244.0.6' }])]), OPTIONS);
    const sets = [...table.sets].filter(([, s]) => s.dynamic);
    expect(sets).toHaveLength(2);
    expect(sets[0][1]).toMatchObject({ flags: 'dynamic,timeout', timeoutSeconds: 60 });
    const ep = table.chains.get(chainName('ep', 'default/web:80/tcp>10.244.0.5:8080'))!.rules;
    expect(ep[1]).toMatch(/^update @aff-.* \{ ip saddr \}$/);
    const spread = table.chains.get(chainName('svc', 'default/web:80/tcp'))!.rules;
    expect(spread.filter((r) => r.startsWith('ip saddr @aff-'))).toHaveLength(2);
  });
});

describe('transaction', () => {
  it('declares, flushes and refills; deletes what the previous content had beyond the new', () => {
    const before = serviceTable(servicePortRules(service('web', {}), [slice([{ ip: '10.244.0.5' }])], 'n1', own), OPTIONS);
    const after = serviceTable([], OPTIONS);
    const script = transaction(after, appliedNames(before));
    const ep = chainName('ep', 'default/web:80/tcp>10.244.0.5:8080');
    expect(script).toContain(`flush chain ip logbook-svc-test ${ep}\n`);
    expect(script).toContain(`delete chain ip logbook-svc-test ${ep}\n`);
    // Stale chains go only after the maps that name them were flushed.
    expect(script.indexOf('flush map ip logbook-svc-test service-ips')).toBeLessThan(script.indexOf(`delete chain ip logbook-svc-test ${ep}`));
    expect(script.startsWith('add table ip logbook-svc-test\n')).toBe(true);
  });

  it('never flushes the affinity sets, so a change elsewhere keeps clients where they are', () => {
    const table = serviceTable(servicePortRules(service('web', { sessionAffinity: 'ClientIP' }), [slice([{ ip: '10.244.0.5' }])], 'n1', own), OPTIONS);
    const aff = [...table.sets.keys()].find((n) => n.startsWith('aff-'))!;
    const script = transaction(table, appliedNames(table));
    expect(script).toContain(`add set ip logbook-svc-test ${aff} { type ipv4_addr; flags dynamic,timeout; timeout 10800s; }`);
    expect(script).not.toContain(`flush set ip logbook-svc-test ${aff}`);
  });
});
