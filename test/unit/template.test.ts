// --format templates as podman users write them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidArgumentError } from '../../src/errors.js';
import { renderFormatted, renderOne } from '../../src/ui/output.js';

const info = { host: { kernel: '6.1.0', systemd: { reachable: true } }, Names: ['a'], Status: 'Up' };

describe('--format', () => {
  it('reads Go field names case-insensitively from JSON keys', () => {
    assert.equal(renderOne(info, '{{.Host.Kernel}} {{.Host.Systemd.Reachable}}'), '6.1.0 true');
  });
  it('prints json of a field', () => {
    assert.equal(renderOne(info, '{{json .Host.Systemd}}'), '{"reachable":true}');
  });
  it('prints <no value> for a missing field, as Go does for maps', () => {
    assert.equal(renderOne(info, '{{.Host.Nope}}'), '<no value>');
  });
  it('expands \\t and renders a table with headings', () => {
    const out = renderFormatted([{ Names: 'web', Status: 'Up 2 seconds' }, { Names: 'database', Status: 'Exited (0)' }], 'table {{.Names}}\\t{{.Status}}');
    assert.equal(out, ['NAMES       STATUS', 'web         Up 2 seconds', 'database    Exited (0)'].join('\n'));
  });
  it('renders json as an indented array for lists', () => {
    assert.deepEqual(JSON.parse(renderFormatted([{ a: 1 }], 'json')), [{ a: 1 }]);
  });
  it('supports upper, lower and truncate', () => {
    assert.equal(renderOne({ Id: 'abcdef123' }, '{{upper .Id}} {{truncate .Id 3}} {{lower .Id}}'), 'ABCDEF123 abc abcdef123');
  });
  it('refuses unsupported actions and unclosed braces with the template named', () => {
    assert.throws(() => renderOne(info, '{{range .Names}}x{{end}}'), InvalidArgumentError);
    assert.throws(() => renderOne(info, '{{.Host'), /unclosed action in --format template "\{\{\.Host"/);
  });
});
