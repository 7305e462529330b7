/**
 * Container IDs (64 hex, as docker and podman) and generated names. Podman names unnamed
 * containers adjective_surname; tpod does the same with its own short word lists.
 */
import { randomBytes } from 'node:crypto';
import { InvalidArgumentError } from '../errors.js';

export function newContainerId(): string {
  return randomBytes(32).toString('hex');
}

const ADJECTIVES = ['brave', 'calm', 'eager', 'fancy', 'gentle', 'happy', 'jolly', 'keen', 'lucid', 'merry', 'nimble', 'proud', 'quiet', 'swift', 'tender', 'vivid', 'witty', 'zealous'];
const NAMES = ['babbage', 'curie', 'darwin', 'euler', 'fermat', 'gauss', 'hopper', 'jackson', 'kepler', 'lovelace', 'meitner', 'noether', 'pascal', 'ritchie', 'shannon', 'turing', 'wozniak', 'yonath'];

export function randomContainerName(): string {
  const pick = (words: string[]): string => words[randomBytes(1)[0]! % words.length]!;
  return `${pick(ADJECTIVES)}_${pick(NAMES)}${randomBytes(1)[0]! % 10 === 0 ? randomBytes(1)[0]! % 100 : ''}`;
}

/** Docker's rule for container names: [a-zA-Z0-9][a-zA-Z0-9_.-]* */
export function validateContainerName(name: string): string {
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(name)) {
    throw new InvalidArgumentError(`invalid container name "${name}": names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*`);
  }
  return name;
}
