/**
 * Rendering a command's result as podman does: `--format json` (indented JSON),
 * `--format '{{...}}'` (a Go template per item), or the command's own default text.
 */
import { alignColumns, compileTemplate } from './template.js';

/** `headings` renames columns by field, as podman's "IMAGE ID" for `{{.ID}}` in images. */
export function renderFormatted(items: unknown[], format: string, headings?: Record<string, string>): string {
  if (format === 'json') return JSON.stringify(items, null, 4);
  const template = compileTemplate(format);
  const rows = items.map((item) => template.render(item));
  if (!template.table) return rows.join('\n');
  return alignColumns([template.header(headings), ...rows]);
}

/** A single object (info, inspect of one): JSON is the object itself, not an array. */
export function renderOne(item: unknown, format: string): string {
  if (format === 'json') return JSON.stringify(item, null, 4);
  return renderFormatted([item], format);
}
