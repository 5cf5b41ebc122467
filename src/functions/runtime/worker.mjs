// Hearth's function worker: one Node.js process of the pool that src/functions/ starts.
//
// It talks to Hearth over file descriptor 3 (a Unix socket pair) in frames: a 4-byte
// big-endian length, then that many bytes of UTF-8 JSON. Hearth sends `init` once, then
// one `invoke` at a time; the worker answers each with `response` or `error`, and sends
// `log` frames for the console output of the function that is running. Anything the
// function (or a package) writes to stdout/stderr directly reaches Hearth's log too,
// tagged with the worker instead of the function.
//
// The worker never decides on time or memory limits: Hearth kills it when an invocation
// overruns, and V8's heap limit (--max-old-space-size) ends it when it grows too large.

import { AsyncLocalStorage } from 'node:async_hooks';
import net from 'node:net';
import { pathToFileURL } from 'node:url';
import { format } from 'node:util';
import module from 'node:module';

const current = new AsyncLocalStorage();  // the function name of the invocation running
const socket = new net.Socket({ fd: 3, readable: true, writable: true });

function send(frame) {
  const json = Buffer.from(JSON.stringify(frame), 'utf8');
  const header = Buffer.alloc(4);
  header.writeUInt32BE(json.length, 0);
  socket.write(Buffer.concat([header, json]));
}

// console.* of a function becomes a log frame tagged with its name.
for (const [method, level] of [['log', 'info'], ['info', 'info'], ['debug', 'debug'],
                               ['warn', 'warn'], ['error', 'error'], ['trace', 'debug']]) {
  const original = console[method].bind(console);
  console[method] = (...args) => {
    const fn = current.getStore();
    if (fn === undefined) return original(...args);
    send({ t: 'log', fn, level, text: format(...args) });
  };
}

// `import ... from 'hearth/admin'` resolves to the admin module shipped with this worker.
if (typeof module.register === 'function') {
  module.register('./loader.mjs', import.meta.url);
}

let admin = null;  // the admin module, configured by `init`

// Loaded modules by file. A worker never sees a file change under it (Hearth retires
// workers when code changes), so each file is imported once: import() itself, through
// the resolution hook on its own thread, costs far more than a trivial handler.
const modules = new Map();
function load(file) {
  let promise = modules.get(file);
  if (promise === undefined) {
    promise = import(pathToFileURL(file).href);
    promise.catch(() => modules.delete(file));  // a failed load is tried again next time
    modules.set(file, promise);
  }
  return promise;
}

// --- requests ----------------------------------------------------------------------

// Headers Node.js keeps one of (the first) when a request repeats them.
const SINGLE = new Set(['content-type', 'content-length', 'user-agent', 'referer', 'host',
                        'authorization', 'proxy-authorization', 'if-modified-since',
                        'if-unmodified-since', 'from', 'location', 'max-forwards',
                        'retry-after', 'etag', 'last-modified', 'server', 'age', 'expires']);

function headerObject(pairs) {
  const headers = {};
  for (const [rawName, value] of pairs) {
    const name = rawName.toLowerCase();
    if (SINGLE.has(name)) {
      if (!(name in headers)) headers[name] = value;
    } else if (name === 'set-cookie') {
      (headers[name] ??= []).push(value);
    } else if (name in headers) {
      headers[name] += (name === 'cookie' ? '; ' : ', ') + value;
    } else {
      headers[name] = value;
    }
  }
  return headers;
}

// A query string as Vercel gives it: repeated keys become arrays.
function queryObject(search) {
  const query = {};
  for (const [key, value] of new URLSearchParams(search)) {
    if (!(key in query)) query[key] = value;
    else if (Array.isArray(query[key])) query[key].push(value);
    else query[key] = [query[key], value];
  }
  return query;
}

function cookieObject(header) {
  const cookies = {};
  if (!header) return cookies;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    try { value = decodeURIComponent(value); } catch { /* kept as sent */ }
    if (name && !(name in cookies)) cookies[name] = value;
  }
  return cookies;
}

class BadRequest extends Error {}

// The body as Vercel parses it: JSON, form or text by content type, else a Buffer;
// null when there is none.
function parseBody(raw, contentType) {
  if (raw.length === 0) return null;
  const type = (contentType || '').split(';')[0].trim().toLowerCase();
  if (type === 'application/json' || type.endsWith('+json')) {
    try {
      return JSON.parse(raw.toString('utf8'));
    } catch (e) {
      throw new BadRequest('the request body is not valid JSON: ' + e.message);
    }
  }
  if (type === 'application/x-www-form-urlencoded') return queryObject(raw.toString('utf8'));
  if (type.startsWith('text/')) return raw.toString('utf8');
  return raw;
}

// --- responses ---------------------------------------------------------------------

class Response {
  constructor(finish) {
    this.statusCode = 200;
    this.headers = new Map();  // lower-case name -> [name, value or array]
    this.chunks = [];
    this.headersSent = false;
    this.writableEnded = false;
    this.finished = false;
    this.finish = finish;
  }
  status(code) {
    if (!Number.isInteger(code) || code < 100 || code > 999) {
      throw new TypeError(`res.status: ${code} is not a valid HTTP status code`);
    }
    this.statusCode = code;
    return this;
  }
  setHeader(name, value) {
    this.headers.set(String(name).toLowerCase(), [String(name), value]);
    return this;
  }
  getHeader(name) { return this.headers.get(String(name).toLowerCase())?.[1]; }
  getHeaders() {
    const out = {};
    for (const [key, [, value]] of this.headers) out[key] = value;
    return out;
  }
  hasHeader(name) { return this.headers.has(String(name).toLowerCase()); }
  removeHeader(name) { this.headers.delete(String(name).toLowerCase()); return this; }
  writeHead(code, reason, headers) {
    if (typeof reason === 'object') headers = reason;
    this.status(code);
    for (const [name, value] of Object.entries(headers || {})) this.setHeader(name, value);
    return this;
  }
  write(chunk, encoding) {
    if (this.writableEnded) throw new Error('res.write after res.end');
    if (chunk === undefined || chunk === null) return true;
    this.headersSent = true;
    this.chunks.push(typeof chunk === 'string' ? Buffer.from(chunk, encoding || 'utf8')
                                               : Buffer.from(chunk));
    return true;
  }
  end(chunk, encoding) {
    if (typeof chunk === 'function') chunk = undefined;
    if (this.writableEnded) return this;
    if (chunk !== undefined && chunk !== null) this.write(chunk, encoding);
    this.writableEnded = this.finished = this.headersSent = true;
    this.finish(this);
    return this;
  }
  send(body) {
    if (body === undefined || body === null) return this.end();
    if (Buffer.isBuffer(body) || body instanceof Uint8Array) {
      if (!this.hasHeader('content-type')) this.setHeader('Content-Type', 'application/octet-stream');
      return this.end(body);
    }
    if (typeof body === 'object' || typeof body === 'boolean' || typeof body === 'number') {
      return this.json(body);
    }
    if (!this.hasHeader('content-type')) this.setHeader('Content-Type', 'text/html; charset=utf-8');
    return this.end(String(body));
  }
  json(value) {
    if (!this.hasHeader('content-type')) this.setHeader('Content-Type', 'application/json; charset=utf-8');
    return this.end(JSON.stringify(value));
  }
  redirect(a, b) {
    const [code, url] = typeof a === 'number' ? [a, b] : [307, a];
    this.status(code).setHeader('Location', url);
    return this.end();
  }
}

function responseFrame(id, res) {
  const headers = [];
  for (const [, [name, value]] of res.headers) {
    for (const v of Array.isArray(value) ? value : [value]) headers.push([name, String(v)]);
  }
  return { t: 'response', id, status: res.statusCode, headers,
           body: Buffer.concat(res.chunks).toString('base64') };
}

async function invoke(frame) {
  const { id } = frame;
  let answered = false;
  const answer = (out) => {
    if (answered) return;
    answered = true;
    send(out);
  };
  const res = new Response((r) => answer(responseFrame(id, r)));
  try {
    const url = new URL(frame.url, 'http://localhost');
    const headers = headerObject(frame.headers);
    const req = {
      method: frame.method,
      url: frame.url,
      path: url.pathname,
      headers,
      query: { ...queryObject(url.search), ...frame.params },
      params: frame.params,
      cookies: cookieObject(headers.cookie),
      auth: frame.auth,
      rawBody: Buffer.from(frame.body, 'base64'),
      body: null,
      get(name) { return headers[String(name).toLowerCase()]; },
    };
    try {
      req.body = parseBody(req.rawBody, headers['content-type']);
    } catch (e) {
      if (!(e instanceof BadRequest)) throw e;
      return answer({ t: 'response', id, status: 400,
                      headers: [['Content-Type', 'application/json']],
                      body: Buffer.from(JSON.stringify({ error: { code: 'invalid-argument',
                                                                  message: e.message } }))
                                .toString('base64') });
    }
    await current.run(frame.name, async () => {
      const mod = await load(frame.file);
      const handler = typeof mod.default === 'function' ? mod.default
                    : typeof mod.default?.default === 'function' ? mod.default.default
                    : typeof mod.handler === 'function' ? mod.handler : null;
      if (handler === null) {
        throw new TypeError(`${frame.name}: the module does not export a default function ` +
                            `(export default async function handler(req, res) { ... })`);
      }
      await handler(req, res);
    });
    // A handler that returned without ending the response may still end it from a
    // callback; Hearth's timeout ends the wait.
  } catch (e) {
    const error = e instanceof Error ? e : new Error(String(e));
    answer({ t: 'error', id, message: error.message, stack: error.stack || String(e) });
  }
}

// --- the frame reader --------------------------------------------------------------

let pending = Buffer.alloc(0);
socket.on('data', (data) => {
  pending = pending.length === 0 ? data : Buffer.concat([pending, data]);
  while (pending.length >= 4) {
    const length = pending.readUInt32BE(0);
    if (pending.length < 4 + length) break;
    const frame = JSON.parse(pending.subarray(4, 4 + length).toString('utf8'));
    pending = pending.subarray(4 + length);
    dispatch(frame);
  }
});
// Hearth went away: nothing left to serve.
socket.on('end', () => process.exit(0));
socket.on('error', () => process.exit(0));

// The trigger a module declares (hearth/triggers), or an error saying what is wrong.
async function loadTrigger(frame) {
  const mod = await load(frame.file);
  const trigger = mod.default;
  if (trigger?.hearthTrigger !== true) {
    throw new TypeError(`${frame.name}: the module's default export is not a trigger ` +
                        `(export default onDocumentCreated('posts/{id}', handler))`);
  }
  return trigger;
}

function done(id, body) {
  send({ t: 'response', id, status: 200, headers: [],
         body: Buffer.from(body ?? '', 'utf8').toString('base64') });
}

async function describe(frame) {
  try {
    const trigger = await current.run(frame.name, () => loadTrigger(frame));
    done(frame.id, JSON.stringify({ event: trigger.event, document: trigger.document }));
  } catch (e) {
    send({ t: 'error', id: frame.id, message: String(e?.message ?? e), stack: String(e?.stack ?? e) });
  }
}

async function runTrigger(frame) {
  try {
    await current.run(frame.name, async () => {
      const trigger = await loadTrigger(frame);
      await trigger.handler(frame.event);
    });
    done(frame.id);
  } catch (e) {
    send({ t: 'error', id: frame.id, message: String(e?.message ?? e), stack: String(e?.stack ?? e) });
  }
}

async function dispatch(frame) {
  if (frame.t === 'init') {
    admin = await import('./admin.mjs');
    admin.configure(frame.admin);
    send({ t: 'ready' });
  } else if (frame.t === 'invoke') {
    invoke(frame);
  } else if (frame.t === 'describe') {
    describe(frame);
  } else if (frame.t === 'trigger') {
    runTrigger(frame);
  }
}

// An error nobody awaited must not end the worker for everyone; Hearth logs it.
process.on('unhandledRejection', (reason) => {
  const fn = current.getStore() ?? 'worker';
  send({ t: 'log', fn, level: 'error',
         text: 'unhandled rejection: ' + (reason instanceof Error ? reason.stack : String(reason)) });
});
