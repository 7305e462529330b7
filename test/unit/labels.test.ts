/** Label parsing and matching (src/labels.ts): what `--label`, `--label-file` and `--filter label=` accept. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidArgumentError } from '../../src/errors.js';
import { containerLabels, labelFilter, matchesLabelFilter, parseLabelFile, parseLabelFlags } from '../../src/labels.js';

describe('labels', () => {
  it('flags: KEY=VALUE, KEY alone for "", values keep "=" and spaces, the last one wins', () => {
    assert.deepEqual(parseLabelFlags(['a=1', 'flag', 'eq=x=y', 'space=two words', 'a=2']), { a: '2', flag: '', eq: 'x=y', space: 'two words' });
  });

  it('files: comments, blank and CRLF lines; lines without "=" skipped; the line number in errors', () => {
    assert.deepEqual(parseLabelFile('# c\r\n\r\n  k=v \r\nbare\n', 'f'), { k: 'v' });
    assert.throws(() => parseLabelFile('ok=1\n=oops\n', 'labels.txt'), (err: unknown) => err instanceof InvalidArgumentError && err.message === 'invalid label labels.txt:2: the name is empty');
    assert.throws(() => parseLabelFlags(['a b=c']), /invalid label --label "a b=c": the name contains whitespace/);
  });

  it('a container\'s labels: the image\'s, its own over them', () => {
    assert.deepEqual(containerLabels({ a: 'image', b: 'image' }, { b: 'own', c: 'own' }), { a: 'image', b: 'own', c: 'own' });
    assert.deepEqual(containerLabels(undefined), {});
  });

  it('filters: label=KEY matches any value, label=KEY=VALUE exactly, never inherited keys', () => {
    const labels = { a: '1', empty: '', url: 'x=y' };
    assert.equal(matchesLabelFilter(labels, 'a'), true);
    assert.equal(matchesLabelFilter(labels, 'a=1'), true);
    assert.equal(matchesLabelFilter(labels, 'a=2'), false);
    assert.equal(matchesLabelFilter(labels, 'empty='), true);
    assert.equal(matchesLabelFilter(labels, 'url=x=y'), true);
    assert.equal(matchesLabelFilter(labels, 'toString'), false);
    assert.equal(matchesLabelFilter(undefined, 'a'), false);
  });

  it('label= and label!= filters as predicates; other filters are not theirs', () => {
    assert.equal(labelFilter('label=a=1')?.({ a: '1' }), true);
    assert.equal(labelFilter('label!=a=1')?.({ a: '1' }), false);
    assert.equal(labelFilter('label!=a')?.({ b: '1' }), true);
    assert.equal(labelFilter('status=exited'), undefined);
  });
});
