/**
 * Container labels (`--label`, `--label-file`), as podman: `--label KEY=VALUE`, or `KEY`
 * alone for an empty value. A label file holds `KEY=VALUE` lines; blank lines, `#`
 * comments and lines without `=` are skipped (podman drops those too).
 * Files are read first and flags override them; the container's labels start from the
 * image's (its config's `Labels`), which the container's own override.
 */
import { InvalidArgumentError } from './errors.js';

export type Labels = Record<string, string>;

/** `--label` values, in order: a later one for the same key wins. */
export function parseLabelFlags(values: readonly string[]): Labels {
  return parseKeyValueFlags(values, 'label');
}

/** `--KIND KEY=VALUE` values (labels, annotations), in order: a later one for the same key wins. */
export function parseKeyValueFlags(values: readonly string[], kind: 'label' | 'annotation'): Labels {
  const pairs: Labels = {};
  for (const value of values) addPair(pairs, value, kind, `--${kind} ${JSON.stringify(value)}`);
  return pairs;
}

/** The text of a `--label-file`; `name` (its path) goes into errors with the line number. */
export function parseLabelFile(text: string, name: string): Labels {
  const labels: Labels = {};
  for (const [i, rawLine] of text.split('\n').entries()) {
    const line = rawLine.replace(/\r$/, '').trim();
    if (line === '' || line.startsWith('#') || !line.includes('=')) continue;
    addPair(labels, line, 'label', `${name}:${i + 1}`);
  }
  return labels;
}

/** The labels a container records: the image's, with its own (files, then flags) over them. */
export function containerLabels(imageLabels: Labels | undefined, own: Labels = {}): Labels {
  return { ...imageLabels, ...own };
}

function addPair(pairs: Labels, entry: string, kind: string, where: string): void {
  const eq = entry.indexOf('=');
  const key = (eq === -1 ? entry : entry.slice(0, eq)).trim();
  if (key === '') throw new InvalidArgumentError(`invalid ${kind} ${where}: the name is empty`);
  if (/\s/.test(key)) throw new InvalidArgumentError(`invalid ${kind} ${where}: the name contains whitespace`);
  pairs[key] = eq === -1 ? '' : entry.slice(eq + 1);
}

/**
 * `--filter label=KEY` (the key is set, any value) or `label=KEY=VALUE` (set to exactly
 * VALUE), as podman's ps and images filters.
 */
export function matchesLabelFilter(labels: Labels | undefined, filter: string): boolean {
  const eq = filter.indexOf('=');
  const key = eq === -1 ? filter : filter.slice(0, eq);
  if (!labels || !Object.hasOwn(labels, key)) return false;
  return eq === -1 || labels[key] === filter.slice(eq + 1);
}

/**
 * A `--filter label=KEY[=VALUE]` or `label!=KEY[=VALUE]` as a predicate over labels;
 * undefined for a filter on something else.
 */
export function labelFilter(filter: string): ((labels: Labels | undefined) => boolean) | undefined {
  if (filter.startsWith('label!=')) {
    const wanted = filter.slice('label!='.length);
    return (labels) => !matchesLabelFilter(labels, wanted);
  }
  if (filter.startsWith('label=')) {
    const wanted = filter.slice('label='.length);
    return (labels) => matchesLabelFilter(labels, wanted);
  }
  return undefined;
}
