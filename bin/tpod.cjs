#!/usr/bin/env -S node --
// `--` ends node's own options: Node 20 otherwise takes a script argument `--env-file FILE`
// (tpod run --env-file) as its own and exits 9 when FILE is missing (nodejs/node#54232).
// Started by bin/tpod (a shell script: see there why), or by tpod itself as
// `node bin/tpod.cjs` for its own child commands (exit command, rootless re-runs).
// The JavaScript launcher: runs the bundle of cli/launch.ts, oclif, the commands and the engine
// (dist/bundle/tpod/tpod.cjs, scripts/bundle.mjs) as a classic script through V8's code
// cache, which spares compiling it again on every command (~60 ms; Node 20 has no compile
// cache for ES modules). A missing or rejected cache (another Node version) is written
// again when the command exits; a read-only install just runs without one. The bundle is
// pure ASCII (scripts/bundle.mjs), so it is read as latin1: no UTF-8 decoding.
//
// This file is CommonJS (.cjs): an ES module entry would start Node's
// ES module loader, ~10 ms of every command for one file.
'use strict';
const { accessSync, constants, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } = require('node:fs');
const Module = require('node:module');
const { dirname, join } = require('node:path');
const { pathToFileURL } = require('node:url');
const v8 = require('node:v8');
const vm = require('node:vm');

const bundle = join(__dirname, '../dist/bundle/tpod/tpod.cjs');
const sharedCache = `${bundle}.v8cache`;
// The command's own cache if it has one yet, else the shared one to start from.
const wantedCache = commandCacheFile(process.argv.slice(2)) ?? sharedCache;
const cachedData = readCache(wantedCache) ?? readCache(sharedCache);
const script = new vm.Script(Module.wrap(readFileSync(bundle, 'latin1')), { filename: bundle, cachedData: cachedData?.data });
const writesCache = cachedData?.source !== wantedCache || script.cachedDataRejected;
if (!writesCache) {
  // undici parses HTTP with llhttp compiled to WebAssembly; V8 optimizes it in the
  // background and, at exit, waits for that compile job (~150-200 ms on a warm pull).
  // Baseline (Liftoff) code is all one command's few requests need. Only when no cache
  // is written in this process: the cache records the V8 flags it was made under.
  v8.setFlagsFromString('--liftoff-only');
} else {
  // A command's own cache only after it succeeded: a mistyped command makes no file.
  process.once('exit', (code) => {
    if (code === 0 || wantedCache === sharedCache) writeCache(wantedCache, script);
  });
}

function readCache(file) {
  try {
    return { source: file, data: readFileSync(file) };
  } catch {
    return undefined;
  }
}

function writeCache(file, compiled) {
  try {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    const staging = `${file}.${process.pid}`;
    writeFileSync(staging, compiled.createCachedData());
    renameSync(staging, file);
  } catch {
    // not writable: the command just runs without a cache of its own next time too
  }
}

/**
 * The code cache of the command about to run. V8 caches only the functions compiled by the
 * process that wrote the cache: the build's `ps -a` leaves out most of what `run` calls
 * (spec, bundle, scope, cleanup), which a `run` then compiled on every start (~25 ms). So
 * each command keeps its own cache, written at the end of its first successful run (which
 * starts from the shared one). The command is the first lower-case word that is not the
 * value of a `--flag VALUE` before it (`tpod --log-level debug run …` is run's); the words
 * of a topic share one (`container`).
 *
 * V8 checks a cache against the source's length only, so a cache must never outlive its
 * bundle: beside the bundle, where a build replaces the whole directory; where that is not
 * writable (an unprivileged user, an installed copy), in the user's cache directory under a
 * name made of the bundle file's identity (device, inode, size, mtime), the others there
 * being removed when a new one is made.
 */
function commandCacheFile(argv) {
  const command = argv.find((arg, i) => /^[a-z]+$/.test(arg) && !(i > 0 && /^--[a-z-]+$/.test(argv[i - 1])));
  if (command === undefined) return undefined;
  const name = `tpod.cjs.${command}.v8cache`;
  try {
    accessSync(dirname(bundle), constants.W_OK);
    return join(dirname(bundle), name);
  } catch {
    return userCacheFile(name);
  }
}

function userCacheFile(name) {
  const home = process.env.XDG_CACHE_HOME || (process.env.HOME ? join(process.env.HOME, '.cache') : undefined);
  if (!home) return undefined;
  try {
    const { dev, ino, size, mtimeMs } = statSync(bundle);
    const codeCaches = join(home, 'tpod', 'code-cache');
    const current = `${dev}-${ino}-${size}-${Math.trunc(mtimeMs)}`;
    if (!existsSync(join(codeCaches, current))) {
      for (const old of readdirSafe(codeCaches)) rmSync(join(codeCaches, old), { recursive: true, force: true });
    }
    return join(codeCaches, current, name);
  } catch {
    return undefined;
  }
}

function readdirSafe(dir) {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

const tpod = { exports: {} };
script.runInThisContext()(tpod.exports, Module.createRequire(bundle), tpod, bundle, dirname(bundle));
tpod.exports.launch(pathToFileURL(join(__dirname, '..', '/')), process.argv.slice(2)).catch((err) => {
  // launch() handles a command's errors itself; this is a failure of the launcher.
  console.error(err);
  process.exitCode = 1;
});
