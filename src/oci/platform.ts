/**
 * Choosing one platform's manifest from an image index, the way containers/image does it
 * (internal/pkg/platform): build the list of acceptable platforms, most specific first, and
 * take the first index entry that matches one exactly (image-index.md "platform").
 *
 * Variants only matter on ARM: a host detected as arm64 "v8" also accepts entries with no
 * variant; a request without a variant accepts no-variant entries first, then the base
 * variant ("v8" for arm64); arm "v7" falls back to v6 then v5.
 */
import { readFileSync } from 'node:fs';
import { endianness } from 'node:os';
import { NotFoundError } from '../errors.js';
import type { Descriptor, ImageIndex, Platform } from './types.js';

/** What the caller asks for; anything left out is the host's. */
export interface PlatformChoice {
  os?: string | undefined;
  architecture?: string | undefined;
  variant?: string | undefined;
}

/** Known variants per architecture, most capable (most restrictive) first. */
const VARIANT_COMPATIBILITY: Record<string, readonly string[]> = {
  arm: ['v7', 'v6', 'v5'],
  arm64: ['v8'],
};

/** A variant every machine of the architecture supports. */
const BASE_VARIANT: Record<string, string> = { arm64: 'v8' };

/** Node's process.arch → GOARCH, the names image indexes use. */
const NODE_ARCH_TO_OCI: Record<string, string> = {
  x64: 'amd64',
  arm64: 'arm64',
  arm: 'arm',
  ia32: '386',
  ppc64: endianness() === 'LE' ? 'ppc64le' : 'ppc64',
  s390x: 's390x',
  riscv64: 'riscv64',
  loong64: 'loong64',
  mips: 'mips',
  mipsel: 'mipsle',
};

/** Node's process.platform → GOOS. */
const NODE_OS_TO_OCI: Record<string, string> = { win32: 'windows' };

/** Spellings users and uname use for the same architectures (containerd's Normalize). */
const ARCH_ALIASES: Record<string, { architecture: string; variant?: string }> = {
  x86_64: { architecture: 'amd64' },
  'x86-64': { architecture: 'amd64' },
  aarch64: { architecture: 'arm64' },
  armhf: { architecture: 'arm', variant: 'v7' },
  armel: { architecture: 'arm', variant: 'v6' },
  i386: { architecture: '386' },
  i686: { architecture: '386' },
};

/** The host as an OCI platform; the variant comes from /proc/cpuinfo on ARM. */
export function hostPlatform(
  nodeArch: string = process.arch,
  nodePlatform: string = process.platform,
  readCpuInfo: () => string = () => readFileSync('/proc/cpuinfo', 'utf8'),
): Platform {
  const architecture = NODE_ARCH_TO_OCI[nodeArch] ?? nodeArch;
  const platform: Platform = { os: NODE_OS_TO_OCI[nodePlatform] ?? nodePlatform, architecture };
  if (architecture === 'arm' || architecture === 'arm64') {
    const variant = armVariantFromCpuInfo(safely(readCpuInfo));
    if (variant) platform.variant = variant;
  }
  return platform;
}

/** The "CPU architecture" line of /proc/cpuinfo as an ARM variant ("8" → "v8"). */
export function armVariantFromCpuInfo(cpuinfo: string): string | undefined {
  const line = cpuinfo.split('\n').find((l) => /^cpu architecture\s*:/i.test(l));
  const value = line?.split(':')[1]?.trim().toLowerCase() ?? '';
  if (value === '8' || value === 'aarch64') return 'v8';
  if (/^7/.test(value) || /^\?\(1[2-7]\)$/.test(value)) return 'v7';
  if (value === '6' || value === '6tej') return 'v6';
  if (/^5/.test(value)) return 'v5';
  return undefined;
}

/** User spellings to index spellings: `aarch64` → `arm64`, `armhf` → `arm/v7`, `8` → `v8`. */
export function normalizePlatform(choice: PlatformChoice): PlatformChoice {
  const normalized: PlatformChoice = { ...choice };
  if (choice.os) normalized.os = choice.os.toLowerCase();
  if (choice.architecture) {
    const arch = choice.architecture.toLowerCase();
    const alias = ARCH_ALIASES[arch];
    normalized.architecture = alias?.architecture ?? arch;
    if (alias?.variant && !choice.variant) normalized.variant = alias.variant;
  }
  if (normalized.variant && /^\d+$/.test(normalized.variant)) normalized.variant = `v${normalized.variant}`;
  return normalized;
}

/**
 * The platforms acceptable for `choice`, preferred first. As in containers/image, the
 * host's variant is detected only when the architecture is the host's default: an explicit
 * `--arch arm64` means any arm64 image, not one tuned to this CPU.
 */
export function wantedPlatforms(choice: PlatformChoice = {}, host: Platform = hostPlatform()): Platform[] {
  const { os, architecture, variant } = normalizePlatform(choice);
  const wantedArch = architecture ?? host.architecture;
  const wantedVariant = variant ?? (architecture === undefined ? host.variant : undefined);
  const wantedOs = os ?? host.os;
  return variantsInOrder(wantedArch, wantedVariant).map((v) => {
    const platform: Platform = { os: wantedOs, architecture: wantedArch };
    if (v !== '') platform.variant = v;
    return platform;
  });
}

function variantsInOrder(architecture: string, variant: string | undefined): string[] {
  if (!variant) {
    const base = BASE_VARIANT[architecture];
    return base ? ['', base] : [''];
  }
  const order = VARIANT_COMPATIBILITY[architecture] ?? [];
  const at = order.indexOf(variant);
  return [...(at >= 0 ? order.slice(at) : [variant]), ''];
}

/** Exact match of os, architecture and variant (a missing variant is the empty variant). */
export function platformMatches(image: Platform, wanted: Platform): boolean {
  return (
    image.os === wanted.os &&
    image.architecture === wanted.architecture &&
    (image.variant ?? '') === (wanted.variant ?? '')
  );
}

/**
 * The index entry for `choice` (default: this host). Entries without a platform are
 * skipped, as containers/image does for OCI indexes. No match is a NotFoundError that
 * lists what the index offers.
 */
export function choosePlatform(
  index: ImageIndex,
  choice: PlatformChoice = {},
  host: Platform = hostPlatform(),
): Descriptor {
  const wanted = wantedPlatforms(choice, host);
  for (const candidate of wanted) {
    const entry = index.manifests.find((d) => d.platform && platformMatches(d.platform, candidate));
    if (entry) return entry;
  }
  const available = index.manifests.flatMap((d) => (d.platform ? [formatPlatform(d.platform)] : []));
  const offered = available.length > 0 ? available.join(', ') : 'none';
  throw new NotFoundError(`no image in the index matches platform ${formatPlatform(wanted[0]!)} (available: ${offered})`);
}

/** `os/architecture[/variant]`, as `--platform` spells it. */
export function formatPlatform(platform: Pick<Platform, 'os' | 'architecture' | 'variant'>): string {
  return [platform.os, platform.architecture, platform.variant].filter((part) => part).join('/');
}

function safely(read: () => string): string {
  try {
    return read();
  } catch {
    return '';
  }
}
