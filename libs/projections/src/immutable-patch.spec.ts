import { applyPatch, compare, type Operation } from 'fast-json-patch';
import { applyPatchImmutable, PatchConflict } from './immutable-patch';
import { aPod } from './testing/fixtures';

const doc = () => ({
  a: { b: 1, c: [1, 2, 3], 'x/y': { 'm~n': true } },
  list: [{ name: 'a' }, { name: 'b' }],
});

/** What fast-json-patch (the reference) makes of the same operations. */
function reference(document: unknown, ops: Operation[]): unknown {
  return applyPatch(structuredClone(document), structuredClone(ops), false, true).newDocument;
}

describe('applyPatchImmutable', () => {
  it.each<[string, Operation[]]>([
    ['add a member', [{ op: 'add', path: '/a/d', value: { e: 1 } }]],
    ['add to an array end', [{ op: 'add', path: '/a/c/-', value: 4 }]],
    ['insert into an array', [{ op: 'add', path: '/a/c/1', value: 9 }]],
    ['remove an array item', [{ op: 'remove', path: '/list/0' }]],
    ['replace through escaped keys', [{ op: 'replace', path: '/a/x~1y/m~0n', value: false }]],
    ['move', [{ op: 'move', from: '/a/b', path: '/list/0/b' }]],
    ['copy then change the copy', [{ op: 'copy', from: '/list/0', path: '/list/-' }, { op: 'replace', path: '/list/2/name', value: 'c' }]],
    ['replace the root', [{ op: 'replace', path: '', value: { z: 1 } }]],
    ['test that passes', [{ op: 'test', path: '/a/c', value: [1, 2, 3] }, { op: 'remove', path: '/a' }]],
    ['several ops on one path', [{ op: 'add', path: '/a/n', value: {} }, { op: 'add', path: '/a/n/k', value: 1 }, { op: 'add', path: '/a/n/j', value: 2 }]],
  ])('%s: same result as fast-json-patch, input untouched', (_name, ops) => {
    const input = doc();
    const result = applyPatchImmutable(input, ops);
    expect(result).toEqual(reference(doc(), ops));
    expect(input).toEqual(doc());
  });

  it('round-trips patches produced by compare() between realistic objects', () => {
    const before = aPod('p1');
    const after = structuredClone(before) as typeof before;
    after.spec.containers[0].env.push({ name: 'NEW', value: '1' });
    after.spec.containers[0].args.splice(0, 1);
    delete after.metadata.annotations;
    after.status = { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] };
    const ops = compare(before, after);
    expect(applyPatchImmutable(before, ops)).toEqual(after);
    expect(before).toEqual(aPod('p1'));
  });

  it('does not let a later operation reach into a value the patch inserted', () => {
    const value = { k: 1 };
    const ops: Operation[] = [{ op: 'add', path: '/v', value }, { op: 'replace', path: '/v/k', value: 2 }];
    expect(applyPatchImmutable({}, ops)).toEqual({ v: { k: 2 } });
    expect(value).toEqual({ k: 1 });
  });

  it.each<[string, Operation]>([
    ['remove of a missing member', { op: 'remove', path: '/a/zz' }],
    ['a path through a scalar', { op: 'add', path: '/a/b/c', value: 1 }],
    ['an index past the end', { op: 'add', path: '/a/c/9', value: 1 }],
    ['a non-numeric index', { op: 'replace', path: '/a/c/x', value: 1 }],
    ['a failed test', { op: 'test', path: '/a/b', value: 2 }],
  ])('rejects %s with PatchConflict', (_name, op) => {
    expect(() => applyPatchImmutable(doc(), [op])).toThrow(PatchConflict);
  });
});
