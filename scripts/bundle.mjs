// Bundles the launcher, @oclif/core, every command and the engine with esbuild into one
// CommonJS file, dist/bundle/tpod/tpod.cjs, which bin/tpod.cjs runs through V8's code cache
// (start-up speed; ARCHITECTURE.md "Start-up"). Input is tsc's output under dist/, so the
// bundle runs exactly the code the tests import. Each command's module is behind a dynamic
// import(), which esbuild turns into a lazy initializer: a command evaluates only its own
// module graph. better-sqlite3's JavaScript is bundled (its compiled addon is loaded by path,
// src/state/database.ts); typescript stays external, which
// @oclif/core only requires for development-mode tsconfig reading, and x11, which dbus-next
// requires only to find a session bus through an X display (never tpod's case).
//
// The bundle sits three levels below the package root, like dist/src/containers/ and
// dist/commands/generate/: modules locate bin/tpod.cjs as new URL('../../../bin/tpod.cjs',
// import.meta.url), which must hold in the bundle too.
import { spawnSync } from 'node:child_process';
import { builtinModules, createRequire } from 'node:module';
import { mkdtempSync, readFileSync, realpathSync, renameSync, rmSync, writeFileSync } from 'node:fs';
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
 * bin/tpod.cjs reads the bundle as latin1, a third of the time of decoding 2.5 MB of UTF-8 and
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

/**
 * Node built-ins that most commands never call but whose loading costs milliseconds on
 * every start (crypto ~10 ms with its 20 internal modules; child_process brings net and
 * dgram; readline; perf_hooks for oclif's markers, which tpod never enables): an import of
 * one becomes an object of getters, one per export name (listed here, at build time, from
 * the same Node), that loads the real module on the first property read. Importers only
 * read properties of the module object (esbuild's named imports and its __toESM copy of
 * getters), so behaviour is unchanged; a command that hashes or spawns pays on first use.
 * http, http2 and tls serve undici (http2 only for TLS registries that offer h2, tls only
 * for https) and zlib gzip layers: together ~25 ms of a warm pull, which uses none of them. Plain data exports
 * (http2.constants, which undici destructures at load) are copied in, not deferred.
 */
const LAZY_BUILTINS = ['crypto', 'child_process', 'readline', 'perf_hooks', 'http', 'http2', 'tls', 'zlib'];

/** An export that is data only (numbers, strings, objects of them): safe to copy at build. */
function plainData(value) {
  if (value === null || ['number', 'string', 'boolean'].includes(typeof value)) return true;
  const prototype = Object.getPrototypeOf(value);
  return (prototype === Object.prototype || prototype === null) && Object.values(value).every(plainData);
}
function lazyBuiltins() {
  const requireHere = createRequire(import.meta.url);
  return {
    name: 'lazy-builtins',
    setup(b) {
      const names = LAZY_BUILTINS.flatMap((n) => [n, `node:${n}`]).map((n) => n.replace('_', '\\_'));
      b.onResolve({ filter: new RegExp(`^(${names.join('|')})$`) }, (args) =>
        // The getter module's own require() is the real built-in.
        args.namespace === 'lazy-builtin' ? undefined : { path: args.path.replace(/^node:/, ''), namespace: 'lazy-builtin' });
      b.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, (args) => {
        if (!builtinModules.includes(args.path)) throw new Error(`lazy-builtins: ${args.path} is not a Node built-in`);
        const real = requireHere(`node:${args.path}`);
        const getters = Object.keys(real)
          .map((key) => {
            const descriptor = Object.getOwnPropertyDescriptor(real, key);
            return descriptor && 'value' in descriptor && plainData(descriptor.value)
              ? `  ${JSON.stringify(key)}: ${JSON.stringify(descriptor.value)},`
              : `  get ${JSON.stringify(key)}() { return load()[${JSON.stringify(key)}]; },`;
          })
          .join('\n');
        return {
          contents: `let loaded;\nconst load = () => (loaded ??= require(${JSON.stringify(`node:${args.path}`)}));\nmodule.exports = {\n${getters}\n};\n`,
          loader: 'js',
        };
      });
    },
  };
}

/**
 * Source edits of dependencies, each checked: a changed upstream text fails the build
 * instead of silently keeping the slow path.
 *  - undici reads http.maxHeaderSize and destructures http's IncomingMessage when it loads,
 *    which would load http (and its server, client and agent modules) on every pull; read
 *    both when first used instead (lazy-builtins above makes http a module of getters).
 *  - oclif measures the terminal when its screen module loads and picks its progress
 *    spinner when its ux module loads, each creating the stderr stream (loading tty and
 *    net, ~4 ms) on every command, and loads wrap-ansi with ansi-styles (building style
 *    tables) for help and error text tpod rarely prints: all become lazy, on first use.
 *  - oclif sorts the command list with String#localeCompare, whose first call builds an ICU
 *    collator (~10 ms of every start). Command IDs are lowercase ASCII words and colons,
 *    for which plain code-unit order is the same order.
 */
const OCLIF_WRAP_ANSI = {
  from: 'const wrap_ansi_1 = __importDefault(require("wrap-ansi"));',
  to: 'const wrap_ansi_1 = { get default() { return __importDefault(require("wrap-ansi")).default; } };',
};
const SOURCE_EDITS = [
  {
    file: /undici[\\/]lib[\\/]dispatcher[\\/]client\.js$/,
    from: `const getDefaultNodeMaxHeaderSize = http &&
  http.maxHeaderSize &&
  Number.isInteger(http.maxHeaderSize) &&
  http.maxHeaderSize > 0
  ? () => http.maxHeaderSize
  : () => { throw new InvalidArgumentError('http module not available or http.maxHeaderSize invalid') }`,
    to: `const getDefaultNodeMaxHeaderSize = () => {
  if (Number.isInteger(http.maxHeaderSize) && http.maxHeaderSize > 0) return http.maxHeaderSize
  throw new InvalidArgumentError('http module not available or http.maxHeaderSize invalid')
}`,
  },
  {
    file: /undici[\\/]lib[\\/]core[\\/]util\.js$/,
    from: "const { IncomingMessage } = require('node:http')",
    to: "const http = require('node:http')",
  },
  {
    file: /undici[\\/]lib[\\/]core[\\/]util\.js$/,
    from: 'Object.getPrototypeOf(stream).constructor === IncomingMessage',
    to: 'Object.getPrototypeOf(stream).constructor === http.IncomingMessage',
  },
  {
    file: /@oclif[\\/]core[\\/]lib[\\/]config[\\/]plugin\.js$/,
    from: '.sort((a, b) => a.id.localeCompare(b.id))',
    to: '.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))',
  },
  {
    file: /@oclif[\\/]core[\\/]lib[\\/]screen\.js$/,
    from: `exports.stdtermwidth = columns || termwidth(process.stdout);
exports.errtermwidth = columns || termwidth(process.stderr);`,
    to: `Object.defineProperty(exports, 'stdtermwidth', { enumerable: true, get: () => columns || termwidth(process.stdout) });
Object.defineProperty(exports, 'errtermwidth', { enumerable: true, get: () => columns || termwidth(process.stderr) });`,
  },
  {
    file: /@oclif[\\/]core[\\/]lib[\\/]ux[\\/]index\.js$/,
    from: `const ACTION_TYPE = (Boolean(process.stderr.isTTY) &&
    !process.env.CI &&
    !['dumb', 'emacs-color'].includes(process.env.TERM) &&
    'spinner') ||
    'simple';
exports.action = ACTION_TYPE === 'spinner' ? new spinner_1.default() : new simple_1.default();`,
    to: `let actionInstance;
Object.defineProperty(exports, 'action', { enumerable: true, get: () => (actionInstance ??= (Boolean(process.stderr.isTTY) &&
    !process.env.CI &&
    !['dumb', 'emacs-color'].includes(process.env.TERM)) ? new spinner_1.default() : new simple_1.default()) });`,
  },
  {
    file: /@oclif[\\/]core[\\/]lib[\\/]ux[\\/]index\.js$/,
    from: '    action: exports.action,',
    to: '    get action() { return exports.action; },',
  },
  { file: /@oclif[\\/]core[\\/]lib[\\/]errors[\\/]errors[\\/]cli\.js$/, ...OCLIF_WRAP_ANSI },
  { file: /@oclif[\\/]core[\\/]lib[\\/]errors[\\/]errors[\\/]pretty-print\.js$/, ...OCLIF_WRAP_ANSI },
  { file: /@oclif[\\/]core[\\/]lib[\\/]help[\\/]formatter\.js$/, ...OCLIF_WRAP_ANSI },
];
const sourceEdits = {
  name: 'source-edits',
  setup(b) {
    const files = [...new Set(SOURCE_EDITS.map((edit) => edit.file.source))].map((source) => new RegExp(source));
    for (const file of files) {
      b.onLoad({ filter: file }, (args) => {
        let code = readFileSync(args.path, 'utf8');
        for (const edit of SOURCE_EDITS.filter((e) => e.file.source === file.source)) {
          if (!code.includes(edit.from)) throw new Error(`source-edits: text to replace not found in ${args.path}: ${edit.from.split('\n')[0]}`);
          code = code.replace(edit.from, edit.to);
        }
        return { contents: code, loader: 'js' };
      });
    }
  },
};

/** Resolves an import of `name` (from tpod's code, not from the alias file) to `file`. */
function aliasFile(name, file) {
  return {
    name: `alias-${name}`,
    setup(b) {
      b.onResolve({ filter: new RegExp(`^${name}$`) }, (args) => (args.importer === file ? undefined : { path: file }));
      b.onResolve({ filter: new RegExp(`^${name}/lib/`) }, (args) => ({
        // The real path, as esbuild resolves the same file from the alias file: through a
        // symlinked node_modules (a git worktree) two paths would make two copies of it.
        path: realpathSync(`${root}node_modules/${args.path}.js`),
      }));
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
  external: ['typescript', 'x11'],
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
  plugins: [aliasFile('undici', `${root}scripts/undici-agent.cjs`), aliasFile('debug', `${root}scripts/debug-off.cjs`), aliasFile('supports-color', `${root}scripts/lazy-supports-color.cjs`), aliasFile('xml2js', `${root}scripts/lazy-xml2js.cjs`), stubWslUtils, lazyBuiltins(), sourceEdits],
  // 2.7 MB → 1.95 MB: less to read and hand to V8 on every command (ps -a ~2 ms); names
  // stay, so --log-level debug stacks still name functions.
  minifyWhitespace: true,
  logLevel: 'warning',
});
asciiOnly(`${staging}/tpod.cjs`);
rmSync(outdir, { recursive: true, force: true });
renameSync(staging, outdir);

// bin/tpod.cjs writes the code cache when there is none: have one command that opens a store
// and renders a table (ps on an empty one) write it now, so the first real command and
// every copy of dist/ (bench/run.mjs) start warm.
const store = mkdtempSync(join(tmpdir(), 'tpod-bundle-'));
try {
  const warm = spawnSync(process.execPath, [`${root}bin/tpod.cjs`, '--root', `${store}/root`, '--runroot', `${store}/run`, 'ps', '-a'], { encoding: 'utf8' });
  if (warm.status !== 0) throw new Error(`bin/tpod ps -a from the new bundle failed: ${warm.stderr}`);
} finally {
  rmSync(store, { recursive: true, force: true });
}
console.log(`bundle: ${Object.keys(manifest.commands).length} commands in ${outdir.slice(root.length)}/tpod.cjs, code cache written`);
