/** `tpod images --filter`: podman's reference=, dangling=, id=, label=, label!= filters. */
import { InvalidArgumentError } from '../errors.js';
import { labelFilter } from '../labels.js';
import type { ImageSummaryRow } from './report.js';

type Predicate = (row: ImageSummaryRow) => boolean;

export function filterImageRows(rows: ImageSummaryRow[], filters: string[]): ImageSummaryRow[] {
  const predicates = filters.map(parseFilter);
  return rows.filter((row) => predicates.every((matches) => matches(row)));
}

function parseFilter(filter: string): Predicate {
  const byLabel = labelFilter(filter);
  if (byLabel) return (row) => byLabel(row.Labels);
  const eq = filter.indexOf('=');
  const key = eq < 0 ? filter : filter.slice(0, eq);
  const value = eq < 0 ? '' : filter.slice(eq + 1);
  switch (key) {
    case 'reference':
      return referenceMatcher(value);
    case 'dangling':
      if (value !== 'true' && value !== 'false') throw new InvalidArgumentError(`invalid filter "${filter}": dangling must be true or false`);
      return (row) => row.Dangling === (value === 'true');
    case 'id':
      return (row) => row.Id.startsWith(value);
    default:
      throw new InvalidArgumentError(`invalid filter "${filter}": unknown filter key "${key}"`);
  }
}

/** A glob over `repository[:tag]`, matched against the full name or its last path parts. */
function referenceMatcher(pattern: string): Predicate {
  const withTag = pattern.includes(':') && pattern.lastIndexOf(':') > pattern.lastIndexOf('/');
  const regex = new RegExp(`(^|/)${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '.')}$`);
  return (row) => {
    const name = withTag ? `${row.Repository}:${row.Tag}` : row.Repository;
    return regex.test(name);
  };
}
