// The man pages (man/, written by scripts/man.mjs during `npm run build`) are current:
// every command in oclif.manifest.json has its page, every flag is documented on it,
// aliases are listed in tpod(1), regenerating changes nothing, and man(1) renders them.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { repoRoot } from '../helpers/paths.js';
import { tempDir } from '../helpers/tpod.js';

interface ManifestFlag {
  name: string;
  char?: string;
  hidden?: boolean;
}
interface ManifestCommand {
  id: string;
  aliases?: string[];
  hidden?: boolean;
  flags?: Record<string, ManifestFlag>;
  args?: Record<string, { name: string }>;
}

const manDir = join(repoRoot, 'man');
const manifest = JSON.parse(readFileSync(join(repoRoot, 'oclif.manifest.json'), 'utf8')) as { commands: Record<string, ManifestCommand> };
const commands = Object.values(manifest.commands);
const page = (id: string): string => join(manDir, `tpod-${id.split(':').join('-')}.1`);
/** How roff source spells a word typed on the command line (dashes escaped). */
const roffWord = (text: string): string => text.replace(/-/g, '\\-');

describe('man pages', () => {
  const regenerated = tempDir('tpod-man-');
  after(() => regenerated.remove());

  it('has a page for every command, named by its words (image ls → tpod-image-ls.1)', () => {
    assert.ok(commands.length > 10);
    const missing = commands.filter((command) => !existsSync(page(command.id))).map((command) => command.id);
    assert.deepEqual(missing, [], 'commands without a man page (run npm run build)');
    assert.ok(existsSync(join(manDir, 'tpod.1')));
  });

  it('documents every flag of a command on its page, with its short form', () => {
    const undocumented: string[] = [];
    for (const command of commands) {
      const text = readFileSync(page(command.id), 'utf8');
      for (const flag of Object.values(command.flags ?? {})) {
        if (flag.hidden) continue;
        if (!text.includes(`\\fB\\-\\-${roffWord(flag.name)}\\fR`)) undocumented.push(`${command.id} --${flag.name}`);
        if (flag.char && !text.includes(`\\fB\\-${flag.char}\\fR, \\fB\\-\\-${roffWord(flag.name)}`)) undocumented.push(`${command.id} -${flag.char}`);
      }
      for (const arg of Object.values(command.args ?? {})) {
        if (!text.includes(`\\fI${roffWord(arg.name.toUpperCase())}\\fR`)) undocumented.push(`${command.id} ${arg.name}`);
      }
    }
    assert.deepEqual(undocumented, []);
  });

  it('lists every command and alias in tpod(1)', () => {
    const text = readFileSync(join(manDir, 'tpod.1'), 'utf8');
    for (const command of commands) {
      for (const id of [command.id, ...(command.aliases ?? [])]) {
        assert.ok(text.includes(`\\fB${roffWord(id.split(':').join(' '))}\\fR`), `${id} in tpod.1`);
      }
    }
  });

  it('matches what scripts/man.mjs writes from the manifest now', () => {
    const r = spawnSync(process.execPath, [join(repoRoot, 'scripts', 'man.mjs'), regenerated.path], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const fresh = readdirSync(regenerated.path).sort();
    assert.deepEqual(readdirSync(manDir).filter((f) => /^tpod(-.*)?\.1$/.test(f)).sort(), fresh, 'stale or missing pages');
    for (const file of fresh) assert.equal(readFileSync(join(manDir, file), 'utf8'), readFileSync(join(regenerated.path, file), 'utf8'), file);
  });

  it('renders with man -l, without roff errors', () => {
    for (const file of ['tpod.1', 'tpod-run.1', 'tpod-generate-systemd.1', 'tpod-image-ls.1']) {
      const r = spawnSync('man', ['-l', join(manDir, file)], { encoding: 'utf8', env: { ...process.env, MANPAGER: 'cat', PAGER: 'cat', MANWIDTH: '80' } });
      assert.equal(r.status, 0, `${file}: ${r.stderr}`);
      assert.doesNotMatch(r.stderr, /error/i, file);
      const title = file.replace(/\.1$/, '');
      assert.match(r.stdout, new RegExp(`^${title.toUpperCase()}\\(1\\)`, 'm'), file);
      assert.match(r.stdout, /\nNAME\n/, file);
    }
    assert.match(spawnSync('man', ['-l', join(manDir, 'tpod-run.1')], { encoding: 'utf8', env: { ...process.env, MANPAGER: 'cat' } }).stdout, /--detach/);
  });
});
