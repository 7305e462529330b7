/**
 * The subset of Go's text/template that podman users write in `--format`:
 * `{{.Field.Sub}}`, `{{json .Field}}`, `{{upper .F}}`, `{{lower .F}}`, `{{truncate .F N}}`,
 * escapes `\t` and `\n`, and the `table` prefix (header row, tab-aligned columns).
 * Anything else is refused with the unsupported action named, never printed verbatim.
 */
import { InvalidArgumentError } from '../errors.js';

type Value = unknown;
const ACTION = /\{\{\s*(.*?)\s*\}\}/g;

export interface CompiledTemplate {
  /** True when the user asked for `table ...`: print a header and align columns. */
  table: boolean;
  render(data: Value): string;
  header(headings?: Record<string, string>): string;
}

export function compileTemplate(source: string): CompiledTemplate {
  let body = source.replace(/\\t/g, '\t').replace(/\\n/g, '\n');
  const table = /^table(\s|$)/.test(body);
  if (table) body = body.replace(/^table\s*/, '');
  if (body.replace(ACTION, '').includes('{{')) {
    throw new InvalidArgumentError(`unclosed action in --format template "${source}"`);
  }
  const actions = [...body.matchAll(ACTION)].map((m) => parseAction(m[1] ?? '', source));
  const literals = body.split(ACTION).filter((_, i) => i % 2 === 0);
  return {
    table,
    render(data) {
      let out = literals[0] ?? '';
      actions.forEach((action, i) => {
        out += action.evaluate(data) + (literals[i + 1] ?? '');
      });
      return out;
    },
    header(headings = {}) {
      let out = literals[0] ?? '';
      actions.forEach((action, i) => {
        out += (headings[action.field] ?? action.heading) + (literals[i + 1] ?? '');
      });
      return out;
    },
  };
}

interface Action {
  /** The last field name (`ID` in `{{.ID}}`): commands rename headings by it. */
  field: string;
  heading: string;
  evaluate(data: Value): string;
}

function parseAction(text: string, source: string): Action {
  const words = text.split(/\s+/).filter(Boolean);
  const [first, ...rest] = words;
  if (first?.startsWith('.')) return fieldAction(first, (v) => stringify(v));
  const fn = FUNCTIONS[first ?? ''];
  const field = rest[0];
  if (!fn || !field?.startsWith('.')) {
    throw new InvalidArgumentError(`unsupported --format action "{{${text}}}" in "${source}"`);
  }
  return fieldAction(field, (v) => fn(v, rest.slice(1)));
}

function fieldAction(path: string, format: (v: Value) => string): Action {
  const keys = path.split('.').filter(Boolean);
  return {
    field: keys.at(-1) ?? '',
    heading: headingFor(keys),
    evaluate: (data) => format(lookup(data, keys)),
  };
}

const FUNCTIONS: Record<string, (v: Value, args: string[]) => string> = {
  json: (v) => JSON.stringify(v ?? null),
  upper: (v) => stringify(v).toUpperCase(),
  lower: (v) => stringify(v).toLowerCase(),
  truncate: (v, args) => stringify(v).slice(0, Number(args[0] ?? Infinity)),
};

function lookup(data: Value, keys: string[]): Value {
  let value = data;
  for (const key of keys) {
    if (value === null || typeof value !== 'object') return undefined;
    value = field(value as Record<string, Value>, key);
  }
  return value;
}

/**
 * Podman's templates name Go struct fields (`.Host.Kernel`) while its JSON keys are often
 * lower case (`host.kernel`): an exact key wins, else a case-insensitive match.
 */
function field(object: Record<string, Value>, key: string): Value {
  if (key in object) return object[key];
  const lower = key.toLowerCase();
  const match = Object.keys(object).find((k) => k.toLowerCase() === lower);
  return match === undefined ? undefined : object[match];
}

/** Go prints a missing map key as "<no value>"; objects as their fields. */
function stringify(v: Value): string {
  if (v === undefined || v === null) return '<no value>';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** Podman's table headings: the field name in upper case, CamelCase split by spaces. */
function headingFor(keys: string[]): string {
  const last = keys.at(-1) ?? '';
  return last.replace(/([a-z])([A-Z])/g, '$1 $2').toUpperCase();
}

/**
 * Aligns tab-separated rows into columns as podman's tabwriter does (minimum cell width
 * 12, padding 2), so scripts that cut podman's columns cut ours the same way.
 */
export function alignColumns(rows: string[], minWidth = 12, padding = 2): string {
  const cells = rows.map((row) => row.split('\t'));
  const widths: number[] = [];
  for (const row of cells) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? minWidth, cell.length + padding)));
  return cells.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('').trimEnd()).join('\n');
}
