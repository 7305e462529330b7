/** `tpod ps --filter`: podman's status=, name=, id=, ancestor=, exited=, label=, label!=, restart-policy= filters. */
import { InvalidArgumentError } from '../errors.js';
import { labelFilter } from '../labels.js';
import type { ContainerRecord } from './store.js';

export function filterContainers(containers: ContainerRecord[], filters: string[]): ContainerRecord[] {
  const predicates = filters.map(parseFilter);
  return containers.filter((container) => predicates.every((matches) => matches(container)));
}

function parseFilter(filter: string): (container: ContainerRecord) => boolean {
  const byLabel = labelFilter(filter);
  if (byLabel) return (c) => byLabel(c.config.labels);
  const eq = filter.indexOf('=');
  const key = filter.slice(0, eq < 0 ? undefined : eq);
  const value = eq < 0 ? '' : filter.slice(eq + 1);
  switch (key) {
    case 'status':
      return (c) => c.state === value || (value === 'stopped' && c.state === 'exited');
    case 'name':
      return (c) => new RegExp(value).test(c.name);
    case 'id':
      return (c) => c.id.startsWith(value);
    case 'ancestor':
      return (c) => c.imageName.includes(value) || c.imageId.startsWith(value);
    case 'restart-policy':
      // tpod-restart.service starts `restart-policy=always` containers at boot (podman's).
      return (c) => c.config.restartPolicy.split(':')[0] === value;
    case 'exited':
      return (c) => c.state === 'exited' && String(c.exitCode) === value;
    default:
      throw new InvalidArgumentError(`invalid filter "${filter}": unknown filter key "${key}"`);
  }
}
