'use strict';
/**
 * Inside one warm "Lambda container" (a worker thread with its own process.env).
 * Plain JavaScript on purpose: the worker must load without a TypeScript loader, like the
 * Node.js runtime loads the bundled index.js.
 *
 * workerData: { file, exportName }
 * parent -> worker: { type: 'invoke', id, event (JSON string), context: {...}, deadline }
 * worker -> parent: { type: 'ready' } | { type: 'init-error', error }
 *                   { type: 'result', id, payload (JSON string) } | { type: 'error', id, error }
 */
const { parentPort, workerData } = require('node:worker_threads');
const { pathToFileURL } = require('node:url');

function toLambdaError(err, fallbackType) {
  if (err instanceof Error) {
    return {
      errorType: err.name || fallbackType, // what the Node.js runtime reports (and Step Functions matches on)
      errorMessage: err.message,
      trace: String(err.stack || '').split('\n'),
    };
  }
  // Lambda's Node runtime reports thrown non-Errors as a generic error with the value as message.
  return { errorType: fallbackType, errorMessage: typeof err === 'string' ? err : JSON.stringify(err), trace: [] };
}

// NODE_OPTIONS is read at process start only; honour the flag Lambda functions commonly set.
if (/--enable-source-maps/.test(process.env.NODE_OPTIONS || '') && process.setSourceMapsEnabled) {
  process.setSourceMapsEnabled(true);
}

// RFC 6761: names under ".localhost" are the loopback address, but getaddrinfo here does not
// know that. The local stack gives Lambdas the Step Functions endpoint as sfn.localhost so the
// SDK's host prefixes (StartSyncExecution calls "sync-<host>") still resolve.
const dns = require('node:dns');
const systemLookup = dns.lookup;
dns.lookup = function lookup(hostname, options, callback) {
  if (typeof options === 'function') [callback, options] = [options, {}];
  if (typeof hostname === 'string' && /(^|\.)localhost\.?$/i.test(hostname)) {
    const all = typeof options === 'object' && options !== null && options.all;
    process.nextTick(() => (all ? callback(null, [{ address: '127.0.0.1', family: 4 }]) : callback(null, '127.0.0.1', 4)));
    return;
  }
  return systemLookup.call(this, hostname, options, callback);
};

let current = null; // id of the in-flight invocation: a container runs one at a time

process.on('unhandledRejection', (reason) => {
  const error = toLambdaError(reason, 'Runtime.UnhandledPromiseRejection');
  parentPort.postMessage({ type: 'crash', id: current, error });
  process.exit(1);
});
process.on('uncaughtException', (err) => {
  parentPort.postMessage({ type: 'crash', id: current, error: toLambdaError(err, 'Runtime.ExitError') });
  process.exit(1);
});

async function loadHandler() {
  let mod;
  try {
    mod = require(workerData.file);
  } catch (err) {
    if (err && err.code === 'ERR_REQUIRE_ESM') mod = await import(pathToFileURL(workerData.file).href);
    else throw err;
  }
  const handler = mod[workerData.exportName] ?? (mod.default && mod.default[workerData.exportName]);
  if (typeof handler !== 'function') {
    const e = new Error(`${workerData.file} does not export a function named ${workerData.exportName}`);
    e.name = 'Runtime.HandlerNotFound';
    throw e;
  }
  return handler;
}

loadHandler().then(
  (handler) => {
    parentPort.on('message', async (msg) => {
      if (msg.type !== 'invoke') return;
      current = msg.id;
      const context = {
        ...msg.context,
        callbackWaitsForEmptyEventLoop: true,
        getRemainingTimeInMillis: () => Math.max(0, msg.deadline - Date.now()),
        done() {}, succeed() {}, fail() {},
      };
      try {
        const event = JSON.parse(msg.event);
        const result = await new Promise((resolve, reject) => {
          // Callback-style handlers (legacy) and async handlers both settle this promise.
          const callback = (err, value) => (err ? reject(err) : resolve(value));
          const maybe = handler(event, context, callback);
          if (maybe && typeof maybe.then === 'function') maybe.then(resolve, reject);
          else if (handler.length < 3) resolve(maybe);
        });
        // JSON round-trip, exactly what the Lambda service does with the returned value.
        const payload = result === undefined ? 'null' : JSON.stringify(result);
        parentPort.postMessage({ type: 'result', id: msg.id, payload });
      } catch (err) {
        parentPort.postMessage({ type: 'error', id: msg.id, error: toLambdaError(err, 'Error') });
      } finally {
        current = null;
      }
    });
    parentPort.postMessage({ type: 'ready' });
  },
  (err) => {
    const error = toLambdaError(err, 'Runtime.ImportModuleError');
    if (err && err.code === 'MODULE_NOT_FOUND') error.errorType = 'Runtime.ImportModuleError';
    parentPort.postMessage({ type: 'init-error', error });
  },
);
