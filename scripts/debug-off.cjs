// What tpod's bundle gives @oclif/core for the `debug` package (scripts/bundle.mjs aliases
// 'debug' to this file). oclif creates its loggers with debug at start-up; the real
// package loads tty and probes the terminal's colours on every command (~7 ms) to print
// nothing unless DEBUG names a namespace. With DEBUG set, the real package is used.
'use strict';

function createDebug(namespace) {
  const debug = () => {};
  debug.namespace = namespace;
  debug.enabled = false;
  debug.log = () => {};
  debug.destroy = () => true;
  debug.extend = (sub, delimiter) => createDebug(`${namespace}${delimiter === undefined ? ':' : delimiter}${sub}`);
  return debug;
}
createDebug.enable = () => {};
createDebug.disable = () => '';
createDebug.enabled = () => false;

module.exports = process.env.DEBUG ? require('debug/src/node.js') : createDebug;
