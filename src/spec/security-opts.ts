/**
 * `--security-opt` values tpod understands: `no-new-privileges[=true|false]` and
 * `seccomp=unconfined`. `label=disable` and `apparmor=unconfined` ask for less confinement
 * than tpod applies anyway (no SELinux labels, no AppArmor profile), so they are accepted.
 * Anything else is refused rather than ignored: silently dropping a security option the
 * user asked for would run the container with less protection than they believe.
 */
import { InvalidArgumentError } from '../errors.js';

export interface SecurityOpts {
  noNewPrivileges: boolean;
  seccomp: 'default' | 'unconfined';
}

export function parseSecurityOpts(values: readonly string[]): SecurityOpts {
  const result: SecurityOpts = { noNewPrivileges: false, seccomp: 'default' };
  for (const value of values) {
    const [key, ...rest] = value.split(/[=:]/);
    const arg = rest.join('=');
    if (key === 'no-new-privileges') {
      result.noNewPrivileges = parseBool(arg === '' ? 'true' : arg, value);
    } else if (key === 'seccomp' && arg === 'unconfined') {
      result.seccomp = 'unconfined';
    } else if (key === 'seccomp') {
      throw new InvalidArgumentError(`invalid --security-opt ${JSON.stringify(value)}: only seccomp=unconfined is supported`);
    } else if ((key === 'label' && arg === 'disable') || (key === 'apparmor' && arg === 'unconfined')) {
      continue;
    } else {
      throw new InvalidArgumentError(`invalid --security-opt ${JSON.stringify(value)}: unsupported option`);
    }
  }
  return result;
}

function parseBool(text: string, value: string): boolean {
  if (text === 'true') return true;
  if (text === 'false') return false;
  throw new InvalidArgumentError(`invalid --security-opt ${JSON.stringify(value)}: expected true or false`);
}
