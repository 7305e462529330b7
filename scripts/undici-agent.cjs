// What tpod uses of undici (an Agent and its request() method), for the bundle only
// (scripts/bundle.mjs aliases 'undici' to this file). undici's index.js also loads fetch,
// WebSocket, cookies, EventSource, the cache and mocks: ~130 ms of evaluation on every
// pull, for nothing tpod calls. The request methods join Dispatcher.prototype as in
// undici's own index.js.
'use strict';
const Dispatcher = require('undici/lib/dispatcher/dispatcher');
const api = require('undici/lib/api/index');

Object.assign(Dispatcher.prototype, api);

module.exports.Dispatcher = Dispatcher;
module.exports.Agent = require('undici/lib/dispatcher/agent');
