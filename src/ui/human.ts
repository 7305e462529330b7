/** Sizes and ages as podman prints them (go-units): decimal units, three significant digits. */

const SIZE_UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];

export function humanSize(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < SIZE_UNITS.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${Number(value.toPrecision(3))} ${SIZE_UNITS[unit]}`;
}

/** "About a minute ago", "3 hours ago", "2 weeks ago", as go-units HumanDuration. */
export function humanAge(iso: string | undefined, now = Date.now()): string {
  if (!iso) return 'Unknown';
  const seconds = Math.max(0, (now - Date.parse(iso)) / 1000);
  return `${humanDuration(seconds)} ago`;
}

export function humanDuration(seconds: number): string {
  const minutes = seconds / 60;
  const hours = minutes / 60;
  const days = hours / 24;
  if (seconds < 1) return 'Less than a second';
  if (seconds < 2) return '1 second';
  if (seconds < 60) return `${Math.floor(seconds)} seconds`;
  if (minutes < 2) return 'About a minute';
  if (minutes < 60) return `${Math.floor(minutes)} minutes`;
  if (hours < 2) return 'About an hour';
  if (hours < 48) return `${Math.floor(hours)} hours`;
  if (days < 14) return `${Math.floor(days)} days`;
  if (days < 60) return `${Math.floor(days / 7)} weeks`;
  if (days < 365 * 2) return `${Math.floor(days / 30)} months`;
  return `${Math.floor(days / 365)} years`;
}
