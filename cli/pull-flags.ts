/** The flags every command that may pull shares (pull, run, create), as podman's. */
import { Flags } from '@oclif/core';
import type { PullOptions } from '../src/images/pull.js';
import { parseCredentials } from '../src/registry/credentials.js';

export const pullFlags = {
  platform: Flags.string({ description: 'pull the image for this OS/ARCH[/VARIANT] instead of the host\'s' }),
  arch: Flags.string({ description: 'pull the image for this architecture' }),
  os: Flags.string({ description: 'pull the image for this operating system' }),
  variant: Flags.string({ description: 'pull the image for this architecture variant' }),
  'tls-verify': Flags.boolean({ description: 'require HTTPS and verify certificates', allowNo: true }),
  'cert-dir': Flags.string({ description: 'directory with certificates (*.crt, *.cert, *.key) for the registry' }),
  creds: Flags.string({ description: 'credentials USERNAME[:PASSWORD] for the registry' }),
  authfile: Flags.string({ description: 'path of the authentication file (default: that of tpod login; env REGISTRY_AUTH_FILE)' }),
  'registries-conf': Flags.string({ description: 'registries.conf file to use instead of the system and user ones' }),
};

export interface PullFlagValues {
  platform?: string | undefined;
  arch?: string | undefined;
  os?: string | undefined;
  variant?: string | undefined;
  'tls-verify'?: boolean | undefined;
  'cert-dir'?: string | undefined;
  creds?: string | undefined;
  authfile?: string | undefined;
  'registries-conf'?: string | undefined;
}

export function pullOptionsFromFlags(flags: PullFlagValues): PullOptions {
  const [os, architecture, variant] = (flags.platform ?? '').split('/');
  return {
    platform: {
      ...(flags.os || os ? { os: flags.os || os } : {}),
      ...(flags.arch || architecture ? { architecture: flags.arch || architecture } : {}),
      ...(flags.variant || variant ? { variant: flags.variant || variant } : {}),
    },
    ...(flags['tls-verify'] !== undefined ? { tlsVerify: flags['tls-verify'] } : {}),
    ...(flags['cert-dir'] ? { certDir: flags['cert-dir'] } : {}),
    ...(flags.creds ? { credentials: parseCredentials(flags.creds) } : {}),
    ...(flags.authfile ? { authFile: flags.authfile } : {}),
    ...(flags['registries-conf'] ? { registriesConf: flags['registries-conf'] } : {}),
  };
}
