/**
 * Names a user gives to local images (`tpod tag IMG NAME`): podman qualifies a short name
 * with `localhost/`, so `tpod tag busybox mybox` makes `localhost/mybox:latest`.
 */
import { parseReference } from '../reference/reference.js';

export function localName(input: string): string {
  const ref = parseReference(input);
  const qualified = ref.shortName ? ref.withRegistry('localhost') : ref;
  return qualified.nameWithTag ?? qualified.toString();
}
