import { makeNodeInfo } from '../node-info';
import { makeNode, makePod } from '../testing/builders';
import { interPodAntiAffinity } from './inter-pod-anti-affinity';

describe('InterPodAntiAffinity (required, hostname topology)', () => {
  const ok = { code: 'Success', reasons: [] };
  const own = { code: 'Unschedulable', reasons: ["node(s) didn't match pod anti-affinity rules"] };
  const existing = { code: 'Unschedulable', reasons: ["node(s) didn't satisfy existing pods anti-affinity rules"] };
  const web = { matchLabels: { app: 'web' } };

  it.each([
    { name: 'no anti-affinity', pod: makePod('p').labels({ app: 'web' }).obj(), others: [makePod('o').labels({ app: 'web' }).obj()], want: ok },
    { name: 'a matching pod on the node', pod: makePod('p').labels({ app: 'web' }).antiAffinity(web).obj(), others: [makePod('o').labels({ app: 'web' }).obj()], want: own },
    { name: 'no matching pod on the node', pod: makePod('p').antiAffinity(web).obj(), others: [makePod('o').labels({ app: 'db' }).obj()], want: ok },
    { name: 'a matching pod in another namespace does not count', pod: makePod('p').antiAffinity(web).obj(), others: [makePod('o').namespace('other').labels({ app: 'web' }).obj()], want: ok },
    { name: 'namespaces listed in the term count', pod: makePod('p').antiAffinity(web, ['other']).obj(), others: [makePod('o').namespace('other').labels({ app: 'web' }).obj()], want: own },
    { name: 'a pod never repels itself', pod: makePod('p').labels({ app: 'web' }).antiAffinity(web).obj(), others: [makePod('p').labels({ app: 'web' }).obj()], want: ok },
    { name: "an existing pod's anti-affinity repels the new pod", pod: makePod('p').labels({ app: 'web' }).obj(), others: [makePod('o').antiAffinity(web).obj()], want: existing },
    {
      name: 'other topology keys are not enforced',
      pod: makePod('p').with('spec.affinity', { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: web, topologyKey: 'zone' }] } }).obj(),
      others: [makePod('o').labels({ app: 'web' }).obj()],
      want: ok,
    },
  ])('$name', ({ pod, others, want }) => {
    const bound = others.map((o) => ({ ...o, spec: { ...o.spec, nodeName: 'n1' } }));
    expect(interPodAntiAffinity.filter(pod, makeNodeInfo(makeNode('n1').obj(), bound))).toEqual(want);
  });
});
