/**
 * `tpod generate systemd`: a systemd service unit for a container, in the shape of
 * podman's pkg/systemd/generate/containers.go (same options, defaults, header, option
 * layout), so units and habits carry over.
 *
 * Unit shape. Both kinds are Type=forking with PIDFile= naming conmon: `tpod start` and
 * `tpod run -d` exit once the container runs, and conmon (the container's parent) stays
 * until the container exits, then exits with the container's status. So systemd's main
 * process is conmon; a crash fails the unit and Restart= brings it back. Podman's --new
 * units use Type=notify with `--sdnotify=conmon --cgroups=no-conmon` instead; tpod has no
 * sd_notify path yet, so --new units pass `--conmon-pidfile=%t/%n.pid` (podman 2's shape)
 * to learn conmon's PID at a path known before the container ID is.
 *
 * The store: a container created in a non-default store (--root/--runroot, or
 * TPOD_ROOT/TPOD_RUNROOT) gets that store's flags on every Exec line, so the unit finds
 * it; podman keeps only the flags written before `run`.
 *
 * Everything host-specific (tpod's path, the store, the clock, the flag table of
 * `tpod run`) comes in as a UnitContext, so rendering is a pure function (golden tests).
 */
import { InvalidArgumentError } from '../errors.js';

/** systemd's Restart= values (podman validates against the same list). */
export const RESTART_POLICIES = ['no', 'on-success', 'on-failure', 'on-abnormal', 'on-watchdog', 'on-abort', 'always'] as const;
export const DEFAULT_RESTART_POLICY = 'on-failure';
/** TimeoutStopSec = this + the stop timeout: ExecStop and ExecStopPost both may use it. */
const MIN_TIMEOUT_STOP_SEC = 60;
export const CONTAINER_ID_FILE = '%t/%n.ctr-id';
export const CONMON_PID_FILE = '%t/%n.pid';
/**
 * A second ExecStop=: wait for the main process (conmon) to exit. `tpod stop` returns once
 * the container has exited, while conmon still runs its exit command (`tpod container
 * cleanup`, a node start-up); systemd would SIGTERM it then and fail the unit. Not in
 * podman's units, whose conmon lives in the service's own cgroup (--cgroups=no-conmon).
 */
export const WAIT_FOR_MAIN_PID = "/bin/sh -c 'while kill -0 $$MAINPID 2>/dev/null; do sleep 0.1; done'";

/** How a flag of `tpod run` takes its value: needed to find the image in a command line. */
export interface FlagShape {
  type: 'option' | 'boolean';
  char?: string | undefined;
}

export interface GenerateOptions {
  /** --new: create a fresh container on start (from the create command), remove it on stop. */
  new?: boolean;
  /** --name: the container's name, not its ID, in the unit name and Exec lines. */
  name?: boolean;
  /** --restart-policy; undefined: on-failure, or with --new the create command's --restart. */
  restartPolicy?: string | undefined;
  restartSec?: number | undefined;
  /** --stop-timeout / --time; undefined: the container's own stop timeout. */
  stopTimeout?: number | undefined;
  startTimeout?: number | undefined;
  containerPrefix?: string;
  separator?: string;
  noHeader?: boolean;
  wants?: string[];
  after?: string[];
  requires?: string[];
  /** --env KEY=VALUE, each an Environment= line. */
  env?: string[];
  /** --template (with --new): NAME@.service, one container per instance (%i). */
  template?: boolean;
}

/** What the generator needs of a container record. */
export interface UnitContainer {
  id: string;
  name: string;
  stopTimeout: number;
  restartPolicy: string;
  /** argv of create/run as typed, starting with the program name. */
  createCommand: string[];
  /** The container's environment (for `-e KEY` without a value in the create command). */
  env: string[];
  /** Where conmon writes its PID for this container. */
  conmonPidFile: string;
}

export interface UnitContext {
  /** How systemd runs tpod: e.g. [node, /usr/lib/tpod/bin/tpod.cjs] (no PATH lookup at boot). */
  executable: string[];
  /** ['--root', R, '--runroot', RR] when the container's store is not the default; else []. */
  storeFlags: string[];
  /** The store's runroot (RequiresMountsFor= of units for existing containers). */
  runroot: string;
  version: string;
  /** `# DATE` header line; undefined leaves it out (tests). */
  timestamp?: string | undefined;
  /** Flags of `tpod run` (long name → shape); to split the create command at the image. */
  runFlags: Record<string, FlagShape>;
}

export interface GeneratedUnit {
  /** e.g. container-web (without .service). */
  serviceName: string;
  /** container-web.service, or container-web@.service for --template. */
  fileName: string;
  text: string;
  /** Messages for stderr (podman's warnings). */
  warnings: string[];
}

export function validateRestartPolicy(policy: string): void {
  if (!(RESTART_POLICIES as readonly string[]).includes(policy)) {
    throw new InvalidArgumentError(`${policy} is not a valid restart policy`, { hint: `one of ${RESTART_POLICIES.join(', ')}` });
  }
}

export function serviceName(container: Pick<UnitContainer, 'id' | 'name'>, options: GenerateOptions): string {
  const nameOrId = options.name ? container.name : container.id;
  const prefix = options.containerPrefix ?? 'container';
  return prefix ? `${prefix}${options.separator ?? '-'}${nameOrId}` : nameOrId;
}

export function containerUnit(container: UnitContainer, options: GenerateOptions, context: UnitContext): GeneratedUnit {
  const warnings: string[] = [];
  if (options.template && !options.new) throw new InvalidArgumentError('--template cannot be set without --new');
  if (options.restartPolicy !== undefined) validateRestartPolicy(options.restartPolicy);
  const service = serviceName(container, options);
  const nameOrId = options.name ? container.name : container.id;
  const stopTimeout = options.stopTimeout ?? container.stopTimeout;
  const tpod = [...context.executable.map(escapeSystemdArg), ...context.storeFlags.map(escapeSystemdArg)];
  let restartPolicy = options.restartPolicy ?? DEFAULT_RESTART_POLICY;
  let startLimitBurst: string | undefined;
  const extraEnv: string[] = [];
  let exec: { pre?: string; start: string; stop: string; stopPost: string; pidFile: string };
  let requiresMountsFor: string;

  if (!options.new) {
    // podman #15284: a restart policy of the container's own fights systemd's at shutdown.
    if (container.restartPolicy && container.restartPolicy !== 'no') {
      warnings.push(
        `Container ${container.id} has restart policy "${container.restartPolicy}" which can lead to issues on shutdown: consider recreating the container without a restart policy and use systemd's restart mechanism instead`,
      );
    }
    requiresMountsFor = context.runroot;
    exec = {
      start: formatOptions([...tpod, 'start', nameOrId]),
      stop: formatOptions([...tpod, 'stop', '-t', String(stopTimeout), nameOrId]),
      stopPost: formatOptions([...tpod, 'stop', '-t', String(stopTimeout), nameOrId]),
      pidFile: container.conmonPidFile,
    };
  } else {
    const parsed = parseCreateCommand(container.createCommand, context.runFlags);
    if (options.restartPolicy === undefined && parsed.restart) {
      // Unless the user chose one here, the container's own policy, in systemd's terms.
      const [policy, retries] = parsed.restart.split(':');
      restartPolicy = policy === 'unless-stopped' ? 'always' : policy!;
      if (policy === 'on-failure' && retries) startLimitBurst = retries;
      validateRestartPolicy(restartPolicy);
    }
    for (const key of parsed.envWithoutValue) {
      const value = container.env.find((entry) => entry.startsWith(`${key}=`));
      if (value) extraEnv.push(escapeEnvironment(value));
    }
    requiresMountsFor = context.storeFlags.length ? context.runroot : '%t/tpod';
    const flags = parsed.flags.map(escapeSystemdArg);
    const start = [
      ...tpod,
      'run',
      ...(options.template ? instanceName(flags, service) : []),
      `--cidfile=${CONTAINER_ID_FILE}`,
      `--conmon-pidfile=${CONMON_PID_FILE}`,
      '--rm',
      ...(parsed.detach ? [] : ['-d']),
      ...(parsed.name !== undefined && !parsed.replace ? ['--replace'] : []),
      ...flags,
      ...parsed.positionals.map(escapeSystemdArg),
    ];
    exec = {
      pre: formatOptions(['/bin/rm', '-f', CONTAINER_ID_FILE, CONMON_PID_FILE]),
      start: formatOptions(start),
      stop: formatOptions([...tpod, 'stop', '--ignore', '-t', String(stopTimeout), `--cidfile=${CONTAINER_ID_FILE}`]),
      stopPost: formatOptions([...tpod, 'rm', '-f', '--ignore', '-t', String(stopTimeout), `--cidfile=${CONTAINER_ID_FILE}`]),
      pidFile: CONMON_PID_FILE,
    };
  }

  const fileName = `${service}${options.template ? '@' : ''}.service`;
  const lines: string[] = [`# ${fileName}`];
  if (!options.noHeader) {
    lines.push(`# autogenerated by tpod ${context.version}`);
    if (context.timestamp) lines.push(`# ${context.timestamp}`);
  }
  lines.push(
    '',
    '[Unit]',
    `Description=tpod ${service}.service`,
    'Documentation=man:tpod-generate-systemd(1)',
    'Wants=network-online.target',
    'After=network-online.target',
    `RequiresMountsFor=${requiresMountsFor}`,
  );
  const wants = options.wants ?? [];
  const after = options.after ?? [];
  const requires = options.requires ?? [];
  if (wants.length || after.length || requires.length) lines.push('', '# User-defined dependencies');
  if (wants.length) lines.push(`Wants=${wants.join(' ')}`);
  if (after.length) lines.push(`After=${after.join(' ')}`);
  if (requires.length) lines.push(`Requires=${requires.join(' ')}`);
  lines.push('', '[Service]', `Environment=TPOD_SYSTEMD_UNIT=%n${options.template ? '-%i' : ''}`);
  if (extraEnv.length) lines.push(`Environment=${extraEnv.join(' ')}`);
  for (const entry of options.env ?? []) lines.push(`Environment=${escapeEnvironment(entry)}`);
  lines.push(`Restart=${restartPolicy}`);
  if (options.restartSec) lines.push(`RestartSec=${options.restartSec}`);
  if (startLimitBurst) lines.push(`StartLimitBurst=${startLimitBurst}`);
  if (options.startTimeout) lines.push(`TimeoutStartSec=${options.startTimeout}`);
  lines.push(`TimeoutStopSec=${MIN_TIMEOUT_STOP_SEC + stopTimeout}`);
  if (exec.pre) lines.push(`ExecStartPre=${exec.pre}`);
  lines.push(`ExecStart=${exec.start}`, `ExecStop=${exec.stop}`, `ExecStop=${WAIT_FOR_MAIN_PID}`, `ExecStopPost=${exec.stopPost}`, `PIDFile=${exec.pidFile}`, 'Type=forking');
  lines.push('', '[Install]', 'WantedBy=default.target', '');
  return { serviceName: service, fileName, text: lines.join('\n'), warnings };
}

/**
 * A template unit runs one container per instance: its name gets `-%i` (podman's
 * setContainerNameForTemplate), changed in place in the create flags; or, when they name
 * none, the returned `--name=SERVICE-%i` goes right after `run`.
 */
function instanceName(flags: string[], service: string): string[] {
  const at = flags.findIndex((arg) => arg === '--name' || arg.startsWith('--name='));
  if (at < 0) return [`--name=${service}-%i`];
  if (flags[at] === '--name') flags[at + 1] = `${flags[at + 1]}-%i`;
  else flags[at] = `${flags[at]}-%i`;
  return [];
}

export interface ParsedCreateCommand {
  /** Global flags before the command words that the unit keeps (--runtime, --log-level). */
  globals: string[];
  /** The create/run flags kept, in order (store flags, --rm, --cidfile, --restart … dropped). */
  flags: string[];
  /** The image and the container's command. */
  positionals: string[];
  detach: boolean;
  name: string | undefined;
  replace: boolean;
  restart: string | undefined;
  /** `-e KEY` without a value: taken from tpod's environment at create time. */
  envWithoutValue: string[];
}

/** Store flags: the unit carries the store it was generated from instead (UnitContext). */
const STORE_FLAGS = new Set(['root', 'runroot']);
/** Flags the unit sets itself (podman's filterCommonContainerFlags, plus tpod's pid file). */
const DROPPED_FLAGS = new Set(['rm', 'cidfile', 'conmon-pidfile', 'restart']);

/**
 * Splits `tpod [globals] run|create|container run|container create FLAGS IMAGE [CMD…]` as
 * podman reads its create command: flags until the first positional (the image) or `--`.
 */
export function parseCreateCommand(argv: string[], runFlags: Record<string, FlagShape>): ParsedCreateCommand {
  const words = ['run', 'create'];
  const at = argv.findIndex((arg, i) => i > 0 && words.includes(arg));
  if (at < 0) throw new InvalidArgumentError(`container's create command is too short or invalid: ${argv.join(' ')}`);
  const globals = dropStoreFlags(argv.slice(1, at).filter((arg) => arg !== 'container'));
  const rest = argv.slice(at + 1);
  const byChar = new Map(Object.entries(runFlags).filter(([, f]) => f.char).map(([name, f]) => [f.char!, { name, ...f }]));
  const result: ParsedCreateCommand = { globals, flags: [], positionals: [], detach: false, name: undefined, replace: false, restart: undefined, envWithoutValue: [] };
  const isStore = (name: string): boolean => STORE_FLAGS.has(name);
  let i = 0;
  for (; i < rest.length; i++) {
    const arg = rest[i]!;
    if (arg === '--') {
      i++;
      break;
    }
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = arg.slice(2, eq < 0 ? undefined : eq);
      const takesValue = runFlags[name]?.type === 'option' || isStore(name);
      let value = eq < 0 ? undefined : arg.slice(eq + 1);
      const tokens = [arg];
      if (takesValue && value === undefined && i + 1 < rest.length) {
        value = rest[++i]!;
        tokens.push(value);
      }
      if (isStore(name) || DROPPED_FLAGS.has(name)) {
        if (name === 'restart') result.restart = value;
        continue;
      }
      if (name === 'detach' || name === 'replace') {
        // `--detach=false` would undo the -d the unit needs: podman drops it too.
        const on = value === undefined || value === 'true';
        if (name === 'detach') result.detach = on;
        else result.replace = on;
        if (!on) continue;
      }
      if (name === 'name') result.name = value;
      if (name === 'env' && value !== undefined && !value.includes('=')) result.envWithoutValue.push(value);
      result.flags.push(...tokens);
      continue;
    }
    if (arg.startsWith('-') && arg.length > 1) {
      const tokens = [arg];
      for (let c = 1; c < arg.length; c++) {
        const flag = byChar.get(arg[c]!);
        if (flag?.name === 'detach') result.detach = true;
        if (flag?.type === 'option') {
          let value = arg.slice(c + 1);
          if (!value && i + 1 < rest.length) {
            value = rest[++i]!;
            tokens.push(value);
          }
          if (flag.name === 'name') result.name = value;
          if (flag.name === 'env' && !value.includes('=')) result.envWithoutValue.push(value);
          break;
        }
      }
      result.flags.push(...tokens);
      continue;
    }
    break;
  }
  result.positionals = rest.slice(i);
  // The unit keeps global flags that are not about the store; they go after `run`, where
  // tpod reads them too.
  result.flags.unshift(...globals);
  return result;
}

function dropStoreFlags(args: string[]): string[] {
  const kept: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const name = arg.replace(/^--/, '').split('=')[0]!;
    if (arg.startsWith('--') && STORE_FLAGS.has(name)) {
      if (!arg.includes('=')) i++;
      continue;
    }
    kept.push(arg);
  }
  return kept;
}

/**
 * One argument for an Exec line: `$` and `%` doubled (systemd would expand them), quoted
 * when it holds white space or quotes (systemd splits on white space and unquotes).
 */
export function escapeSystemdArg(arg: string): string {
  let escaped = arg.replace(/\$/g, '$$$$').replace(/%/g, '%%');
  if (/[\s"']/.test(escaped) || escaped === '') escaped = JSON.stringify(escaped);
  else escaped = escaped.replace(/\\/g, '\\\\');
  return escaped;
}

/**
 * One Environment= assignment: systemd expands specifiers (%) there but not variables, so
 * unlike an Exec argument `$` stays single (podman doubles it, which leaves `$$` in the value).
 */
export function escapeEnvironment(assignment: string): string {
  const escaped = assignment.replace(/%/g, '%%');
  return /[\s"'\\]/.test(escaped) ? JSON.stringify(escaped) : escaped;
}

/** podman's layout: each argument starting with `-` on a continuation line. */
export function formatOptions(args: string[]): string {
  if (args.length === 0) return '';
  let out = args[0]!;
  for (const arg of args.slice(1)) out += arg.startsWith('-') ? ` \\\n\t${arg}` : ` ${arg}`;
  return out;
}

/** Go's time.UnixDate in UTC (podman prints local time; the unit's host clock is UTC here). */
export function unixDate(date: Date): string {
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const pad = (n: number): string => String(n).padStart(2, '0');
  const day = String(date.getUTCDate()).padStart(2, ' ');
  return `${days[date.getUTCDay()]} ${months[date.getUTCMonth()]} ${day} ${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} UTC ${date.getUTCFullYear()}`;
}
