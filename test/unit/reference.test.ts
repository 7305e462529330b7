import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidArgumentError } from '../../src/errors.js';
import { Digest, isDigest, parseDigest, parseReference } from '../../src/reference/reference.js';

const HEX = '0123456789abcdef';
const SHA256 = `sha256:${HEX.repeat(4)}`;
const SHA384 = `sha384:${HEX.repeat(6)}`;
const SHA512 = `sha512:${HEX.repeat(8)}`;

interface Normalised {
  input: string;
  full: string;
  registry: string;
  repository: string;
  tag?: string;
  digest?: string;
  short: boolean;
  familiar: string;
}

const normalised: Normalised[] = [
  // Docker Hub short names: library/ only for one-component names.
  { input: 'busybox', full: 'docker.io/library/busybox:latest', registry: 'docker.io', repository: 'library/busybox', tag: 'latest', short: true, familiar: 'busybox:latest' },
  { input: 'busybox:1.36', full: 'docker.io/library/busybox:1.36', registry: 'docker.io', repository: 'library/busybox', tag: '1.36', short: true, familiar: 'busybox:1.36' },
  { input: 'user/img', full: 'docker.io/user/img:latest', registry: 'docker.io', repository: 'user/img', tag: 'latest', short: true, familiar: 'user/img:latest' },
  { input: 'library/busybox', full: 'docker.io/library/busybox:latest', registry: 'docker.io', repository: 'library/busybox', tag: 'latest', short: true, familiar: 'busybox:latest' },
  { input: 'a/b/c', full: 'docker.io/a/b/c:latest', registry: 'docker.io', repository: 'a/b/c', tag: 'latest', short: true, familiar: 'a/b/c:latest' },
  // A first component without "." or ":" that is not localhost is a namespace, not a host.
  { input: 'myhost/img', full: 'docker.io/myhost/img:latest', registry: 'docker.io', repository: 'myhost/img', tag: 'latest', short: true, familiar: 'myhost/img:latest' },
  // Without a "/" there is no registry: ":5000" is a tag.
  { input: 'localhost:5000', full: 'docker.io/library/localhost:5000', registry: 'docker.io', repository: 'library/localhost', tag: '5000', short: true, familiar: 'localhost:5000' },
  // Explicit Docker Hub is fully qualified, and still gets library/.
  { input: 'docker.io/busybox', full: 'docker.io/library/busybox:latest', registry: 'docker.io', repository: 'library/busybox', tag: 'latest', short: false, familiar: 'busybox:latest' },
  { input: 'docker.io/library/busybox:musl', full: 'docker.io/library/busybox:musl', registry: 'docker.io', repository: 'library/busybox', tag: 'musl', short: false, familiar: 'busybox:musl' },
  { input: 'docker.io/user/img:v1', full: 'docker.io/user/img:v1', registry: 'docker.io', repository: 'user/img', tag: 'v1', short: false, familiar: 'user/img:v1' },
  { input: 'index.docker.io/busybox', full: 'docker.io/library/busybox:latest', registry: 'docker.io', repository: 'library/busybox', tag: 'latest', short: false, familiar: 'busybox:latest' },
  // Other registries: no library/.
  { input: 'quay.io/x', full: 'quay.io/x:latest', registry: 'quay.io', repository: 'x', tag: 'latest', short: false, familiar: 'quay.io/x:latest' },
  { input: 'quay.io/podman/stable:v5', full: 'quay.io/podman/stable:v5', registry: 'quay.io', repository: 'podman/stable', tag: 'v5', short: false, familiar: 'quay.io/podman/stable:v5' },
  { input: 'localhost/img', full: 'localhost/img:latest', registry: 'localhost', repository: 'img', tag: 'latest', short: false, familiar: 'localhost/img:latest' },
  { input: 'localhost:5000/a/b', full: 'localhost:5000/a/b:latest', registry: 'localhost:5000', repository: 'a/b', tag: 'latest', short: false, familiar: 'localhost:5000/a/b:latest' },
  { input: 'registry.example.com:5000/ns/repo:tag', full: 'registry.example.com:5000/ns/repo:tag', registry: 'registry.example.com:5000', repository: 'ns/repo', tag: 'tag', short: false, familiar: 'registry.example.com:5000/ns/repo:tag' },
  { input: '127.0.0.1:5000/img', full: '127.0.0.1:5000/img:latest', registry: '127.0.0.1:5000', repository: 'img', tag: 'latest', short: false, familiar: '127.0.0.1:5000/img:latest' },
  { input: 'my-registry.local/a', full: 'my-registry.local/a:latest', registry: 'my-registry.local', repository: 'a', tag: 'latest', short: false, familiar: 'my-registry.local/a:latest' },
  // Digests: a digest alone leaves the reference untagged; tag and digest are both kept.
  { input: `busybox@${SHA256}`, full: `docker.io/library/busybox@${SHA256}`, registry: 'docker.io', repository: 'library/busybox', digest: SHA256, short: true, familiar: `busybox@${SHA256}` },
  { input: `busybox:1.36@${SHA256}`, full: `docker.io/library/busybox:1.36@${SHA256}`, registry: 'docker.io', repository: 'library/busybox', tag: '1.36', digest: SHA256, short: true, familiar: `busybox:1.36@${SHA256}` },
  { input: `quay.io/x@${SHA512}`, full: `quay.io/x@${SHA512}`, registry: 'quay.io', repository: 'x', digest: SHA512, short: false, familiar: `quay.io/x@${SHA512}` },
  { input: `localhost:5000/x:v1@${SHA384}`, full: `localhost:5000/x:v1@${SHA384}`, registry: 'localhost:5000', repository: 'x', tag: 'v1', digest: SHA384, short: false, familiar: `localhost:5000/x:v1@${SHA384}` },
  // Path separators of the grammar: ".", "_", "__", one or more "-".
  // (Only past the first component: a "." there would make it a registry host.)
  { input: 'ns/a.b_c__d-e--f', full: 'docker.io/ns/a.b_c__d-e--f:latest', registry: 'docker.io', repository: 'ns/a.b_c__d-e--f', tag: 'latest', short: true, familiar: 'ns/a.b_c__d-e--f:latest' },
  { input: 'a_b-c', full: 'docker.io/library/a_b-c:latest', registry: 'docker.io', repository: 'library/a_b-c', tag: 'latest', short: true, familiar: 'a_b-c:latest' },
  // Tags may hold upper case, "_", "." and "-" after the first character.
  { input: 'busybox:Latest_1.0-rc.2', full: 'docker.io/library/busybox:Latest_1.0-rc.2', registry: 'docker.io', repository: 'library/busybox', tag: 'Latest_1.0-rc.2', short: true, familiar: 'busybox:Latest_1.0-rc.2' },
  { input: 'busybox:_x', full: 'docker.io/library/busybox:_x', registry: 'docker.io', repository: 'library/busybox', tag: '_x', short: true, familiar: 'busybox:_x' },
];

describe('parseReference normalisation', () => {
  for (const c of normalised) {
    it(`${c.input} -> ${c.full}`, () => {
      const ref = parseReference(c.input);
      assert.equal(ref.toString(), c.full);
      assert.equal(`${ref}`, c.full);
      assert.equal(ref.registry, c.registry);
      assert.equal(ref.repository, c.repository);
      assert.equal(ref.tag, c.tag);
      assert.equal(ref.digest, c.digest);
      assert.equal(ref.shortName, c.short);
      assert.equal(ref.familiar, c.familiar);
      assert.equal(ref.name, `${c.registry}/${c.repository}`);
    });
  }

  it('accepts a 128-character tag and a 255-character name', () => {
    const tag = 'a'.repeat(128);
    assert.equal(parseReference(`busybox:${tag}`).tag, tag);
    const path = `ns/${'a'.repeat(255 - 'quay.io/ns/'.length)}`;
    assert.equal(parseReference(`quay.io/${path}`).name.length, 255);
  });

  it('is idempotent: parsing the full form gives the same reference, not a short name', () => {
    for (const c of normalised) {
      const again = parseReference(c.full);
      assert.equal(again.toString(), c.full);
      assert.equal(again.shortName, false);
    }
  });
});

describe('ImageReference accessors', () => {
  it('nameWithTag is name:tag, undefined for a digest-only reference', () => {
    assert.equal(parseReference('busybox').nameWithTag, 'docker.io/library/busybox:latest');
    assert.equal(parseReference(`busybox:1.36@${SHA256}`).nameWithTag, 'docker.io/library/busybox:1.36');
    assert.equal(parseReference(`busybox@${SHA256}`).nameWithTag, undefined);
  });

  it('manifestReference prefers the digest over the tag', () => {
    assert.equal(parseReference('busybox').manifestReference, 'latest');
    assert.equal(parseReference('busybox:1.36').manifestReference, '1.36');
    assert.equal(parseReference(`busybox:1.36@${SHA256}`).manifestReference, SHA256);
    assert.equal(parseReference(`busybox@${SHA256}`).manifestReference, SHA256);
  });
});

describe('withRegistry resolves a short name against a search registry', () => {
  const cases: Array<[input: string, host: string, expected: string]> = [
    ['busybox', 'docker.io', 'docker.io/library/busybox:latest'],
    ['busybox', 'quay.io', 'quay.io/busybox:latest'],
    ['busybox', 'index.docker.io', 'docker.io/library/busybox:latest'],
    ['busybox:1.36', 'registry.fedoraproject.org', 'registry.fedoraproject.org/busybox:1.36'],
    ['user/img', 'localhost:5000', 'localhost:5000/user/img:latest'],
    ['user/img', 'docker.io', 'docker.io/user/img:latest'],
    ['library/busybox', 'quay.io', 'quay.io/library/busybox:latest'],
    [`busybox:1@${SHA256}`, 'quay.io/', `quay.io/busybox:1@${SHA256}`],
    [`busybox@${SHA256}`, 'docker.io', `docker.io/library/busybox@${SHA256}`],
  ];
  for (const [input, host, expected] of cases) {
    it(`${input} on ${host} -> ${expected}`, () => {
      const resolved = parseReference(input).withRegistry(host);
      assert.equal(resolved.toString(), expected);
      assert.equal(resolved.shortName, false);
    });
  }

  it('refuses a fully-qualified reference', () => {
    assert.throws(() => parseReference('quay.io/x').withRegistry('docker.io'), {
      name: 'InvalidArgumentError',
      message: 'cannot resolve "quay.io/x:latest" against a search registry: it is not a short name',
    });
  });

  it('refuses a host that is not host[:port]', () => {
    for (const host of ['quay.io/ns', 'https://quay.io', '', 'exa_mple.com']) {
      assert.throws(() => parseReference('busybox').withRegistry(host), InvalidArgumentError, host);
    }
  });

  it('refuses a host the grammar would read as a Docker Hub namespace', () => {
    assert.equal(parseReference('busybox').withRegistry('localhost').toString(), 'localhost/busybox:latest');
    assert.equal(parseReference('busybox').withRegistry('registry:5000').toString(), 'registry:5000/busybox:latest');
    assert.throws(() => parseReference('busybox').withRegistry('myreg'), {
      name: 'InvalidArgumentError',
      message: 'search registry "myreg" would be read as a Docker Hub namespace: a registry host needs a "." or ":port", or must be localhost',
    });
  });

  it('refuses a name that becomes too long on that registry', () => {
    const path = 'a'.repeat(255 - 'docker.io/library/'.length);
    assert.equal(parseReference(path).name.length, 255);
    assert.throws(() => parseReference(path).withRegistry('docker.io.example.com'), /must not be more than 255 characters/);
  });
});

describe('parseReference errors', () => {
  const errors: Array<[input: string, message: string]> = [
    ['', 'invalid reference format: repository name must have at least one component: ""'],
    ['BusyBox', 'invalid reference format: repository name must be lowercase: "BusyBox"'],
    ['docker.io/Library/busybox', 'invalid reference format: repository name must be lowercase: "docker.io/Library/busybox"'],
    ['Foo/bar', 'invalid reference format: repository name must be lowercase: "Foo/bar"'],
    ['quay.io/X:tag', 'invalid reference format: repository name must be lowercase: "quay.io/X:tag"'],
    ['busybox:tag:tag', 'invalid reference format: invalid tag "tag:tag": "busybox:tag:tag"'],
    ['busybox:', 'invalid reference format: invalid tag "": "busybox:"'],
    ['busybox:-x', 'invalid reference format: invalid tag "-x": "busybox:-x"'],
    ['busybox:.x', 'invalid reference format: invalid tag ".x": "busybox:.x"'],
    [`busybox:${'a'.repeat(129)}`, `invalid reference format: invalid tag "${'a'.repeat(129)}": "busybox:${'a'.repeat(129)}"`],
    ['busy box', 'invalid reference format: "busy box"'],
    [' busybox', 'invalid reference format: " busybox"'],
    ['busybox ', 'invalid reference format: "busybox "'],
    ['busybox\n', 'invalid reference format: "busybox\\n"'],
    [':latest', 'invalid reference format: ":latest"'],
    ['/busybox', 'invalid reference format: "/busybox"'],
    ['busybox/', 'invalid reference format: "busybox/"'],
    ['a//b', 'invalid reference format: "a//b"'],
    ['-a', 'invalid reference format: "-a"'],
    ['a-', 'invalid reference format: "a-"'],
    ['a..b', 'invalid reference format: "a..b"'],
    ['a___b', 'invalid reference format: "a___b"'],
    ['a_.b', 'invalid reference format: "a_.b"'],
    ['docker.io/', 'invalid reference format: "docker.io/"'],
    ['quay.io/x/', 'invalid reference format: "quay.io/x/"'],
    ['exa_mple.com/x', 'invalid reference format: invalid registry host "exa_mple.com": "exa_mple.com/x"'],
    ['-bad.com/x', 'invalid reference format: invalid registry host "-bad.com": "-bad.com/x"'],
    ['host:port/x', 'invalid reference format: invalid registry host "host:port": "host:port/x"'],
    ['a.b_c/x', 'invalid reference format: invalid registry host "a.b_c": "a.b_c/x"'],
    ['a..b.com/x', 'invalid reference format: invalid registry host "a..b.com": "a..b.com/x"'],
    [HEX.repeat(4), `invalid reference format: cannot specify 64-byte hexadecimal strings: "${HEX.repeat(4)}"`],
    // Digests.
    ['busybox@', 'invalid reference format: digest must be algorithm:hex: "busybox@"'],
    ['busybox@sha256', 'invalid reference format: digest must be algorithm:hex: "busybox@sha256"'],
    ['busybox@sha256:', 'invalid reference format: digest must be algorithm:hex: "busybox@sha256:"'],
    ['busybox@sha256:xyz', 'invalid reference format: digest must be algorithm:hex: "busybox@sha256:xyz"'],
    [`@${SHA256}`, `invalid reference format: "@${SHA256}"`],
    [`busybox@${SHA256.slice(0, -1)}`, `invalid reference format: sha256 digest must have 64 hex characters, not 63: "busybox@${SHA256.slice(0, -1)}"`],
    [`busybox@${SHA256}0`, `invalid reference format: sha256 digest must have 64 hex characters, not 65: "busybox@${SHA256}0"`],
    [`busybox@sha512:${HEX.repeat(4)}`, `invalid reference format: sha512 digest must have 128 hex characters, not 64: "busybox@sha512:${HEX.repeat(4)}"`],
    [`busybox@md5:${HEX.repeat(2)}`, `invalid reference format: unsupported digest algorithm md5 (use sha256, sha384 or sha512): "busybox@md5:${HEX.repeat(2)}"`],
    [`busybox@SHA256:${HEX.repeat(4)}`, `invalid reference format: unsupported digest algorithm SHA256 (use sha256, sha384 or sha512): "busybox@SHA256:${HEX.repeat(4)}"`],
    [`busybox@${SHA256.toUpperCase().replace('SHA256', 'sha256')}`, `invalid reference format: digest hex must be lowercase: "busybox@${SHA256.toUpperCase().replace('SHA256', 'sha256')}"`],
    [`busybox@${SHA256}@${SHA256}`, `invalid reference format: digest must be algorithm:hex: "busybox@${SHA256}@${SHA256}"`],
  ];
  for (const [input, message] of errors) {
    it(`refuses ${JSON.stringify(input.length > 60 ? `${input.slice(0, 60)}...` : input)}`, () => {
      assert.throws(() => parseReference(input), (err: unknown) => {
        assert.ok(err instanceof InvalidArgumentError);
        assert.equal(err.kind, 'invalid-argument');
        assert.equal(err.message, message);
        assert.ok(!err.message.includes('\n'), 'message is one line');
        return true;
      });
    });
  }

  it('refuses a name over 255 characters, counting docker.io/library/', () => {
    const path = 'a'.repeat(256 - 'docker.io/library/'.length);
    assert.throws(() => parseReference(path), {
      name: 'InvalidArgumentError',
      message: `invalid reference format: repository name must not be more than 255 characters: "${path}"`,
    });
    assert.throws(() => parseReference(`quay.io/${'a'.repeat(256 - 'quay.io/'.length)}`), /must not be more than 255 characters/);
  });

  it('stays fast on pathological input (no regex backtracking blow-up)', () => {
    const started = Date.now();
    for (const input of [`${'a'.repeat(5000)}!`, `${'a-'.repeat(2500)}!`, `${'a_'.repeat(2500)}_`]) {
      assert.throws(() => parseReference(input), InvalidArgumentError);
    }
    assert.ok(Date.now() - started < 1000);
  });
});

describe('parseDigest', () => {
  const valid: Array<[input: string, algorithm: string, length: number]> = [
    [SHA256, 'sha256', 64],
    [SHA384, 'sha384', 96],
    [SHA512, 'sha512', 128],
  ];
  for (const [input, algorithm, length] of valid) {
    it(`parses ${algorithm}`, () => {
      const digest = parseDigest(input);
      assert.ok(digest instanceof Digest);
      assert.equal(digest.algorithm, algorithm);
      assert.equal(digest.encoded.length, length);
      assert.equal(digest.value, input);
      assert.equal(`${digest}`, input);
      assert.equal(isDigest(input), true);
    });
  }

  const invalid: Array<[input: string, message: string]> = [
    ['', 'invalid digest: digest must be algorithm:hex: ""'],
    ['sha256', 'invalid digest: digest must be algorithm:hex: "sha256"'],
    [':abc', 'invalid digest: digest must be algorithm:hex: ":abc"'],
    ['sha256:', 'invalid digest: digest must be algorithm:hex: "sha256:"'],
    [`sha256:${'g'.repeat(64)}`, `invalid digest: digest must be algorithm:hex: "sha256:${'g'.repeat(64)}"`],
    [`sha256 :${HEX.repeat(4)}`, `invalid digest: digest must be algorithm:hex: "sha256 :${HEX.repeat(4)}"`],
    [`${SHA256} `, `invalid digest: digest must be algorithm:hex: "${SHA256} "`],
    [`sha256:${HEX}`, 'invalid digest: sha256 digest must have 64 hex characters, not 16: "sha256:0123456789abcdef"'],
    [`sha512:${HEX.repeat(4)}`, `invalid digest: sha512 digest must have 128 hex characters, not 64: "sha512:${HEX.repeat(4)}"`],
    [`sha1:${'a'.repeat(40)}`, `invalid digest: unsupported digest algorithm sha1 (use sha256, sha384 or sha512): "sha1:${'a'.repeat(40)}"`],
    [`sha256:${'A'.repeat(64)}`, `invalid digest: digest hex must be lowercase: "sha256:${'A'.repeat(64)}"`],
    [`__proto__:${HEX.repeat(4)}`, `invalid digest: digest must be algorithm:hex: "__proto__:${HEX.repeat(4)}"`],
    [`constructor:${HEX.repeat(4)}`, `invalid digest: unsupported digest algorithm constructor (use sha256, sha384 or sha512): "constructor:${HEX.repeat(4)}"`],
  ];
  for (const [input, message] of invalid) {
    it(`refuses ${JSON.stringify(input.length > 40 ? `${input.slice(0, 40)}...` : input)}`, () => {
      assert.throws(() => parseDigest(input), { name: 'InvalidArgumentError', message });
      assert.equal(isDigest(input), false);
    });
  }
});
