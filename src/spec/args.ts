/**
 * process.args from the image's Entrypoint/Cmd and the command line, with podman's rules
 * (pkg/specgen/generate makeCommand; docker's are the same but for `--entrypoint`):
 *   args = entrypoint + (command if given, else the image's Cmd)
 * where entrypoint is `--entrypoint` if given, else the image's. An explicit `--entrypoint`
 * drops the image's Cmd: the image's Cmd was written as arguments to the image's
 * entrypoint, not to the one the user substituted.
 */
import { InvalidArgumentError } from '../errors.js';
import type { ContainerConfig } from '../oci/types.js';

/**
 * `--entrypoint VALUE`: a JSON array of strings (`'["sh","-c"]'`) or else one program
 * name, as podman decodes it. `--entrypoint ""` gives [""], which clears the entrypoint.
 */
export function parseEntrypoint(value: string): string[] {
  if (value.trimStart().startsWith('[')) {
    try {
      const parsed: unknown = JSON.parse(value);
      if (Array.isArray(parsed) && parsed.every((item) => typeof item === 'string')) return parsed;
    } catch {
      // Not JSON: podman then takes the whole value as the program.
    }
  }
  return [value];
}

/** The argv the container starts, before `--init` wraps it. */
export function processArgs(image: ContainerConfig | undefined, options: { entrypoint?: string[]; command?: string[] }): string[] {
  const explicitEntrypoint = options.entrypoint !== undefined;
  const entrypoint = explicitEntrypoint ? clearedIfEmpty(options.entrypoint ?? []) : (image?.Entrypoint ?? []);
  const command = options.command?.length ? options.command : explicitEntrypoint ? [] : (image?.Cmd ?? []);
  const args = [...entrypoint, ...command];
  if (args.length === 0) throw new InvalidArgumentError('no command or entrypoint specified for image');
  return args;
}

/** [""] is how a user says "no entrypoint" on the command line (podman, docker). */
function clearedIfEmpty(entrypoint: string[]): string[] {
  return entrypoint.length === 1 && entrypoint[0] === '' ? [] : entrypoint;
}
