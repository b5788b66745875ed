import { apiGroupList, apiResourceList } from './discovery';

const resources = (group: string) => (apiResourceList(group) as { resources: Array<Record<string, unknown>> }).resources;

describe('discovery', () => {
  it('lists pods/eviction as kubectl drain looks for it: kind Eviction in policy/v1, create only', () => {
    expect(resources('').find((r) => r.name === 'pods/eviction')).toEqual({ name: 'pods/eviction', singularName: '', namespaced: true, group: 'policy', version: 'v1', kind: 'Eviction', verbs: ['create'] });
  });

  it('serves PodDisruptionBudgets in policy/v1 with the pdb short name and a status subresource', () => {
    const policy = resources('policy');
    expect(policy.find((r) => r.name === 'poddisruptionbudgets')).toMatchObject({ kind: 'PodDisruptionBudget', namespaced: true, shortNames: ['pdb'] });
    expect(policy.map((r) => r.name)).toContain('poddisruptionbudgets/status');
  });

  it('lists the policy and authorization.k8s.io groups; the latter has the four access reviews', () => {
    const names = (apiGroupList() as { groups: Array<{ name: string }> }).groups.map((g) => g.name);
    expect(names).toEqual(expect.arrayContaining(['apps', 'batch', 'policy', 'authorization.k8s.io']));
    expect(resources('authorization.k8s.io').map((r) => [r.name, r.kind, r.verbs])).toEqual([
      ['selfsubjectaccessreviews', 'SelfSubjectAccessReview', ['create']],
      ['selfsubjectrulesreviews', 'SelfSubjectRulesReview', ['create']],
      ['subjectaccessreviews', 'SubjectAccessReview', ['create']],
      ['localsubjectaccessreviews', 'LocalSubjectAccessReview', ['create']],
    ]);
  });
});
