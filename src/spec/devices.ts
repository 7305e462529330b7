/**
 * linux.resources.devices: the device cgroup allowlist. Everything is denied, then the
 * nodes every container has are allowed: the ones runc and crun create in /dev (null,
 * zero, full, random, urandom, tty), the console and the private devpts instance (ptmx and
 * /dev/pts/*), plus mknod of any node (creating a node grants no access to it). This is
 * the list runc itself appends (libcontainer/specconv AllowedDevices, less /dev/net/tun),
 * written out so crun and anyone reading config.json sees the same. linux.devices stays
 * empty: the runtime creates the default nodes on its own. `--privileged` allows all.
 */
import type { LinuxDeviceCgroup } from './types.js';

function allowChar(major: number | undefined, minor: number | undefined, access = 'rwm'): LinuxDeviceCgroup {
  const rule: LinuxDeviceCgroup = { allow: true, type: 'c', access };
  if (major !== undefined) rule.major = major;
  if (minor !== undefined) rule.minor = minor;
  return rule;
}

export function deviceCgroupRules(privileged: boolean): LinuxDeviceCgroup[] {
  if (privileged) return [{ allow: true, access: 'rwm' }];
  return [
    { allow: false, access: 'rwm' },
    allowChar(undefined, undefined, 'm'),
    { allow: true, type: 'b', access: 'm' },
    allowChar(1, 3), // /dev/null
    allowChar(1, 5), // /dev/zero
    allowChar(1, 7), // /dev/full
    allowChar(1, 8), // /dev/random
    allowChar(1, 9), // /dev/urandom
    allowChar(5, 0), // /dev/tty
    allowChar(5, 1), // /dev/console
    allowChar(5, 2), // /dev/ptmx
    allowChar(136, undefined), // /dev/pts/*
  ];
}
