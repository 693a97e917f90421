// Stands in for Node built-ins and Node-only packages (file loading in core's data/ and backend chooser) in the
// browser bundle: importing works, calling anything throws a clear error.
'use strict';
const fail = (name) =>
  function notInBrowser() {
    throw new Error(`${String(name)} is not available in the browser`);
  };
module.exports = new Proxy(fail('this Node module'), {
  get: (_, key) => (key === '__esModule' ? false : key === 'default' ? module.exports : key === 'sep' ? '/' : fail(key)),
});
