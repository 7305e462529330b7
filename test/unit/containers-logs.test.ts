import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { emitJournalEntry } from '../../src/containers/logs.js';

/** Collects what emitJournalEntry writes, per stream. */
function sink(): { out: string[]; err: string[]; stdout(t: string): void; stderr(t: string): void } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdout: (t) => out.push(t), stderr: (t) => err.push(t) };
}

describe('journald log entries (journalctl -o json)', () => {
  it('sends PRIORITY 3 to stderr and 6 to stdout, keeping conmon\'s newline', () => {
    const s = sink();
    emitJournalEntry(JSON.stringify({ MESSAGE: 'out\n', PRIORITY: '6' }), {}, s);
    emitJournalEntry(JSON.stringify({ MESSAGE: 'err\n', PRIORITY: '3' }), {}, s);
    emitJournalEntry(JSON.stringify({ MESSAGE: 'partial', PRIORITY: '6' }), {}, s);
    assert.deepEqual(s.out, ['out\n', 'partial']);
    assert.deepEqual(s.err, ['err\n']);
  });
  it('prefixes the entry\'s own time with -t', () => {
    const s = sink();
    emitJournalEntry(JSON.stringify({ MESSAGE: 'x\n', PRIORITY: '6', __REALTIME_TIMESTAMP: '1700000000123456' }), { timestamps: true }, s);
    assert.deepEqual(s.out, ['2023-11-14T22:13:20.123Z x\n']);
  });
  it('decodes a message journald stored as bytes, and ignores lines that are not JSON', () => {
    const s = sink();
    emitJournalEntry(JSON.stringify({ MESSAGE: [104, 105, 10], PRIORITY: '6' }), {}, s);
    emitJournalEntry('', {}, s);
    emitJournalEntry('-- No entries --', {}, s);
    assert.deepEqual(s.out, ['hi\n']);
    assert.deepEqual(s.err, []);
  });
});
