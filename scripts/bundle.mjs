// Bundles the launcher, @oclif/core, every command and the engine with esbuild into
// dist/bundle/tpod/ (start-up speed; ARCHITECTURE.md "Start-up"). Input is tsc's output
// under dist/, so the bundle runs exactly the code the tests import. Code splitting: the
// launcher chunk holds oclif; each command is a chunk imported only when it runs, sharing
// chunks of the engine. Native better-sqlite3 stays external; so does typescript, which
// @oclif/core only requires for development-mode tsconfig reading, and x11, which dbus-next
// requires only to find a session bus through an X display (never tpod's case).
//
// The output directory is three levels below the package root, like dist/src/containers/
// and dist/commands/generate/: modules locate bin/tpod as new URL('../../../bin/tpod',
// import.meta.url), which must hold in the bundle too.
import { readFileSync, renameSync, rmSync } from 'node:fs';
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
  outdir: staging,
  entryNames: 'launch',
  chunkNames: '[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: ['better-sqlite3', 'typescript', 'x11'],
  // CommonJS dependencies (oclif, dbus-next) call require() for Node built-ins and read
  // __dirname; an ES module has neither unless the chunk defines them.
  banner: {
    js: [
      "import { createRequire as __tpodCreateRequire } from 'node:module';",
      "import { fileURLToPath as __tpodFileURLToPath } from 'node:url';",
      'const require = __tpodCreateRequire(import.meta.url);',
      'const __filename = __tpodFileURLToPath(import.meta.url);',
      "const __dirname = __tpodFileURLToPath(new URL('.', import.meta.url));",
    ].join('\n'),
  },
  // undici's lib/ files directly: its exports map hides them from a plain require.
  plugins: [aliasFile('undici', `${root}scripts/undici-agent.cjs`), stubWslUtils],
  // oclif checks process.versions.node against its own package.json's engines with semver
  // at import (~6 ms of semver evaluation, and the bundle has no such package.json next to
  // it); npm enforces tpod's own engines field at install.
  define: { 'process.env.OCLIF_DISABLE_ENGINE_WARNING': '"1"' },
  logLevel: 'warning',
});
rmSync(outdir, { recursive: true, force: true });
renameSync(staging, outdir);
console.log(`bundle: ${Object.keys(manifest.commands).length} commands in ${outdir.slice(root.length)}`);
