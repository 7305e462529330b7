import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base-command.js';
import { logout, logoutAll } from '../src/auth/login.js';
import { InvalidArgumentError } from '../src/errors.js';

export default class Logout extends BaseCommand<typeof Logout> {
  static override description = 'Remove the stored credentials for a container registry';
  static override examples = ['tpod logout quay.io', 'tpod logout --authfile ./auth.json 127.0.0.1:5000', 'tpod logout --all'];
  static override args = { registry: Args.string({ required: false, description: 'registry host[:port], or host/namespace' }) };
  static override flags = {
    all: Flags.boolean({ char: 'a', description: 'remove the credentials of every registry' }),
    authfile: Flags.string({ description: 'path of the authentication file (env REGISTRY_AUTH_FILE)' }),
  };

  async run(): Promise<void> {
    const options = { authFile: this.flags.authfile };
    if (this.flags.all) {
      if (this.args.registry) throw new InvalidArgumentError('--all takes no registry');
      logoutAll(options);
      this.log('Removed login credentials for all registries');
      return;
    }
    if (!this.args.registry) throw new InvalidArgumentError('a registry must be given, or --all');
    logout(this.args.registry, options);
    this.log(`Removed login credentials for ${this.args.registry}`);
  }
}
