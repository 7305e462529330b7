import { Args, Flags } from '@oclif/core';
import { realpathSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BaseCommand } from '../../cli/base-command.js';
import { containerUnit, RESTART_POLICIES, unixDate, type FlagShape } from '../../src/generate/systemd.js';
import { log } from '../../src/log.js';
import { defaultStorePaths } from '../../src/paths.js';
import { tpodVersion } from '../../src/version.js';

const TPOD_BIN = fileURLToPath(new URL('../../../bin/tpod.cjs', import.meta.url));

export default class GenerateSystemd extends BaseCommand<typeof GenerateSystemd> {
  static override description = `Generate a systemd service unit for a container
Without --new the unit starts and stops the existing container (tpod start / tpod stop). With --new it creates a fresh container on every start from the container's create command (tpod run --cidfile --conmon-pidfile --rm -d --replace) and removes it on stop, so the unit works on any machine with the image. Both are Type=forking with PIDFile= naming conmon, the container's monitor, which exits with the container's status: a container that dies fails the unit and Restart= (default on-failure; with --new the container's own --restart) starts it again. A container in a store other than the default one gets --root and --runroot on every command line. Install the unit in /etc/systemd/system (rootless: ~/.config/systemd/user), then systemctl daemon-reload and systemctl enable --now NAME.service.`;
  static override examples = [
    'tpod generate systemd web',
    'tpod generate systemd --new --name --files web',
    'tpod generate systemd --new --restart-policy=always -t 5 web > /etc/systemd/system/web.service',
  ];
  static override args = { container: Args.string({ required: true, description: 'container name or ID' }) };
  static override flags = {
    new: Flags.boolean({ description: 'create a new container on start (from its create command) and remove it on stop, instead of starting an existing one' }),
    name: Flags.boolean({ char: 'n', description: 'use the container name instead of its ID' }),
    files: Flags.boolean({ char: 'f', description: 'write container-NAME.service to the current directory and print its path' }),
    format: Flags.option({ options: ['json'] as const, description: 'print the units as JSON (service name to unit text)' })(),
    'restart-policy': Flags.option({ options: RESTART_POLICIES, description: 'systemd Restart= (default on-failure; with --new the container\'s --restart)' })(),
    'restart-sec': Flags.integer({ min: 0, description: 'systemd RestartSec= in seconds' }),
    'start-timeout': Flags.integer({ min: 0, description: 'systemd TimeoutStartSec= in seconds' }),
    'stop-timeout': Flags.integer({ min: 0, description: 'seconds tpod stop waits before killing (default: the container\'s stop timeout)' }),
    time: Flags.integer({ char: 't', min: 0, description: 'same as --stop-timeout (podman\'s older name)' }),
    'container-prefix': Flags.string({ default: 'container', description: 'unit name prefix' }),
    separator: Flags.string({ default: '-', description: 'separator between the prefix and the name or ID' }),
    'no-header': Flags.boolean({ description: 'leave out the header comment (version, date)' }),
    wants: Flags.string({ multiple: true, multipleNonGreedy: true, description: 'add Wants= dependencies' }),
    after: Flags.string({ multiple: true, multipleNonGreedy: true, description: 'add After= ordering' }),
    requires: Flags.string({ multiple: true, multipleNonGreedy: true, description: 'add Requires= dependencies' }),
    template: Flags.boolean({ description: 'with --new: write a template unit (NAME@.service) whose instances (%i) each run their own container' }),
    env: Flags.string({ char: 'e', multiple: true, multipleNonGreedy: true, description: 'set an Environment= variable KEY=VALUE in the unit' }),
  };

  async run(): Promise<void> {
    const container = this.engine.containers.get(this.args.container);
    const defaults = defaultStorePaths();
    const { root, runroot } = this.engine.paths;
    const unit = containerUnit(
      {
        id: container.id,
        name: container.name,
        stopTimeout: container.config.stopTimeout,
        restartPolicy: container.config.restartPolicy,
        createCommand: container.config.createCommand,
        env: container.config.spec.env,
        conmonPidFile: container.config.conmonPidFile ?? this.engine.containerPaths(container.id).conmonPidFile,
      },
      {
        new: this.flags.new,
        name: this.flags.name,
        restartPolicy: this.flags['restart-policy'],
        restartSec: this.flags['restart-sec'],
        startTimeout: this.flags['start-timeout'],
        stopTimeout: this.flags['stop-timeout'] ?? this.flags.time,
        containerPrefix: this.flags['container-prefix'],
        separator: this.flags.separator,
        noHeader: this.flags['no-header'],
        wants: this.flags.wants ?? [],
        after: this.flags.after ?? [],
        requires: this.flags.requires ?? [],
        env: this.flags.env ?? [],
        template: this.flags.template,
      },
      {
        // node by its absolute path: systemd's PATH at boot need not find the shebang's node.
        executable: [process.execPath, realpathSync(TPOD_BIN)],
        storeFlags: root === defaults.root && runroot === defaults.runroot ? [] : ['--root', root, '--runroot', runroot],
        runroot,
        version: tpodVersion(),
        timestamp: unixDate(new Date()),
        runFlags: await this.runFlagShapes(),
      },
    );
    for (const warning of unit.warnings) log.warn(warning);
    if (this.flags.files) {
      const path = resolve(join(process.cwd(), unit.fileName));
      writeFileSync(path, unit.text);
      this.log(path);
      return;
    }
    if (this.flags.format === 'json') return this.log(JSON.stringify({ [unit.serviceName]: unit.text }, null, 4));
    process.stdout.write(unit.text);
  }

  /** `tpod run`'s flags from the manifest: which take a value, and their short names. */
  private async runFlagShapes(): Promise<Record<string, FlagShape>> {
    const run = this.config.findCommand('run');
    const shapes: Record<string, FlagShape> = {};
    for (const [name, flag] of Object.entries(run?.flags ?? {})) shapes[name] = { type: flag.type, char: flag.char };
    return shapes;
  }
}
