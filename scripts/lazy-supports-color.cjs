// What tpod's bundle gives @oclif/core for `supports-color` (scripts/bundle.mjs aliases it
// here). The real package decides on load, loading tty and os and probing the environment
// (~7 ms of every command); oclif only reads its answer to colour help and error output,
// so the probe runs then, on first read of stdout or stderr.
'use strict';

let real;
const load = () => (real ??= require('supports-color'));

module.exports = {
  get stdout() {
    return load().stdout;
  },
  get stderr() {
    return load().stderr;
  },
  createSupportsColor: (...args) => load().createSupportsColor(...args),
};
