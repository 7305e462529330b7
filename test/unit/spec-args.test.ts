import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidArgumentError } from '../../src/errors.js';
import type { ContainerConfig } from '../../src/oci/types.js';
import { parseEntrypoint, processArgs } from '../../src/spec/args.js';

describe('processArgs: entrypoint and command rules (podman makeCommand)', () => {
  const cases: Array<{ name: string; image: ContainerConfig; entrypoint?: string[]; command?: string[]; want: string[] }> = [
    { name: 'image Cmd only', image: { Cmd: ['sh'] }, want: ['sh'] },
    { name: 'command replaces Cmd', image: { Cmd: ['sh'] }, command: ['echo', 'hi'], want: ['echo', 'hi'] },
    { name: 'image Entrypoint + Cmd', image: { Entrypoint: ['/init'], Cmd: ['--serve'] }, want: ['/init', '--serve'] },
    { name: 'image Entrypoint + command', image: { Entrypoint: ['/init'], Cmd: ['--serve'] }, command: ['--debug'], want: ['/init', '--debug'] },
    { name: '--entrypoint drops image Cmd', image: { Entrypoint: ['/init'], Cmd: ['--serve'] }, entrypoint: ['/bin/sh'], want: ['/bin/sh'] },
    { name: '--entrypoint + command', image: { Cmd: ['sh'] }, entrypoint: ['/bin/sh', '-c'], command: ['exit 3'], want: ['/bin/sh', '-c', 'exit 3'] },
    { name: '--entrypoint "" clears it, command runs', image: { Entrypoint: ['/init'] }, entrypoint: [''], command: ['ls'], want: ['ls'] },
    { name: 'empty command means none', image: { Cmd: ['sh'] }, command: [], want: ['sh'] },
    { name: 'null Entrypoint and Cmd with command', image: { Entrypoint: null, Cmd: null }, command: ['true'], want: ['true'] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const options: { entrypoint?: string[]; command?: string[] } = {};
      if (c.entrypoint) options.entrypoint = c.entrypoint;
      if (c.command) options.command = c.command;
      assert.deepEqual(processArgs(c.image, options), c.want);
    });
  }

  const none = (image: ContainerConfig | undefined, options: { entrypoint?: string[] }) => () => processArgs(image, options);
  it('fails with no command at all', () => {
    for (const run of [none({}, {}), none(undefined, {}), none({ Cmd: ['sh'] }, { entrypoint: [''] }), none({ Cmd: [] }, {})]) {
      assert.throws(run, (err: unknown) => err instanceof InvalidArgumentError && err.message === 'no command or entrypoint specified for image');
    }
  });
});

describe('parseEntrypoint', () => {
  it('decodes a JSON array of strings', () => {
    assert.deepEqual(parseEntrypoint('["/bin/sh","-c"]'), ['/bin/sh', '-c']);
    assert.deepEqual(parseEntrypoint('[]'), []);
  });
  it('takes anything else as one program', () => {
    assert.deepEqual(parseEntrypoint('/bin/sh -c'), ['/bin/sh -c']);
    assert.deepEqual(parseEntrypoint(''), ['']);
    assert.deepEqual(parseEntrypoint('[1,2]'), ['[1,2]']);
    assert.deepEqual(parseEntrypoint('[not json'), ['[not json']);
  });
});
