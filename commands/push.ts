import { writeFileSync } from 'node:fs';
import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base-command.js';
import { pushImage, type PushOptions } from '../src/images/push.js';
import { parseCredentials } from '../src/registry/credentials.js';

export default class Push extends BaseCommand<typeof Push> {
  static override aliases = ['image:push'];
  static override description = 'Push an image to a registry, with the manifest digest it was pulled as';
  static override examples = [
    'tpod push 127.0.0.1:5000/library/busybox:latest',
    'tpod push --tls-verify=false busybox 127.0.0.1:5000/team/busybox:1.36',
    'tpod push --creds alice:s3cret myimage docker://registry.example.com/alice/myimage:v1',
  ];
  static override args = {
    image: Args.string({ required: true, description: 'local image name or ID' }),
    destination: Args.string({ required: false, description: 'where to push: [docker://]REGISTRY/REPOSITORY[:TAG] (default: the image name)' }),
  };
  static override flags = {
    'tls-verify': Flags.boolean({ description: 'require HTTPS and verify certificates', allowNo: true }),
    'cert-dir': Flags.string({ description: 'directory with certificates (*.crt, *.cert, *.key) for the registry' }),
    creds: Flags.string({ description: 'credentials USERNAME[:PASSWORD] for the registry' }),
    authfile: Flags.string({ description: 'path of the authentication file (env REGISTRY_AUTH_FILE)' }),
    digestfile: Flags.string({ description: 'write the pushed manifest digest to this file' }),
    quiet: Flags.boolean({ char: 'q', description: 'print no progress' }),
  };

  async run(): Promise<void> {
    const options: PushOptions = {
      ...(this.flags['tls-verify'] !== undefined ? { tlsVerify: this.flags['tls-verify'] } : {}),
      ...(this.flags['cert-dir'] ? { certDir: this.flags['cert-dir'] } : {}),
      ...(this.flags.creds ? { credentials: parseCredentials(this.flags.creds) } : {}),
      ...(this.flags.authfile ? { authFile: this.flags.authfile } : {}),
    };
    if (!this.flags.quiet) {
      const write = (line: string) => process.stderr.write(`${line}\n`);
      write('Getting image source signatures');
      options.progress = {
        blob: (descriptor, state) => {
          const short = descriptor.digest.slice(7, 19);
          if (state === 'exists') write(`Copying blob ${short} skipped: already exists`);
          if (state === 'done') write(`Copying blob ${short} done`);
        },
        config: (descriptor) => write(`Copying config ${descriptor.digest.slice(7, 19)} done`),
        writing: () => write('Writing manifest to image destination'),
      };
    }
    const result = await pushImage(this.engine, this.args.image, this.args.destination, options);
    if (this.flags.digestfile) writeFileSync(this.flags.digestfile, result.digest);
  }
}
