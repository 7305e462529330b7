import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { InvalidArgumentError, NotFoundError, PermissionDeniedError } from '../../src/errors.js';
import { parseReference } from '../../src/reference/reference.js';
import {
  loadRegistriesConfig,
  type LoadRegistriesOptions,
  type RegistriesConfig,
  registriesConfigSources,
  resolvePullSources,
  searchRegistries,
} from '../../src/registries/config.js';

const SHA256 = `sha256:${'0123456789abcdef'.repeat(4)}`;

const scratch = mkdtempSync(join(tmpdir(), 'tpod-registries-test-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** A fresh fake filesystem root: `etc/containers/...` for the system, `home/...` for the user. */
function sandbox(files: Record<string, string> = {}): { root: string; home: string; path: (rel: string) => string } {
  const root = mkdtempSync(join(scratch, 'case-'));
  for (const [rel, text] of Object.entries(files)) {
    const file = join(root, rel);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
  }
  return { root, home: join(root, 'home'), path: (rel) => join(root, rel) };
}

function load(box: ReturnType<typeof sandbox>, options: LoadRegistriesOptions = {}): RegistriesConfig {
  return loadRegistriesConfig({ systemRoot: box.root, env: { HOME: box.home }, rootless: false, ...options });
}

/** A config from one registries.conf text, read as the system file. */
function configOf(text: string): RegistriesConfig {
  return load(sandbox({ 'etc/containers/registries.conf': text }));
}

function sources(input: string, config: RegistriesConfig): Array<[string, { insecure: boolean; mirror: boolean }]> {
  const ref = parseReference(input);
  const qualified = ref.shortName ? ref.withRegistry('docker.io') : ref;
  return resolvePullSources(qualified, config).map((s) => [s.reference.toString(), { insecure: s.insecure, mirror: s.mirror }]);
}

const primary = { insecure: false, mirror: false };
const mirror = { insecure: false, mirror: true };

describe('loadRegistriesConfig: which files are read', () => {
  it('with no file at all: nothing read, short names go to docker.io', () => {
    const config = load(sandbox());
    assert.deepEqual(config.files, []);
    assert.deepEqual(config.registries, []);
    assert.equal(config.unqualifiedSearchRegistries, undefined);
    assert.deepEqual(searchRegistries(config), ['docker.io']);
  });

  it('root: system file, then registries.conf.d/*.conf in lexical order, later files win', () => {
    const box = sandbox({
      'etc/containers/registries.conf': 'unqualified-search-registries = ["a.io"]\n[[registry]]\nlocation = "keep.io"\n',
      'etc/containers/registries.conf.d/20-b.conf': 'unqualified-search-registries = ["b.io", "c.io"]\n[[registry]]\nlocation = "r.io"\ninsecure = true\n',
      'etc/containers/registries.conf.d/10-a.conf': '[[registry]]\nlocation = "r.io"\n[[registry]]\nlocation = "other.io"\n',
      'etc/containers/registries.conf.d/30-ignored.conf.bak': 'not toml at all [',
      'etc/containers/registries.conf.d/40-dir.conf/x.conf': 'not toml at all [',
    });
    const config = load(box);
    assert.deepEqual(config.files, [
      box.path('etc/containers/registries.conf'),
      box.path('etc/containers/registries.conf.d/10-a.conf'),
      box.path('etc/containers/registries.conf.d/20-b.conf'),
    ]);
    assert.deepEqual(searchRegistries(config), ['b.io', 'c.io']);
    assert.equal(config.searchRegistriesOrigin, box.path('etc/containers/registries.conf.d/20-b.conf'));
    // [[registry]] tables merge by prefix: r.io replaced by 20-b.conf, the others kept.
    assert.deepEqual(config.registries.map((r) => [r.prefix, r.insecure]), [['keep.io', false], ['other.io', false], ['r.io', true]]);
    assert.equal(config.registries.find((r) => r.prefix === 'r.io')?.origin, box.path('etc/containers/registries.conf.d/20-b.conf'));
  });

  it('a drop-in without unqualified-search-registries keeps the earlier list', () => {
    const box = sandbox({
      'etc/containers/registries.conf': 'unqualified-search-registries = ["a.io"]\n',
      'etc/containers/registries.conf.d/x.conf': '[[registry]]\nlocation = "r.io"\n',
    });
    const config = load(box);
    assert.deepEqual(searchRegistries(config), ['a.io']);
    assert.equal(config.searchRegistriesOrigin, box.path('etc/containers/registries.conf'));
  });

  it('a drop-in with unqualified-search-registries = [] empties the list (no docker.io fallback)', () => {
    const config = load(sandbox({
      'etc/containers/registries.conf': 'unqualified-search-registries = ["a.io"]\n',
      'etc/containers/registries.conf.d/x.conf': 'unqualified-search-registries = []\n',
    }));
    assert.deepEqual(config.unqualifiedSearchRegistries, []);
    assert.deepEqual(searchRegistries(config), []);
  });

  it('drop-ins apply without a main file', () => {
    const config = load(sandbox({ 'etc/containers/registries.conf.d/x.conf': 'unqualified-search-registries = ["d.io"]\n' }));
    assert.deepEqual(searchRegistries(config), ['d.io']);
  });

  it('root ignores the user file', () => {
    const config = load(sandbox({
      'etc/containers/registries.conf': 'unqualified-search-registries = ["system.io"]\n',
      'home/.config/containers/registries.conf': 'unqualified-search-registries = ["user.io"]\n',
      'home/.config/containers/registries.conf.d/x.conf': 'unqualified-search-registries = ["user-d.io"]\n',
    }), { rootless: false });
    assert.deepEqual(searchRegistries(config), ['system.io']);
  });

  it('rootless: ~/.config/containers/registries.conf replaces the system file and its drop-ins', () => {
    const box = sandbox({
      'etc/containers/registries.conf': 'unqualified-search-registries = ["system.io"]\n[[registry]]\nlocation = "sys.io"\n',
      'etc/containers/registries.conf.d/x.conf': '[[registry]]\nlocation = "sys-d.io"\n',
      'home/.config/containers/registries.conf': 'unqualified-search-registries = ["user.io"]\n',
      'home/.config/containers/registries.conf.d/x.conf': '[[registry]]\nlocation = "user-d.io"\n',
    });
    const config = load(box, { rootless: true });
    assert.deepEqual(config.files, [
      box.path('home/.config/containers/registries.conf'),
      box.path('home/.config/containers/registries.conf.d/x.conf'),
    ]);
    assert.deepEqual(searchRegistries(config), ['user.io']);
    assert.deepEqual(config.registries.map((r) => r.prefix), ['user-d.io']);
  });

  it('rootless without a user file: system file, system drop-ins, then user drop-ins', () => {
    const box = sandbox({
      'etc/containers/registries.conf': 'unqualified-search-registries = ["system.io"]\n',
      'etc/containers/registries.conf.d/z.conf': 'unqualified-search-registries = ["system-d.io"]\n',
      'home/.config/containers/registries.conf.d/a.conf': 'unqualified-search-registries = ["user-d.io"]\n',
    });
    const config = load(box, { rootless: true });
    assert.deepEqual(config.files, [
      box.path('etc/containers/registries.conf'),
      box.path('etc/containers/registries.conf.d/z.conf'),
      box.path('home/.config/containers/registries.conf.d/a.conf'),
    ]);
    assert.deepEqual(searchRegistries(config), ['user-d.io']);
  });

  it('rootless: $XDG_CONFIG_HOME is used when absolute, ignored when relative', () => {
    const box = sandbox({
      'xdg/containers/registries.conf': 'unqualified-search-registries = ["xdg.io"]\n',
      'home/.config/containers/registries.conf': 'unqualified-search-registries = ["home.io"]\n',
    });
    const withXdg = load(box, { rootless: true, env: { HOME: box.home, XDG_CONFIG_HOME: box.path('xdg') } });
    assert.deepEqual(searchRegistries(withXdg), ['xdg.io']);
    const relative = load(box, { rootless: true, env: { HOME: box.home, XDG_CONFIG_HOME: 'xdg' } });
    assert.deepEqual(searchRegistries(relative), ['home.io']);
  });

  it('TPOD_REGISTRIES_CONF replaces every default file, drop-ins included', () => {
    const box = sandbox({
      'etc/containers/registries.conf': 'unqualified-search-registries = ["system.io"]\n',
      'etc/containers/registries.conf.d/x.conf': 'unqualified-search-registries = ["drop-in.io"]\n',
      'home/.config/containers/registries.conf': 'unqualified-search-registries = ["user.io"]\n',
      'env.conf': 'unqualified-search-registries = ["env.io"]\n',
    });
    const config = load(box, { rootless: true, env: { HOME: box.home, TPOD_REGISTRIES_CONF: box.path('env.conf') } });
    assert.deepEqual(config.files, [box.path('env.conf')]);
    assert.deepEqual(searchRegistries(config), ['env.io']);
  });

  it('--registries-conf wins over TPOD_REGISTRIES_CONF', () => {
    const box = sandbox({
      'env.conf': 'unqualified-search-registries = ["env.io"]\n',
      'flag.conf': 'unqualified-search-registries = ["flag.io"]\n',
    });
    const config = load(box, { path: box.path('flag.conf'), env: { HOME: box.home, TPOD_REGISTRIES_CONF: box.path('env.conf') } });
    assert.deepEqual(searchRegistries(config), ['flag.io']);
  });

  it('a named file that does not exist is an error; a missing default file is not', () => {
    const box = sandbox();
    assert.throws(() => load(box, { path: box.path('nope.conf') }), (err: unknown) => {
      assert.ok(err instanceof NotFoundError);
      assert.equal(err.message, `registries configuration file not found: "${box.path('nope.conf')}"`);
      return true;
    });
    assert.throws(() => load(box, { env: { HOME: box.home, TPOD_REGISTRIES_CONF: box.path('nope.conf') } }), NotFoundError);
    assert.doesNotThrow(() => load(box, { rootless: true }));
  });

  it('registriesConfigSources reports the paths it would read', () => {
    const box = sandbox();
    assert.deepEqual(registriesConfigSources({ systemRoot: box.root, rootless: false, env: {} }), {
      main: box.path('etc/containers/registries.conf'),
      mainRequired: false,
      dropInDirs: [box.path('etc/containers/registries.conf.d')],
    });
    assert.deepEqual(registriesConfigSources({ rootless: false, env: {} }).main, '/etc/containers/registries.conf');
    assert.deepEqual(registriesConfigSources({ rootless: true, env: { HOME: box.home } }).dropInDirs, [
      '/etc/containers/registries.conf.d',
      join(box.home, '.config/containers/registries.conf.d'),
    ]);
  });
});

describe('registries.conf parsing', () => {
  it('defaults prefix to location and trims trailing slashes', () => {
    const config = configOf('unqualified-search-registries = ["quay.io/", "localhost:5000"]\n[[registry]]\nlocation = "example.com/foo/"\n');
    assert.deepEqual(searchRegistries(config), ['quay.io', 'localhost:5000']);
    assert.equal(config.registries[0]?.prefix, 'example.com/foo');
    assert.equal(config.registries[0]?.location, 'example.com/foo');
  });

  it('reads every [[registry]] and [[registry.mirror]] field', () => {
    const config = configOf(`
[[registry]]
prefix = "example.com/foo"
location = "internal.example.net/bar"
insecure = true
blocked = false
mirror-by-digest-only = true

[[registry.mirror]]
location = "mirror-0.local/foo"

[[registry.mirror]]
location = "mirror-1.local/foo"
insecure = true
`);
    assert.deepEqual(config.registries, [{
      prefix: 'example.com/foo',
      location: 'internal.example.net/bar',
      insecure: true,
      blocked: false,
      mirrorByDigestOnly: true,
      mirrors: [
        { location: 'mirror-0.local/foo', insecure: false, pullFromMirror: 'all' },
        { location: 'mirror-1.local/foo', insecure: true, pullFromMirror: 'all' },
      ],
      origin: config.files[0],
    }]);
  });

  it('keeps the first table of a prefix repeated in one file', () => {
    const config = configOf('[[registry]]\nprefix = "p.io"\nlocation = "first.io"\n[[registry]]\nprefix = "p.io"\nlocation = "second.io"\n');
    assert.deepEqual(config.registries.map((r) => r.location), ['first.io']);
  });

  it('ignores keys tpod does not act on', () => {
    const config = configOf(`
short-name-mode = "enforcing"
credential-helpers = ["containers-auth.json"]
unqualified-search-registries = ["docker.io"]
[aliases]
"fedora" = "registry.fedoraproject.org/fedora"
[[registry]]
location = "r.io"
some-future-key = 1
`);
    assert.deepEqual(searchRegistries(config), ['docker.io']);
    assert.equal(config.registries.length, 1);
  });

  const invalid: Array<[what: string, text: string, detail: string]> = [
    ['malformed TOML', 'unqualified-search-registries = [\n', 'invalid TOML at line 2, column 1: '],
    ['a value with no key', '= 1\n', 'invalid TOML at line 1'],
    ['version 1', '[registries.search]\nregistries = ["docker.io"]\n', 'version 1 format ([registries.search], [registries.insecure], [registries.block]) is not supported'],
    ['version 1 mixed with version 2', 'unqualified-search-registries = ["a.io"]\n[registries.block]\nregistries = []\n', 'version 1 format'],
    ['search registries not an array', 'unqualified-search-registries = "docker.io"\n', 'unqualified-search-registries must be an array of host[:port] strings'],
    ['a search registry not a string', 'unqualified-search-registries = [1]\n', 'unqualified-search-registries must be an array of host[:port] strings'],
    ['a search registry with a namespace', 'unqualified-search-registries = ["quay.io/ns"]\n', 'unqualified-search-registries entry "quay.io/ns" is not host[:port]'],
    ['a search registry with a scheme', 'unqualified-search-registries = ["https://quay.io"]\n', 'unqualified-search-registries "https://quay.io": URI schemes are not supported'],
    ['registry not an array of tables', 'registry = "r.io"\n', 'registry must be an array of tables ([[registry]])'],
    ['insecure not a boolean', '[[registry]]\nlocation = "r.io"\ninsecure = "yes"\n', '[[registry]] #1: insecure must be true or false'],
    ['blocked not a boolean', '[[registry]]\nlocation = "r.io"\nblocked = 1\n', '[[registry]] #1: blocked must be true or false'],
    ['location not a string', '[[registry]]\nlocation = 5\n', '[[registry]] #1: location must be a string'],
    ['a location with a scheme', '[[registry]]\nlocation = "http://r.io"\n', '[[registry]] #1 location "http://r.io": URI schemes are not supported'],
    ['no prefix and no location', '[[registry]]\ninsecure = true\n', '[[registry]] #1: both location and prefix are unset'],
    ['a prefix without location', '[[registry]]\nprefix = "p.io"\n', '[[registry]] #1: location is unset and prefix "p.io" is not in the format *.example.com'],
    ['a wildcard prefix with a namespace', '[[registry]]\nprefix = "*.example.com/ns"\n', '[[registry]] #1: wildcarded prefix must be in the format *.example.com, not "*.example.com/ns"'],
    ['pull-from-mirror on a registry', '[[registry]]\nlocation = "r.io"\npull-from-mirror = "all"\n', '[[registry]] #1: pull-from-mirror must not be set for a non-mirror registry "r.io"'],
    ['a mirror without location', '[[registry]]\nlocation = "r.io"\n[[registry.mirror]]\ninsecure = true\n', '[[registry]] #1 mirror #1: location is unset'],
    ['mirror not an array of tables', '[[registry]]\nlocation = "r.io"\nmirror = ["m.io"]\n', '[[registry]] #1 mirror must be an array of tables'],
    ['an unknown pull-from-mirror', '[[registry]]\nlocation = "r.io"\n[[registry.mirror]]\nlocation = "m.io"\npull-from-mirror = "sometimes"\n', '[[registry]] #1 mirror #1: unsupported pull-from-mirror value "sometimes" (use all, digest-only or tag-only)'],
    ['pull-from-mirror with mirror-by-digest-only', '[[registry]]\nlocation = "r.io"\nmirror-by-digest-only = true\n[[registry.mirror]]\nlocation = "m.io"\npull-from-mirror = "tag-only"\n', '[[registry]] #1 mirror #1: pull-from-mirror cannot be set when the registry sets mirror-by-digest-only'],
    ['conflicting insecure', '[[registry]]\nprefix = "a.io"\nlocation = "r.io"\ninsecure = true\n[[registry]]\nprefix = "b.io"\nlocation = "r.io"\n', 'registry "r.io" is defined multiple times with conflicting insecure setting'],
    ['conflicting blocked', '[[registry]]\nprefix = "a.io"\nlocation = "r.io"\n[[registry]]\nprefix = "b.io"\nlocation = "r.io"\nblocked = true\n', 'registry "r.io" is defined multiple times with conflicting blocked setting'],
  ];
  for (const [what, text, detail] of invalid) {
    it(`refuses ${what}, naming the file in one line`, () => {
      const box = sandbox({ 'etc/containers/registries.conf.d/bad.conf': text });
      const file = box.path('etc/containers/registries.conf.d/bad.conf');
      assert.throws(() => load(box), (err: unknown) => {
        assert.ok(err instanceof InvalidArgumentError, String(err));
        assert.ok(err.message.startsWith(`invalid registries configuration "${file}": ${detail}`), err.message);
        assert.ok(!err.message.includes('\n'), 'message is one line');
        return true;
      });
    });
  }

  it('tells a version 1 user how to convert', () => {
    assert.throws(() => configOf('[registries.insecure]\nregistries = ["r.io"]\n'), (err: unknown) => {
      assert.ok(err instanceof InvalidArgumentError);
      assert.match(err.hint ?? '', /version 2: unqualified-search-registries = \[\.\.\.\] and \[\[registry\]\] tables/);
      return true;
    });
  });
});

describe('resolvePullSources', () => {
  it('without a matching table: the reference itself, secure', () => {
    const config = configOf('[[registry]]\nlocation = "quay.io"\ninsecure = true\n');
    assert.deepEqual(sources('busybox', config), [['docker.io/library/busybox:latest', primary]]);
    assert.deepEqual(sources('ghcr.io/a/b:1', configOf('')), [['ghcr.io/a/b:1', primary]]);
  });

  it('the man page example: mirrors in order, then the rewritten primary', () => {
    const config = configOf(`
unqualified-search-registries = ["example.com"]
[[registry]]
prefix = "example.com/foo"
insecure = false
blocked = false
location = "internal-registry-for-example.net/bar"
[[registry.mirror]]
location = "example-mirror-0.local/mirror-for-foo"
[[registry.mirror]]
location = "example-mirror-1.local/mirrors/foo"
insecure = true
`);
    assert.deepEqual(sources('example.com/foo/image:latest', config), [
      ['example-mirror-0.local/mirror-for-foo/image:latest', mirror],
      ['example-mirror-1.local/mirrors/foo/image:latest', { insecure: true, mirror: true }],
      ['internal-registry-for-example.net/bar/image:latest', primary],
    ]);
  });

  it('a local mirror of docker.io serves `busybox`', () => {
    const config = configOf('[[registry]]\nlocation = "docker.io"\n[[registry.mirror]]\nlocation = "localhost:5000"\ninsecure = true\n');
    const ref = parseReference('busybox').withRegistry(searchRegistries(config)[0] ?? '');
    const resolved = resolvePullSources(ref, config);
    assert.deepEqual(resolved.map((s) => [s.reference.toString(), s.insecure, s.mirror]), [
      ['localhost:5000/library/busybox:latest', true, true],
      ['docker.io/library/busybox:latest', false, false],
    ]);
    assert.equal(resolved[0]?.reference.registry, 'localhost:5000');
    assert.equal(resolved[0]?.reference.repository, 'library/busybox');
  });

  it('a mirror location may add a namespace', () => {
    const config = configOf('[[registry]]\nlocation = "docker.io"\n[[registry.mirror]]\nlocation = "mirror.local/dockerhub/"\n');
    assert.deepEqual(sources('user/img:v1', config), [
      ['mirror.local/dockerhub/user/img:v1', mirror],
      ['docker.io/user/img:v1', primary],
    ]);
  });

  it('the longest matching prefix wins', () => {
    const config = configOf(`
[[registry]]
location = "docker.io"
[[registry.mirror]]
location = "all.local"
[[registry]]
prefix = "docker.io/library"
location = "docker.io/library"
[[registry.mirror]]
location = "official.local/lib"
`);
    assert.deepEqual(sources('busybox', config), [
      ['official.local/lib/busybox:latest', mirror],
      ['docker.io/library/busybox:latest', primary],
    ]);
    assert.deepEqual(sources('user/img', config)[0], ['all.local/user/img:latest', mirror]);
  });

  it('a prefix must end at "/", ":" or "@"', () => {
    const config = configOf('[[registry]]\nprefix = "example.com/foo"\nlocation = "other.com/foo"\n');
    assert.deepEqual(sources('example.com/foobar/x', config), [['example.com/foobar/x:latest', primary]]);
    assert.deepEqual(sources('example.com/foo/x', config), [['other.com/foo/x:latest', primary]]);
    assert.deepEqual(sources('example.com/foo:v1', config), [['other.com/foo:v1', primary]]);
  });

  it('a prefix may name a tag', () => {
    const config = configOf('[[registry]]\nprefix = "quay.io/x:v1"\nlocation = "pinned.local/x:v1-mirror"\n');
    assert.deepEqual(sources('quay.io/x:v1', config), [['pinned.local/x:v1-mirror', primary]]);
    assert.deepEqual(sources('quay.io/x:v2', config), [['quay.io/x:v2', primary]]);
  });

  it('insecure on the primary location', () => {
    const config = configOf('[[registry]]\nlocation = "localhost:5000"\ninsecure = true\n');
    assert.deepEqual(sources('localhost:5000/a/b', config), [['localhost:5000/a/b:latest', { insecure: true, mirror: false }]]);
  });

  it('mirror-by-digest-only keeps mirrors out of tag pulls', () => {
    const config = configOf('[[registry]]\nlocation = "docker.io"\nmirror-by-digest-only = true\n[[registry.mirror]]\nlocation = "m.local"\n');
    assert.deepEqual(sources('busybox:1.36', config), [['docker.io/library/busybox:1.36', primary]]);
    assert.deepEqual(sources(`busybox@${SHA256}`, config), [
      [`m.local/library/busybox@${SHA256}`, mirror],
      [`docker.io/library/busybox@${SHA256}`, primary],
    ]);
    // A tag and a digest together pull by digest, so mirrors apply.
    assert.equal(sources(`busybox:1.36@${SHA256}`, config).length, 2);
  });

  it('pull-from-mirror narrows one mirror to digest or tag pulls', () => {
    const config = configOf(`
[[registry]]
location = "docker.io"
[[registry.mirror]]
location = "digests.local"
pull-from-mirror = "digest-only"
[[registry.mirror]]
location = "tags.local"
pull-from-mirror = "tag-only"
[[registry.mirror]]
location = "any.local"
pull-from-mirror = "all"
`);
    assert.deepEqual(sources('busybox', config).map(([ref]) => ref), [
      'tags.local/library/busybox:latest',
      'any.local/library/busybox:latest',
      'docker.io/library/busybox:latest',
    ]);
    assert.deepEqual(sources(`busybox@${SHA256}`, config).map(([ref]) => ref), [
      `digests.local/library/busybox@${SHA256}`,
      `any.local/library/busybox@${SHA256}`,
      `docker.io/library/busybox@${SHA256}`,
    ]);
  });

  it('a blocked registry refuses the pull, naming prefix and file', () => {
    const box = sandbox({ 'etc/containers/registries.conf': '[[registry]]\nprefix = "docker.io"\nlocation = "docker.io"\nblocked = true\n' });
    const config = load(box);
    assert.throws(() => sources('busybox', config), (err: unknown) => {
      assert.ok(err instanceof PermissionDeniedError);
      assert.equal(
        err.message,
        `pulling "docker.io/library/busybox:latest" is blocked: registry "docker.io" has blocked = true in "${box.path('etc/containers/registries.conf')}"`,
      );
      return true;
    });
    assert.deepEqual(sources('quay.io/x', config), [['quay.io/x:latest', primary]]);
  });

  it('blocking applies to the endpoint contacted: a mirror of a blocked registry still serves it', () => {
    const config = configOf('[[registry]]\nlocation = "docker.io"\nblocked = true\n[[registry.mirror]]\nlocation = "m.local"\n');
    assert.deepEqual(sources('busybox', config), [['m.local/library/busybox:latest', mirror]]);
  });

  it('a mirror on a blocked registry is skipped', () => {
    const config = configOf(`
[[registry]]
location = "docker.io"
[[registry.mirror]]
location = "bad.local"
[[registry]]
location = "bad.local"
blocked = true
`);
    assert.deepEqual(sources('busybox', config), [['docker.io/library/busybox:latest', primary]]);
  });

  it('a wildcard prefix without location chooses settings for every subdomain', () => {
    const config = configOf('[[registry]]\nprefix = "*.internal.example"\ninsecure = true\n');
    assert.deepEqual(sources('a.internal.example/x', config), [['a.internal.example/x:latest', { insecure: true, mirror: false }]]);
    assert.deepEqual(sources('a.b.internal.example:5000/x', config), [['a.b.internal.example:5000/x:latest', { insecure: true, mirror: false }]]);
    assert.deepEqual(sources('internal.example/x', config), [['internal.example/x:latest', primary]]);
    assert.deepEqual(sources('evil.com/a.internal.example', config), [['evil.com/a.internal.example:latest', primary]]);
  });

  it('refuses a short name that was not resolved first', () => {
    assert.throws(() => resolvePullSources(parseReference('busybox'), configOf('')), {
      name: 'InvalidArgumentError',
      message: 'short name "busybox:latest" must be resolved against a search registry before pulling',
    });
  });

  it('refuses a location that does not start with a registry host', () => {
    const config = configOf('[[registry]]\nprefix = "example.com"\nlocation = "mirror/foo"\n');
    assert.throws(() => sources('example.com/x', config), (err: unknown) => {
      assert.ok(err instanceof InvalidArgumentError);
      assert.match(err.message, /rewrites "example.com\/x:latest" to "mirror\/foo\/x:latest", which is not a fully-qualified reference/);
      return true;
    });
    const upper = configOf('[[registry]]\nprefix = "example.com"\nlocation = "mirror.local/Foo"\n');
    assert.throws(() => sources('example.com/x', upper), /rewrites .*: invalid reference format: repository name must be lowercase/);
  });

  it('short names: each search registry in order, each with its own pull sources', () => {
    const config = configOf(`
unqualified-search-registries = ["quay.io", "docker.io"]
[[registry]]
location = "docker.io"
[[registry.mirror]]
location = "hub-mirror.local"
`);
    const short = parseReference('busybox:1.36');
    const plan = searchRegistries(config).map((host) =>
      resolvePullSources(short.withRegistry(host), config).map((s) => s.reference.toString()),
    );
    assert.deepEqual(plan, [
      ['quay.io/busybox:1.36'],
      ['hub-mirror.local/library/busybox:1.36', 'docker.io/library/busybox:1.36'],
    ]);
  });
});
