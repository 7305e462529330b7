/**
 * Container IDs (64 hex, as docker and podman) and generated names. Podman names unnamed
 * containers adjective_surname; tpod does the same with its own short word lists.
 */
import { randomBytes } from '../random.js';
import { InvalidArgumentError } from '../errors.js';

export function newContainerId(): string {
  return randomBytes(32).toString('hex');
}

const ADJECTIVES = [
  'admiring', 'agile', 'amazing', 'bold', 'brave', 'bright', 'busy', 'calm', 'clever', 'cool', 'crisp', 'daring', 'dazzling', 'eager',
  'elated', 'epic', 'fancy', 'fervent', 'festive', 'focused', 'friendly', 'gallant', 'gentle', 'gifted', 'happy', 'hopeful', 'jolly',
  'keen', 'kind', 'lucid', 'loving', 'lucky', 'merry', 'modest', 'nifty', 'nimble', 'noble', 'optimistic', 'peaceful', 'pensive',
  'proud', 'quiet', 'quirky', 'relaxed', 'serene', 'sharp', 'silly', 'sleepy', 'stoic', 'sweet', 'swift', 'tender', 'trusting',
  'upbeat', 'vibrant', 'vigilant', 'vivid', 'wizardly', 'witty', 'youthful', 'zealous', 'zen',
];
const NAMES = [
  'agnesi', 'babbage', 'banach', 'bell', 'bohr', 'boole', 'cantor', 'carson', 'cerf', 'curie', 'darwin', 'dijkstra', 'einstein',
  'euclid', 'euler', 'faraday', 'fermat', 'feynman', 'franklin', 'galois', 'gauss', 'germain', 'goldberg', 'hamilton', 'hawking',
  'hertz', 'hilbert', 'hopper', 'hypatia', 'jackson', 'johnson', 'kepler', 'knuth', 'lamarr', 'lamport', 'liskov', 'lovelace',
  'maxwell', 'meitner', 'mirzakhani', 'morse', 'newton', 'noether', 'pascal', 'pasteur', 'perlman', 'planck', 'ramanujan', 'ritchie',
  'shannon', 'shaw', 'sinoussi', 'tesla', 'thompson', 'torvalds', 'turing', 'volta', 'wilson', 'wozniak', 'wright', 'yonath',
];

export function randomContainerName(): string {
  const pick = (words: string[]): string => words[randomBytes(2).readUInt16BE() % words.length]!;
  return `${pick(ADJECTIVES)}_${pick(NAMES)}`;
}

/**
 * A generated name no container has yet. Like podman, a clash picks again; after a few
 * clashes (a store with thousands of containers) a number is appended.
 */
export function uniqueContainerName(isTaken: (name: string) => boolean): string {
  for (let attempt = 0; attempt < 50; attempt++) {
    const name = attempt < 10 ? randomContainerName() : `${randomContainerName()}${randomBytes(2).readUInt16BE() % 10000}`;
    if (!isTaken(name)) return name;
  }
  return `tpod_${newContainerId().slice(0, 12)}`;
}

/** Docker's rule for container names: [a-zA-Z0-9][a-zA-Z0-9_.-]* */
export function validateContainerName(name: string): string {
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(name)) {
    throw new InvalidArgumentError(`invalid container name "${name}": names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*`);
  }
  return name;
}
