/** `tpod version`: the client's version as podman shows it (Client.Version, OsArch). */
import { statSync } from 'node:fs';
import { tpodVersion } from '../version.js';

export interface VersionReport {
  Client: { APIVersion: string; Version: string; NodeVersion: string; Built: string; OsArch: string };
}

export function versionReport(): VersionReport {
  const version = tpodVersion();
  return {
    Client: {
      APIVersion: version,
      Version: version,
      NodeVersion: process.version,
      Built: builtAt(),
      OsArch: `${process.platform}/${goArch(process.arch)}`,
    },
  };
}

/** Go's GOARCH names, which OCI platforms and podman use (x64 is amd64). */
export function goArch(nodeArch: string): string {
  const names: Record<string, string> = { x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };
  return names[nodeArch] ?? nodeArch;
}

function builtAt(): string {
  try {
    return statSync(new URL(import.meta.url)).mtime.toUTCString();
  } catch {
    return 'unknown';
  }
}
