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
const { readFileSync, renameSync, writeFileSync } = require('node:fs');
const Module = require('node:module');
const { dirname, join } = require('node:path');
const { pathToFileURL } = require('node:url');
const v8 = require('node:v8');
const vm = require('node:vm');

const bundle = join(__dirname, '../dist/bundle/tpod/tpod.cjs');
const cacheFile = `${bundle}.v8cache`;
let cachedData;
try {
  cachedData = readFileSync(cacheFile);
} catch {
  cachedData = undefined;
}
const script = new vm.Script(Module.wrap(readFileSync(bundle, 'latin1')), { filename: bundle, cachedData });
if (cachedData !== undefined && !script.cachedDataRejected) {
  // undici parses HTTP with llhttp compiled to WebAssembly; V8 optimizes it in the
  // background and, at exit, waits for that compile job (~150-200 ms on a warm pull).
  // Baseline (Liftoff) code is all one command's few requests need. Only when no cache
  // is written in this process: the cache records the V8 flags it was made under.
  v8.setFlagsFromString('--liftoff-only');
} else {
  process.once('exit', () => {
    try {
      const staging = `${cacheFile}.${process.pid}`;
      writeFileSync(staging, script.createCachedData());
      renameSync(staging, cacheFile);
    } catch {
      // not writable (an installed copy): run without a cache
    }
  });
}
const tpod = { exports: {} };
script.runInThisContext()(tpod.exports, Module.createRequire(bundle), tpod, bundle, dirname(bundle));
tpod.exports.launch(pathToFileURL(join(__dirname, '..', '/')), process.argv.slice(2)).catch((err) => {
  // launch() handles a command's errors itself; this is a failure of the launcher.
  console.error(err);
  process.exitCode = 1;
});
