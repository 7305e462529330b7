import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base-command.js';
import { promptLine, readStdin } from '../cli/prompt.js';
import { login, storedCredentials, verifyLogin } from '../src/auth/login.js';
import { InvalidArgumentError, NotFoundError } from '../src/errors.js';
import { loadRegistriesConfig, searchRegistries } from '../src/registries/config.js';

export default class Login extends BaseCommand<typeof Login> {
  static override description = 'Log in to a container registry: credentials are checked, then stored in auth.json';
  static override examples = [
    'tpod login quay.io',
    'tpod login -u alice -p s3cret 127.0.0.1:5000',
    'echo "$TOKEN" | tpod login -u alice --password-stdin registry.example.com',
    'tpod login --authfile ./auth.json --tls-verify=false 127.0.0.1:5000',
  ];
  static override args = { registry: Args.string({ required: false, description: 'registry host[:port], or host/namespace' }) };
  static override flags = {
    username: Flags.string({ char: 'u', description: 'username' }),
    password: Flags.string({ char: 'p', description: 'password' }),
    'password-stdin': Flags.boolean({ description: 'read the password from stdin' }),
    authfile: Flags.string({ description: 'path of the authentication file (env REGISTRY_AUTH_FILE)' }),
    'tls-verify': Flags.boolean({ description: 'require HTTPS and verify certificates', allowNo: true }),
    'cert-dir': Flags.string({ description: 'directory with certificates (*.crt, *.cert, *.key) for the registry' }),
    'get-login': Flags.boolean({ description: 'print the username stored for the registry' }),
  };

  async run(): Promise<void> {
    const registry = this.args.registry ?? defaultRegistry(this.engine.paths.rootless);
    const options = {
      authFile: this.flags.authfile,
      tlsVerify: this.flags['tls-verify'],
      certDir: this.flags['cert-dir'],
    };
    if (this.flags['get-login']) {
      const stored = storedCredentials(registry, options);
      if (!stored) throw new NotFoundError(`not logged into ${registry}`);
      this.log(stored.username);
      return;
    }
    if (this.flags.password !== undefined && this.flags['password-stdin']) {
      throw new InvalidArgumentError('--password and --password-stdin are mutually exclusive');
    }
    let { username, password } = this.flags;
    if (this.flags['password-stdin']) {
      if (!username) throw new InvalidArgumentError('--password-stdin needs --username');
      password = await readStdin();
    }
    if (username === undefined && password === undefined) {
      // Podman's shortcut: credentials already stored and still valid need no typing.
      const stored = storedCredentials(registry, options);
      if (stored) {
        process.stderr.write(`Authenticating with existing credentials for ${registry}\n`);
        try {
          await verifyLogin(registry, stored, options);
          this.log(`Existing credentials are valid. Already logged in to ${registry}`);
          return;
        } catch {
          process.stderr.write('Existing credentials are invalid, please enter valid username and password\n');
        }
      }
    }
    if (!username) username = await ask('Username: ');
    if (password === undefined) password = await ask('Password: ', true);
    if (!username) throw new InvalidArgumentError('username is empty');
    await login(registry, { username, password }, options);
    this.log('Login Succeeded!');
  }
}

async function ask(question: string, secret = false): Promise<string> {
  if (!process.stdin.isTTY) {
    throw new InvalidArgumentError('cannot prompt for credentials: stdin is not a terminal', {
      hint: 'pass --username with --password or --password-stdin',
    });
  }
  return (await promptLine(question, secret)) ?? '';
}

function defaultRegistry(rootless: boolean): string {
  const [first] = searchRegistries(loadRegistriesConfig({ rootless }));
  if (!first) throw new InvalidArgumentError('no registry given and no unqualified-search registries are defined');
  return first;
}
