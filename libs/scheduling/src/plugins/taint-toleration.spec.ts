import { buildNodeInfos, makeNodeInfo } from '../node-info';
import { makeNode, makePod } from '../testing/builders';
import { taintTolerationFilter, taintTolerationScore } from './taint-toleration';
import { toleratesTaint } from './tolerations';

describe('toleratesTaint', () => {
  const taint = { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' };
  it.each([
    [{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }, true],
    [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }, true], // operator defaults to Equal
    [{ key: 'dedicated', operator: 'Equal', value: 'cpu', effect: 'NoSchedule' }, false],
    [{ key: 'dedicated', operator: 'Exists', effect: 'NoSchedule' }, true],
    [{ key: 'dedicated', operator: 'Exists' }, true], // empty effect matches all effects
    [{ key: 'dedicated', operator: 'Exists', effect: 'NoExecute' }, false],
    [{ key: 'other', operator: 'Exists' }, false],
    [{ operator: 'Exists' }, true], // empty key + Exists tolerates everything
    [{ operator: 'Equal', value: 'gpu' }, false], // empty key needs Exists
  ])('%j → %s', (toleration, expected) => {
    expect(toleratesTaint(toleration, taint)).toBe(expected);
  });
});

describe('TaintToleration filter', () => {
  const unreachable = { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' };
  it.each([
    { name: 'untainted node', taints: [], tolerations: [], code: 'Success', reasons: [] },
    { name: 'NoSchedule taint untolerated', taints: [{ key: 'a', value: 'b', effect: 'NoSchedule' }], tolerations: [], code: 'UnschedulableAndUnresolvable', reasons: ['node(s) had untolerated taint {a: b}'] },
    { name: 'NoExecute taint untolerated (empty value)', taints: [unreachable], tolerations: [], code: 'UnschedulableAndUnresolvable', reasons: ['node(s) had untolerated taint {node.kubernetes.io/unreachable: }'] },
    { name: 'PreferNoSchedule never filters', taints: [{ key: 'a', effect: 'PreferNoSchedule' }], tolerations: [], code: 'Success', reasons: [] },
    { name: 'tolerated NoExecute', taints: [unreachable], tolerations: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }], code: 'Success', reasons: [] },
    {
      name: 'reports the first untolerated taint',
      taints: [{ key: 'a', value: '1', effect: 'NoSchedule' }, { key: 'b', value: '2', effect: 'NoSchedule' }],
      tolerations: [{ key: 'a', operator: 'Exists' }],
      code: 'UnschedulableAndUnresolvable',
      reasons: ['node(s) had untolerated taint {b: 2}'],
    },
  ])('$name', ({ taints, tolerations, code, reasons }) => {
    const status = taintTolerationFilter.filter(makePod().tolerations(...tolerations).obj(), makeNodeInfo(makeNode().taints(...taints).obj(), []));
    expect(status).toEqual({ code, reasons });
  });
});

describe('TaintToleration score', () => {
  const prefer = (key: string) => ({ key, effect: 'PreferNoSchedule' });
  it.each([
    { name: 'no PreferNoSchedule taints anywhere: all 100', taints: [[], []], tolerations: [], expected: [100, 100] },
    { name: 'fewer intolerable taints score higher', taints: [[], [prefer('a')], [prefer('a'), prefer('b')]], tolerations: [], expected: [100, 50, 0] },
    { name: 'tolerated PreferNoSchedule taints do not count', taints: [[prefer('a')], [prefer('b')]], tolerations: [{ key: 'a', operator: 'Exists', effect: 'PreferNoSchedule' }], expected: [100, 0] },
    { name: 'NoSchedule tolerations do not cover PreferNoSchedule', taints: [[prefer('a')], []], tolerations: [{ key: 'a', operator: 'Exists', effect: 'NoSchedule' }], expected: [0, 100] },
  ])('$name', ({ taints, tolerations, expected }) => {
    const pod = makePod().tolerations(...tolerations).obj();
    const infos = buildNodeInfos(taints.map((t, i) => makeNode(`n${i}`).taints(...t).obj()), []);
    expect(infos.map((i) => taintTolerationScore.score(pod, i, infos))).toEqual(expected);
  });
});
