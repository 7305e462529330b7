/** `--creds USER[:PASSWORD]` as podman takes it. */
import { InvalidArgumentError } from '../errors.js';
import type { Credentials } from './auth.js';

export function parseCredentials(value: string): Credentials {
  const colon = value.indexOf(':');
  const username = colon < 0 ? value : value.slice(0, colon);
  if (!username) throw new InvalidArgumentError('--creds: the username is empty');
  return { username, password: colon < 0 ? '' : value.slice(colon + 1) };
}
