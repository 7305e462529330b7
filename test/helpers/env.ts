/**
 * What the integration driver (test/run.mjs) hands to tests: the local registry and the
 * fixture images. Missing values fail the test loudly instead of skipping it.
 */
import { join } from 'node:path';

function required(name: string): string {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set: run integration tests through \`node test/run.mjs integration\` (as root)`);
  }
  return value;
}

/** "127.0.0.1:PORT" of the test registry (plain HTTP, anonymous push and pull). */
export function testRegistry(): string {
  return required('TPOD_TEST_REGISTRY');
}

/** The fixture cache directory (test/fixtures/build-images.sh output). */
export function fixturesDir(): string {
  return required('TPOD_TEST_FIXTURES');
}

/** The OCI layout holding the fixture images: `oci:${fixtureLayout()}:busybox`. */
export function fixtureLayout(): string {
  return join(fixturesDir(), 'oci');
}

/** Fixture images pushed to the test registry by pushFixtures (all tagged latest). */
export type FixtureImage = 'busybox' | 'busybox-v2s2' | 'multilayer' | 'multiarch';

/** A full reference in the test registry: 127.0.0.1:PORT/library/NAME:latest. */
export function fixtureRef(name: FixtureImage, tag = 'latest'): string {
  return `${testRegistry()}/library/${name}:${tag}`;
}
