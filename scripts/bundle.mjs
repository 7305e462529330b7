// Bundles the launcher, @oclif/core, every command and the engine with esbuild into one
// CommonJS file, dist/bundle/tpod/tpod.cjs, which bin/tpod runs through V8's code cache
// (start-up speed; ARCHITECTURE.md "Start-up"). Input is tsc's output under dist/, so the
// bundle runs exactly the code the tests import. Each command's module is behind a dynamic
// import(), which esbuild turns into a lazy initializer: a command evaluates only its own
// module graph. Native better-sqlite3 stays external; so does typescript, which
// @oclif/core only requires for development-mode tsconfig reading, and x11, which dbus-next
// requires only to find a session bus through an X display (never tpod's case).
//
// The bundle sits three levels below the package root, like dist/src/containers/ and
// dist/commands/generate/: modules locate bin/tpod as new URL('../../../bin/tpod',
// import.meta.url), which must hold in the bundle too.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;
const outdir = `${root}dist/bundle/tpod`;
const manifest = JSON.parse(readFileSync(`${root}oclif.manifest.json`, 'utf8'));

const loaders = Object.values(manifest.commands)
  .map((c) => `  ${JSON.stringify(c.id)}: () => import(${JSON.stringify(`./${c.relativePath.join('/')}`)}),`)
  .join('\n');
const entry = `import { launch as launchWith } from './dist/cli/launch.js';
const loaders = {
${loaders}
};
export function launch(root, argv) {
  return launchWith(root, argv, loaders);
}
`;

/**
 * oclif's Config.load imports wsl-utils to name the platform 'wsl' instead of 'linux' (it
 * probes /proc/version, /.dockerenv, /proc/self/cgroup); tpod never reads config.platform,
 * and powerShellPath serves Windows shells only.
 */
const stubWslUtils = {
  name: 'stub-wsl-utils',
  setup(b) {
    b.onResolve({ filter: /^wsl-utils$/ }, () => ({ path: 'wsl-utils', namespace: 'stub' }));
    b.onLoad({ filter: /.*/, namespace: 'stub' }, () => ({
      contents: "export const isWsl = false;\nexport async function powerShellPath() { return 'powershell.exe'; }\n",
      loader: 'js',
    }));
  },
};

/**
 * bin/tpod reads the bundle as latin1, a third of the time of decoding 2.5 MB of UTF-8 and
 * a one-byte string for V8, which needs pure ASCII. esbuild escapes non-ASCII in strings
 * but keeps it in comments and some regular expressions (ansis); a \\uXXXX escape means the
 * same there, and in identifiers and template literals too (only String.raw would see it).
 */
function asciiOnly(file) {
  // Without the u flag the pattern matches UTF-16 code units: astral characters become
  // surrogate pairs of escapes, which JavaScript reads back as the same character.
  const code = readFileSync(file, 'utf8').replace(/[^\0-\x7f]/g, (unit) => `\\u${unit.charCodeAt(0).toString(16).padStart(4, '0')}`);
  writeFileSync(file, code);
}

/** Resolves an import of `name` (from tpod's code, not from the alias file) to `file`. */
function aliasFile(name, file) {
  return {
    name: `alias-${name}`,
    setup(b) {
      b.onResolve({ filter: new RegExp(`^${name}$`) }, (args) => (args.importer === file ? undefined : { path: file }));
      b.onResolve({ filter: new RegExp(`^${name}/lib/`) }, (args) => ({ path: `${root}node_modules/${args.path}.js` }));
    },
  };
}

// Built next to the old bundle and swapped in, so a failed build leaves bin/tpod working.
const staging = `${outdir}.new`;
rmSync(staging, { recursive: true, force: true });
await build({
  stdin: { contents: entry, resolveDir: root, sourcefile: 'launch.js', loader: 'js' },
  outfile: `${staging}/tpod.cjs`,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  external: ['better-sqlite3', 'typescript', 'x11'],
  // A script compiled with cachedData loses its dynamic-import callback (Node 20: "A
  // dynamic import callback was not specified"), so no real import() may remain: imports
  // of bundled modules become lazy initializers anyway, and the rest (Node built-ins such
  // as import('node:fs/promises')) become require(). Only oclif's loading of commands and
  // plugins by file path needs import(), and the launcher hands it every command.
  supported: { 'dynamic-import': false },
  // tpod's modules are ES modules that locate files from import.meta.url, which a
  // CommonJS bundle lacks: it becomes the bundle's own file URL.
  banner: { js: "const __tpodModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
  define: {
    'import.meta.url': '__tpodModuleUrl',
    // oclif checks process.versions.node against its own package.json's engines with
    // semver at import (~6 ms of semver evaluation, and no such package.json is next to
    // the bundle); npm enforces tpod's own engines field at install.
    'process.env.OCLIF_DISABLE_ENGINE_WARNING': '"1"',
  },
  // undici's lib/ files directly: its exports map hides them from a plain require.
  plugins: [aliasFile('undici', `${root}scripts/undici-agent.cjs`), stubWslUtils],
  logLevel: 'warning',
});
asciiOnly(`${staging}/tpod.cjs`);
rmSync(outdir, { recursive: true, force: true });
renameSync(staging, outdir);

// bin/tpod writes the code cache when there is none: have one command that opens a store
// and renders a table (ps on an empty one) write it now, so the first real command and
// every copy of dist/ (bench/run.mjs) start warm.
const store = mkdtempSync(join(tmpdir(), 'tpod-bundle-'));
try {
  const warm = spawnSync(process.execPath, [`${root}bin/tpod`, '--root', `${store}/root`, '--runroot', `${store}/run`, 'ps', '-a'], { encoding: 'utf8' });
  if (warm.status !== 0) throw new Error(`bin/tpod ps -a from the new bundle failed: ${warm.stderr}`);
} finally {
  rmSync(store, { recursive: true, force: true });
}
console.log(`bundle: ${Object.keys(manifest.commands).length} commands in ${outdir.slice(root.length)}/tpod.cjs, code cache written`);
