/**
 * `--add-host NAME:IP` (podman's, docker's): extra lines for the container's /etc/hosts.
 * Several names may share one address (`a;b:10.0.0.1`); the address is split off at the
 * first colon, so IPv6 addresses keep theirs (`db:fe80::1`). `host-gateway` stands for
 * the host's address on the container's network, which `--network none|host` lack.
 */
import { isIP } from 'node:net';
import { InvalidArgumentError } from '../errors.js';

export interface ExtraHost {
  names: string[];
  address: string;
}

/** A name /etc/hosts can hold: no whitespace, no comment sign, no colon. */
const HOST_NAME = /^[^\s#:;]+$/;

export function parseAddHost(value: string): ExtraHost {
  const colon = value.indexOf(':');
  if (colon <= 0) throw new InvalidArgumentError(`bad format for --add-host ${JSON.stringify(value)}: expected NAME:IP`);
  const names = value.slice(0, colon).split(';');
  const address = value.slice(colon + 1);
  for (const name of names) {
    if (!HOST_NAME.test(name)) throw new InvalidArgumentError(`invalid host name ${JSON.stringify(name)} in --add-host ${JSON.stringify(value)}`);
  }
  if (address === 'host-gateway') {
    throw new InvalidArgumentError(`--add-host ${JSON.stringify(value)}: host-gateway needs a container network (--network none and host have none)`);
  }
  if (isIP(address) === 0) throw new InvalidArgumentError(`invalid IP address in --add-host ${JSON.stringify(value)}`);
  return { names, address };
}

/** The /etc/hosts lines of `--add-host` values, in the order given. */
export function extraHostLines(values: readonly string[]): string {
  return values
    .map(parseAddHost)
    .map(({ names, address }) => `${address}\t${names.join(' ')}\n`)
    .join('');
}
