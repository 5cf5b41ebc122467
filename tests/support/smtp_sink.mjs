// An SMTP sink for Hearth's integration tests (Node.js standard library only): accepts
// every message (and any AUTH PLAIN/LOGIN credentials) on 127.0.0.1 and keeps it in
// memory, for the tests to read back over HTTP.
//
//   node smtp_sink.mjs
//
// Prints "smtp on 127.0.0.1:PORT" and then "http on http://127.0.0.1:PORT" once both
// servers accept connections; after that, only errors are written (to stderr).
//
// SMTP (an RFC 5321 subset, plain text, no TLS): EHLO (8BITMIME, SIZE, AUTH PLAIN LOGIN),
// HELO, AUTH, MAIL FROM (SIZE=, BODY=, AUTH= parameters), RCPT TO, DATA (dot-unstuffed),
// RSET, NOOP, QUIT. Unknown commands get 502, commands out of order 503.
// HTTP:
//   GET  /messages  [{from, to: [...], data, subject, text, html, headers, auth_user, helo}],
//                   oldest first. `data` is the message as sent, dot-unstuffed; `headers`
//                   maps lower-cased names to their first value (unfolded); `subject` has
//                   RFC 2047 encoded words decoded; `text` is the body after the headers
//                   with its Content-Transfer-Encoding (quoted-printable, base64) undone,
//                   or for a multipart message its first text/plain part; `html` the first
//                   text/html part (or null); `auth_user` the AUTH user name (or null).
//   POST /reset     forgets every message.

import http from 'node:http';
import net from 'node:net';

const HOST = '127.0.0.1';
const MAX_MESSAGE_BYTES = 10 * 1024 * 1024;
const MAX_COMMAND_BYTES = 4096;
const MAX_RECIPIENTS = 100;
const IDLE_TIMEOUT_MS = 5 * 60 * 1000;

let messages = [];

// ---- Message parsing (for /messages) ----

function decodeBytes(buf, charset) {
  try {
    return new TextDecoder(charset || 'utf-8').decode(buf);
  } catch {
    return buf.toString('utf8');
  }
}

function decodeQuotedPrintable(s) {
  s = s.replace(/[ \t]+(?=\r?\n|$)/g, '').replace(/=\r?\n/g, '');
  const parts = [];
  let last = 0;
  for (const m of s.matchAll(/=([0-9A-Fa-f]{2})/g)) {
    parts.push(Buffer.from(s.slice(last, m.index)), Buffer.from([parseInt(m[1], 16)]));
    last = m.index + 3;
  }
  parts.push(Buffer.from(s.slice(last)));
  return Buffer.concat(parts);
}

// RFC 2047 encoded words (=?charset?B|Q?...?=) in a header value.
function decodeEncodedWords(value) {
  const word = /=\?([^?\s]+)\?([BbQq])\?([^?\s]*)\?=/g;
  return value
    .replace(/(=\?[^?\s]+\?[BbQq]\?[^?\s]*\?=)\s+(?==\?)/g, '$1')
    .replace(word, (all, charset, encoding, text) => {
      const bytes = encoding.toUpperCase() === 'B'
        ? Buffer.from(text, 'base64')
        : decodeQuotedPrintable(text.replace(/_/g, ' '));
      return decodeBytes(bytes, charset.split('*')[0]);
    });
}

function headerParam(value, name) {
  const m = new RegExp(`;\\s*${name}\\s*=\\s*(?:"([^"]*)"|([^;\\s]+))`, 'i').exec(value ?? '');
  return m ? (m[1] ?? m[2]) : undefined;
}

// Splits an entity into {headers, body}; headers lower-cased, unfolded, first value kept.
function splitEntity(raw) {
  const m = /\r?\n\r?\n/.exec(raw);
  let head;
  let body;
  if (/^\r?\n/.test(raw)) {
    head = '';
    body = raw.replace(/^\r?\n/, '');
  } else if (m) {
    head = raw.slice(0, m.index);
    body = raw.slice(m.index + m[0].length);
  } else {
    head = raw;
    body = '';
  }
  const headers = {};
  for (const line of head.replace(/\r?\n(?=[ \t])/g, '').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (!(name in headers)) headers[name] = line.slice(colon + 1).trim();
  }
  return { headers, body };
}

// The decoded text/plain and text/html of an entity (null where absent).
function entityTexts(raw, depth = 0) {
  const { headers, body } = splitEntity(raw);
  const type = (headers['content-type'] ?? 'text/plain').split(';')[0].trim().toLowerCase();
  const boundary = headerParam(headers['content-type'], 'boundary');
  if (type.startsWith('multipart/') && boundary && depth < 10) {
    const escaped = boundary.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const pieces = body.split(new RegExp(`(?:^|\\r?\\n)--${escaped}`));
    const out = { text: null, html: null };
    for (const piece of pieces.slice(1)) {
      if (piece.startsWith('--')) break;
      const sub = entityTexts(piece.replace(/^[ \t]*\r?\n/, ''), depth + 1);
      out.text ??= sub.text;
      out.html ??= sub.html;
    }
    return out;
  }
  const cte = (headers['content-transfer-encoding'] ?? '').trim().toLowerCase();
  const charset = headerParam(headers['content-type'], 'charset');
  let decoded = body;
  if (cte === 'quoted-printable') decoded = decodeBytes(decodeQuotedPrintable(body), charset);
  if (cte === 'base64') decoded = decodeBytes(Buffer.from(body.replace(/\s+/g, ''), 'base64'), charset);
  if (depth === 0) return { text: decoded, html: type === 'text/html' ? decoded : null };
  return {
    text: type === 'text/plain' ? decoded : null,
    html: type === 'text/html' ? decoded : null,
  };
}

function describe(session, data) {
  const { headers } = splitEntity(data);
  const { text, html } = entityTexts(data);
  return {
    from: session.from,
    to: session.to,
    data,
    subject: headers.subject === undefined ? null : decodeEncodedWords(headers.subject),
    text,
    html,
    headers,
    auth_user: session.authUser,
    helo: session.helo,
  };
}

// ---- SMTP ----

const B64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const decodeBase64 = (s) => (s === '=' ? '' : B64_RE.test(s) ? Buffer.from(s, 'base64').toString('utf8') : null);

class Session {
  constructor(socket) {
    this.socket = socket;
    this.buf = Buffer.alloc(0);
    this.state = 'command';  // | 'data' | 'auth-plain' | 'auth-login-user' | 'auth-login-pass'
    this.helo = null;
    this.ehlo = false;
    this.authUser = null;
    this.pendingUser = null;
    this.discarding = false;  // skipping the rest of an over-long command line
    this.closed = false;
    this.resetTransaction();
    socket.setTimeout(IDLE_TIMEOUT_MS, () => {
      this.reply(421, `${HOST} idle for too long, closing`);
      this.close();
    });
    socket.on('data', (chunk) => this.onData(chunk));
    socket.on('error', () => {});
    this.reply(220, `${HOST} ESMTP Hearth test sink ready`);
  }

  resetTransaction() {
    this.from = null;
    this.to = [];
  }

  reply(code, ...lines) {
    if (this.closed) return;
    const out = lines.map((l, i) => `${code}${i === lines.length - 1 ? ' ' : '-'}${l}\r\n`);
    this.socket.write(out.join(''));
  }

  close() {
    this.closed = true;
    this.socket.end();
  }

  onData(chunk) {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    while (!this.closed) {
      const nl = this.buf.indexOf(10);
      if (nl < 0) {
        this.onPartialLine();
        return;
      }
      const line = this.buf.subarray(0, nl + 1);
      this.buf = this.buf.subarray(nl + 1);
      try {
        this.onLine(line);
      } catch (e) {
        process.stderr.write(`smtp_sink: ${e.stack}\n`);
        this.reply(451, 'Local error in processing');
        this.state = 'command';
      }
    }
  }

  // Bounds the buffered part of a line that has no newline yet.
  onPartialLine() {
    if (this.state === 'data') {
      if (this.buf.length <= 65536) return;
      let part = this.buf;
      if (!this.midLine && part[0] === 0x2e) part = part.subarray(1);  // dot-stuffed
      this.appendData(part);
      this.midLine = true;
      this.buf = Buffer.alloc(0);
    } else if (this.buf.length > MAX_COMMAND_BYTES) {
      this.discarding = true;
      this.buf = Buffer.alloc(0);
    }
  }

  appendData(part) {
    this.dataSize += part.length;
    if (this.dataSize > MAX_MESSAGE_BYTES) this.tooBig = true;
    else this.dataChunks.push(part);
  }

  onLine(line) {
    if (this.state === 'data') return this.onDataLine(line);
    if (this.discarding || line.length > MAX_COMMAND_BYTES) {
      this.discarding = false;
      this.state = 'command';
      return this.reply(500, 'Line too long');
    }
    const text = line.toString('utf8').replace(/\r?\n$/, '');
    if (this.state !== 'command') return this.onAuthLine(text.trim());
    const m = /^([A-Za-z]+)(?:[ \t]+(.*))?$/.exec(text.trim());
    if (!m) return this.reply(500, 'Syntax error, command unrecognized');
    const verb = m[1].toUpperCase();
    const arg = (m[2] ?? '').trim();
    switch (verb) {
      case 'EHLO':
      case 'HELO':
        return this.hello(verb, arg);
      case 'AUTH':
        return this.auth(arg);
      case 'MAIL':
        return this.mail(arg);
      case 'RCPT':
        return this.rcpt(arg);
      case 'DATA':
        return this.data(arg);
      case 'RSET':
        this.resetTransaction();
        return this.reply(250, 'OK');
      case 'NOOP':
        return this.reply(250, 'OK');
      case 'QUIT':
        this.reply(221, `${HOST} closing connection`);
        return this.close();
      default:
        return this.reply(502, `Command ${verb} not implemented`);
    }
  }

  hello(verb, arg) {
    if (!arg) return this.reply(501, `Syntax: ${verb} hostname`);
    this.helo = arg;
    this.ehlo = verb === 'EHLO';
    this.resetTransaction();
    if (!this.ehlo) return this.reply(250, HOST);
    return this.reply(250, `${HOST} greets ${arg}`, '8BITMIME', `SIZE ${MAX_MESSAGE_BYTES}`,
                      'AUTH PLAIN LOGIN');
  }

  auth(arg) {
    if (!this.ehlo) return this.reply(503, 'Send EHLO first');
    if (this.authUser !== null) return this.reply(503, 'Already authenticated');
    if (this.from !== null) return this.reply(503, 'AUTH not allowed during a mail transaction');
    const [mechanism = '', initial, extra] = arg.split(/\s+/);
    if (!mechanism || extra !== undefined) return this.reply(501, 'Syntax: AUTH mechanism [initial-response]');
    switch (mechanism.toUpperCase()) {
      case 'PLAIN':
        if (initial === undefined) {
          this.state = 'auth-plain';
          return this.reply(334, '');
        }
        return this.finishPlain(initial);
      case 'LOGIN':
        if (initial === undefined) {
          this.state = 'auth-login-user';
          return this.reply(334, 'VXNlcm5hbWU6');  // "Username:"
        }
        return this.onAuthLine(initial, 'auth-login-user');
      default:
        return this.reply(504, `Unrecognized authentication type ${mechanism}`);
    }
  }

  onAuthLine(text, state = this.state) {
    this.state = 'command';
    if (text === '*') return this.reply(501, 'Authentication cancelled');
    if (state === 'auth-plain') return this.finishPlain(text);
    const decoded = decodeBase64(text);
    if (decoded === null) return this.reply(501, 'Invalid base64');
    if (state === 'auth-login-user') {
      this.pendingUser = decoded;
      this.state = 'auth-login-pass';
      return this.reply(334, 'UGFzc3dvcmQ6');  // "Password:"
    }
    this.authUser = this.pendingUser;
    return this.reply(235, 'Authentication successful');
  }

  finishPlain(initial) {
    const decoded = decodeBase64(initial);
    const fields = decoded === null ? [] : decoded.split('\0');
    if (fields.length !== 3) return this.reply(501, 'Malformed AUTH PLAIN response');
    this.authUser = fields[1];
    return this.reply(235, 'Authentication successful');
  }

  mail(arg) {
    if (!this.helo) return this.reply(503, 'Send EHLO/HELO first');
    if (this.from !== null) return this.reply(503, 'Sender already specified');
    const m = /^FROM:\s*<([^<>]*)>(.*)$/i.exec(arg);
    if (!m) return this.reply(501, 'Syntax: MAIL FROM:<address>');
    for (const param of m[2].trim().split(/\s+/).filter(Boolean)) {
      const [key, value] = param.split('=', 2);
      switch (key.toUpperCase()) {
        case 'SIZE':
          if (!/^[0-9]{1,20}$/.test(value ?? '')) return this.reply(501, 'Bad SIZE parameter');
          if (Number(value) > MAX_MESSAGE_BYTES) {
            return this.reply(552, 'Message size exceeds fixed maximum message size');
          }
          break;
        case 'BODY':
          if (!/^(7BIT|8BITMIME)$/i.test(value ?? '')) return this.reply(501, 'Bad BODY parameter');
          break;
        case 'AUTH':
          break;
        default:
          return this.reply(555, `MAIL parameter ${key} not recognized`);
      }
    }
    this.from = m[1];
    return this.reply(250, 'OK');
  }

  rcpt(arg) {
    if (!this.helo) return this.reply(503, 'Send EHLO/HELO first');
    if (this.from === null) return this.reply(503, 'Need MAIL before RCPT');
    const m = /^TO:\s*<([^<>]+)>(.*)$/i.exec(arg);
    if (!m) return this.reply(501, 'Syntax: RCPT TO:<address>');
    if (m[2].trim()) return this.reply(555, 'RCPT parameters not recognized');
    if (this.to.length >= MAX_RECIPIENTS) return this.reply(452, 'Too many recipients');
    this.to.push(m[1]);
    return this.reply(250, 'OK');
  }

  data(arg) {
    if (!this.helo) return this.reply(503, 'Send EHLO/HELO first');
    if (this.from === null) return this.reply(503, 'Need MAIL command');
    if (this.to.length === 0) return this.reply(503, 'Need RCPT command');
    if (arg) return this.reply(501, 'Syntax: DATA');
    this.state = 'data';
    this.dataChunks = [];
    this.dataSize = 0;
    this.tooBig = false;
    this.midLine = false;
    return this.reply(354, 'End data with <CR><LF>.<CR><LF>');
  }

  onDataLine(line) {
    const continued = this.midLine;
    this.midLine = false;
    if (!continued) {
      if (line.length <= 3 && line.toString('latin1').replace(/\r?\n$/, '') === '.') {
        return this.finishData();
      }
      if (line[0] === 0x2e) line = line.subarray(1);
    }
    this.appendData(line);
  }

  finishData() {
    this.state = 'command';
    const chunks = this.dataChunks;
    this.dataChunks = [];
    if (this.tooBig) {
      this.resetTransaction();
      return this.reply(552, 'Message exceeds fixed maximum message size');
    }
    messages.push(describe(this, Buffer.concat(chunks).toString('utf8')));
    this.resetTransaction();
    return this.reply(250, `OK: queued as ${messages.length}`);
  }
}

const smtp = net.createServer((socket) => new Session(socket));

// ---- HTTP control ----

function send(res, status, value) {
  const body = Buffer.from(JSON.stringify(value));
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': body.length });
  res.end(body);
}

const control = http.createServer((req, res) => {
  req.resume();
  req.on('error', () => {});
  req.on('end', () => {
    try {
      const path = new URL(req.url, 'http://127.0.0.1').pathname;
      if (path === '/messages' && req.method === 'GET') return send(res, 200, messages);
      if (path === '/reset' && req.method === 'POST') {
        messages = [];
        return send(res, 200, { ok: true });
      }
      if (path === '/messages' || path === '/reset') {
        return send(res, 405, { error: `method ${req.method} not allowed` });
      }
      return send(res, 404, { error: `no such endpoint ${path}` });
    } catch (e) {
      process.stderr.write(`smtp_sink: ${req.method} ${req.url}: ${e.stack}\n`);
      if (!res.headersSent) send(res, 500, { error: e.message });
    }
  });
});
control.on('clientError', (err, socket) => {
  if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n');
  else socket.destroy();
});

process.on('uncaughtException', (e) => {
  process.stderr.write(`smtp_sink: uncaught: ${e.stack}\n`);
});

const listen = (server) => new Promise((resolve, reject) => {
  server.once('error', reject);
  server.listen(0, HOST, () => resolve(server.address().port));
});
try {
  const [smtpPort, httpPort] = await Promise.all([listen(smtp), listen(control)]);
  process.stdout.write(`smtp on ${HOST}:${smtpPort}\nhttp on http://${HOST}:${httpPort}\n`);
} catch (e) {
  process.stderr.write(`smtp_sink: cannot listen: ${e.message}\n`);
  process.exit(1);
}
