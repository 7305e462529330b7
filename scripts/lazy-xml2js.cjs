// What tpod's bundle gives dbus-next for `xml2js` (scripts/bundle.mjs aliases it here).
// dbus-next makes an XML Builder for every bus it opens, for introspection replies of
// exported services, and a Parser per introspected proxy: tpod exports no service and
// sends its systemd calls as plain messages, yet loading xml2js and xmlbuilder cost
// ~7 ms of every command that talks to systemd. The real classes load on first use.
'use strict';

let real;
const load = () => (real ??= require('xml2js'));

class Builder {
  constructor(options) {
    this.options = options;
  }

  buildObject(object) {
    return new (load().Builder)(this.options).buildObject(object);
  }
}

module.exports = {
  Builder,
  get Parser() {
    return load().Parser;
  },
};
