// A fake OpenID Connect provider for Hearth's integration tests (Node.js standard library
// only). Authorization-code flow with PKCE (S256) and RS256 ID tokens, over plain HTTP on
// 127.0.0.1. No login page: /authorize signs in the configured test user at once.
//
//   node fake_oidc_provider.mjs [--client-id ID] [--client-secret SECRET]
//
// Prints exactly one line, "listening on http://127.0.0.1:PORT", once it accepts
// connections; the issuer is that URL. After that, only errors are written (to stderr).
//
// Endpoints:
//   GET  /.well-known/openid-configuration, GET /jwks
//   GET  /authorize   302 to redirect_uri?code=...&state=... (400 text if the request is bad)
//   POST /token       client_secret_basic or client_secret_post; OAuth JSON errors
//   GET  /userinfo    Bearer access token
// Control endpoints (for tests; never recorded in /control/requests):
//   POST /control/user       {sub, email, email_verified, name, picture}: the user of the
//                            next sign-ins; a field left out takes its default, null omits
//                            the claim (sub is required).
//   POST /control/misbehave  {"mode": "none" | "wrong-nonce" | "wrong-audience" |
//                            "wrong-issuer" | "expired" | "bad-signature" | "alg-none" |
//                            "unknown-kid" | "deny"}: one shot. "deny" applies to the next
//                            /authorize, the others to the next ID token issued; then the
//                            mode is back to "none".
//   GET  /control/requests   [{method, path, query, headers, body, form}] of every other
//                            request, oldest first (secrets included, unredacted).
//   POST /control/reset      default user, mode "none", no codes, tokens or requests.

import crypto from 'node:crypto';
import http from 'node:http';
import { parseArgs } from 'node:util';

let options;
try {
  options = parseArgs({
    options: {
      'client-id': { type: 'string', default: 'test-client' },
      'client-secret': { type: 'string', default: 'test-secret' },
    },
  }).values;
} catch (e) {
  process.stderr.write(`fake_oidc_provider: ${e.message}\n`);
  process.exit(2);
}
const CLIENT_ID = options['client-id'];
const CLIENT_SECRET = options['client-secret'];

const CODE_TTL_SECONDS = 60;
const TOKEN_TTL_SECONDS = 3600;
const MAX_BODY_BYTES = 1 << 20;
const MODES = new Set(['none', 'wrong-nonce', 'wrong-audience', 'wrong-issuer', 'expired',
  'bad-signature', 'alg-none', 'unknown-kid', 'deny']);
const DEFAULT_USER = Object.freeze({
  sub: 'google-user-1',
  email: 'alice@example.com',
  email_verified: true,
  name: 'Alice',
  picture: 'https://example.com/alice.png',
});

const b64url = (buf) => Buffer.from(buf).toString('base64url');
const randomToken = (bytes = 32) => b64url(crypto.randomBytes(bytes));
const now = () => Math.floor(Date.now() / 1000);

const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const KID = randomToken(12);
const JWK = { ...publicKey.export({ format: 'jwk' }), kid: KID, alg: 'RS256', use: 'sig' };
let rogueKey = null;  // signs "bad-signature" tokens; made on first use

let issuer = '';  // set once listening
let user = { ...DEFAULT_USER };
let mode = 'none';
let codes = new Map();         // code -> {client_id, redirect_uri, nonce, ...}; deleted on use
let usedCodes = new Set();
let accessTokens = new Map();  // access token -> {user, expires}
let requests = [];

function reset() {
  user = { ...DEFAULT_USER };
  mode = 'none';
  codes = new Map();
  usedCodes = new Set();
  accessTokens = new Map();
  requests = [];
}

// Takes the one-shot misbehaviour if it is one of `which`.
function takeMode(...which) {
  if (!which.includes(mode)) return 'none';
  const m = mode;
  mode = 'none';
  return m;
}

function send(res, status, body, headers = {}) {
  const buf = Buffer.from(body);
  res.writeHead(status, { ...headers, 'Content-Length': buf.length });
  res.end(buf);
}
const sendText = (res, status, text) =>
  send(res, status, text + '\n', { 'Content-Type': 'text/plain; charset=utf-8' });
const sendJson = (res, status, value, headers = {}) =>
  send(res, status, JSON.stringify(value),
       { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', ...headers });
const oauthError = (res, status, error, description, headers = {}) =>
  sendJson(res, status, { error, error_description: description }, headers);

// Parameters of a query string or form body; null if a name occurs twice (RFC 6749 3.1).
function uniqueParams(searchParams) {
  const out = Object.create(null);
  for (const [k, v] of searchParams) {
    if (k in out) return null;
    out[k] = v;
  }
  return out;
}

const PKCE_RE = /^[A-Za-z0-9\-._~]{43,128}$/;

function signJwt(header, claims, key) {
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  if (!key) return `${input}.`;
  return `${input}.${b64url(crypto.sign('sha256', Buffer.from(input), key))}`;
}

function issueIdToken(grant) {
  const m = takeMode('wrong-nonce', 'wrong-audience', 'wrong-issuer', 'expired',
                     'bad-signature', 'alg-none', 'unknown-kid');
  const t = now();
  const claims = {
    iss: m === 'wrong-issuer' ? 'https://wrong-issuer.example.com' : issuer,
    sub: grant.user.sub,
    aud: m === 'wrong-audience' ? 'some-other-client' : grant.client_id,
    iat: m === 'expired' ? t - 2 * TOKEN_TTL_SECONDS : t,
    exp: m === 'expired' ? t - TOKEN_TTL_SECONDS : t + TOKEN_TTL_SECONDS,
    auth_time: grant.auth_time,
    nonce: m === 'wrong-nonce' ? randomToken(16) : grant.nonce,
  };
  for (const k of ['email', 'email_verified', 'name', 'picture']) {
    if (grant.user[k] !== null && grant.user[k] !== undefined) claims[k] = grant.user[k];
  }
  if (m === 'alg-none') return signJwt({ alg: 'none', typ: 'JWT' }, claims, null);
  const header = { alg: 'RS256', typ: 'JWT', kid: m === 'unknown-kid' ? randomToken(12) : KID };
  if (m === 'bad-signature') {
    rogueKey ??= crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    return signJwt(header, claims, rogueKey);
  }
  return signJwt(header, claims, privateKey);
}

function discovery() {
  return {
    issuer,
    authorization_endpoint: `${issuer}/authorize`,
    token_endpoint: `${issuer}/token`,
    jwks_uri: `${issuer}/jwks`,
    userinfo_endpoint: `${issuer}/userinfo`,
    response_types_supported: ['code'],
    grant_types_supported: ['authorization_code'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
    code_challenge_methods_supported: ['S256'],
    scopes_supported: ['openid', 'email', 'profile'],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    claims_supported: ['iss', 'sub', 'aud', 'iat', 'exp', 'auth_time', 'nonce', 'email',
      'email_verified', 'name', 'picture'],
  };
}

function authorize(res, url) {
  const p = uniqueParams(url.searchParams);
  if (!p) return sendText(res, 400, 'invalid request: a parameter is repeated');
  if (p.response_type !== 'code') {
    return sendText(res, 400, `unsupported response_type ${JSON.stringify(p.response_type ?? '')}` +
                    ' (only "code")');
  }
  if (!p.client_id) return sendText(res, 400, 'missing client_id');
  if (p.client_id !== CLIENT_ID) {
    return sendText(res, 400, `unknown client_id ${JSON.stringify(p.client_id)}`);
  }
  if (!p.redirect_uri) return sendText(res, 400, 'missing redirect_uri');
  let redirect;
  try {
    redirect = new URL(p.redirect_uri);
  } catch {
    return sendText(res, 400, 'redirect_uri is not an absolute URL');
  }
  if (!['http:', 'https:'].includes(redirect.protocol) || redirect.hash) {
    return sendText(res, 400, 'redirect_uri must be an http(s) URL without a fragment');
  }
  const scopes = (p.scope ?? '').split(' ').filter(Boolean);
  if (!scopes.includes('openid')) return sendText(res, 400, 'scope must include "openid"');
  if (!p.state) return sendText(res, 400, 'missing state');
  if (!p.nonce) return sendText(res, 400, 'missing nonce');
  if (!p.code_challenge) return sendText(res, 400, 'missing code_challenge (PKCE is required)');
  if (p.code_challenge_method !== 'S256') {
    return sendText(res, 400, `unsupported code_challenge_method ` +
                    `${JSON.stringify(p.code_challenge_method ?? '')} (only "S256")`);
  }
  if (!/^[A-Za-z0-9_-]{43}$/.test(p.code_challenge)) {
    return sendText(res, 400, 'code_challenge is not a base64url SHA-256 digest (43 characters)');
  }
  if (takeMode('deny') === 'deny') {
    redirect.searchParams.append('error', 'access_denied');
    redirect.searchParams.append('error_description', 'the user denied the request');
  } else {
    const code = randomToken();
    codes.set(code, {
      client_id: p.client_id,
      redirect_uri: p.redirect_uri,
      nonce: p.nonce,
      code_challenge: p.code_challenge,
      scope: scopes.join(' '),
      user: { ...user },
      auth_time: now(),
      expires: Date.now() + CODE_TTL_SECONDS * 1000,
    });
    redirect.searchParams.append('code', code);
  }
  redirect.searchParams.append('state', p.state);
  return send(res, 302, '', { Location: redirect.toString(), 'Cache-Control': 'no-store' });
}

// RFC 6749 2.3.1: the client id and secret are form-encoded before base64.
function formDecode(s) {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

function token(req, res, body) {
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') {
    return oauthError(res, 400, 'invalid_request',
                      'the body must be application/x-www-form-urlencoded');
  }
  const p = uniqueParams(new URLSearchParams(body));
  if (!p) return oauthError(res, 400, 'invalid_request', 'a parameter is repeated');

  // Client authentication: exactly one of client_secret_basic and client_secret_post.
  let clientId;
  let secret;
  const challenge = { 'WWW-Authenticate': 'Basic realm="fake-oidc"' };
  const auth = req.headers.authorization;
  if (auth !== undefined) {
    const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(auth);
    const decoded = m ? Buffer.from(m[1], 'base64').toString('utf8') : '';
    const colon = decoded.indexOf(':');
    if (colon < 0) {
      return oauthError(res, 401, 'invalid_client', 'malformed Basic authorization', challenge);
    }
    if (p.client_secret !== undefined) {
      return oauthError(res, 400, 'invalid_request',
                        'client authenticated with both Basic and client_secret');
    }
    clientId = formDecode(decoded.slice(0, colon));
    secret = formDecode(decoded.slice(colon + 1));
    if (p.client_id !== undefined && p.client_id !== clientId) {
      return oauthError(res, 400, 'invalid_request', 'client_id differs from the Basic user');
    }
  } else {
    clientId = p.client_id;
    secret = p.client_secret;
    if (clientId === undefined || secret === undefined) {
      return oauthError(res, 401, 'invalid_client', 'no client authentication', challenge);
    }
  }
  if (clientId !== CLIENT_ID || secret !== CLIENT_SECRET) {
    return oauthError(res, 401, 'invalid_client', 'unknown client or wrong secret', challenge);
  }

  if (!p.grant_type) return oauthError(res, 400, 'invalid_request', 'missing grant_type');
  if (p.grant_type !== 'authorization_code') {
    return oauthError(res, 400, 'unsupported_grant_type', `grant_type ${p.grant_type}`);
  }
  for (const name of ['code', 'redirect_uri', 'code_verifier']) {
    if (!p[name]) return oauthError(res, 400, 'invalid_request', `missing ${name}`);
  }
  if (!PKCE_RE.test(p.code_verifier)) {
    return oauthError(res, 400, 'invalid_request',
                      'code_verifier must be 43-128 characters of [A-Za-z0-9-._~]');
  }
  const grant = codes.get(p.code);
  codes.delete(p.code);  // single use, even when this attempt fails
  if (!grant) {
    const why = usedCodes.has(p.code) ? 'code already used' : 'unknown code';
    return oauthError(res, 400, 'invalid_grant', why);
  }
  usedCodes.add(p.code);
  if (Date.now() > grant.expires) return oauthError(res, 400, 'invalid_grant', 'code expired');
  if (grant.client_id !== clientId) {
    return oauthError(res, 400, 'invalid_grant', 'code was issued to another client');
  }
  if (grant.redirect_uri !== p.redirect_uri) {
    return oauthError(res, 400, 'invalid_grant', 'redirect_uri differs from /authorize');
  }
  const computed = b64url(crypto.createHash('sha256').update(p.code_verifier).digest());
  if (computed !== grant.code_challenge) {
    return oauthError(res, 400, 'invalid_grant', 'PKCE verification failed');
  }
  const accessToken = randomToken();
  accessTokens.set(accessToken,
                   { user: grant.user, expires: Date.now() + TOKEN_TTL_SECONDS * 1000 });
  return sendJson(res, 200, {
    access_token: accessToken,
    token_type: 'Bearer',
    expires_in: TOKEN_TTL_SECONDS,
    id_token: issueIdToken(grant),
    scope: grant.scope,
  }, { Pragma: 'no-cache' });
}

function userinfo(req, res) {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  const entry = m && accessTokens.get(m[1]);
  if (!entry || Date.now() > entry.expires) {
    return sendJson(res, 401, { error: 'invalid_token' },
                    { 'WWW-Authenticate': 'Bearer error="invalid_token"' });
  }
  const claims = { sub: entry.user.sub };
  for (const k of ['email', 'email_verified', 'name', 'picture']) {
    if (entry.user[k] !== null && entry.user[k] !== undefined) claims[k] = entry.user[k];
  }
  return sendJson(res, 200, claims);
}

function parseJsonObject(body) {
  try {
    const v = JSON.parse(body);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? v : null;
  } catch {
    return null;
  }
}

function setUser(res, body) {
  const v = parseJsonObject(body);
  if (!v) return sendText(res, 400, 'body must be a JSON object');
  const next = { ...DEFAULT_USER, ...v };
  const errors = [];
  if (typeof next.sub !== 'string' || next.sub === '') errors.push('sub: non-empty string');
  for (const k of ['email', 'name', 'picture']) {
    if (next[k] !== null && typeof next[k] !== 'string') errors.push(`${k}: string or null`);
  }
  if (next.email_verified !== null && typeof next.email_verified !== 'boolean') {
    errors.push('email_verified: boolean or null');
  }
  const unknown = Object.keys(v).filter((k) => !(k in DEFAULT_USER));
  if (unknown.length) errors.push(`unknown fields: ${unknown.join(', ')}`);
  if (errors.length) return sendText(res, 400, `bad user: ${errors.join('; ')}`);
  user = next;
  return sendJson(res, 200, user);
}

function setMode(res, body) {
  const v = parseJsonObject(body);
  if (!v || !MODES.has(v.mode)) {
    return sendText(res, 400, `body must be {"mode": one of ${[...MODES].join(', ')}}`);
  }
  mode = v.mode;
  return sendJson(res, 200, { mode });
}

function route(req, res, url, body) {
  const path = url.pathname;
  const key = `${req.method} ${path}`;
  switch (key) {
    case 'GET /.well-known/openid-configuration': return sendJson(res, 200, discovery());
    case 'GET /jwks': return sendJson(res, 200, { keys: [JWK] });
    case 'GET /authorize': return authorize(res, url);
    case 'POST /token': return token(req, res, body);
    case 'GET /userinfo': return userinfo(req, res);
    case 'POST /control/user': return setUser(res, body);
    case 'POST /control/misbehave': return setMode(res, body);
    case 'GET /control/requests': return sendJson(res, 200, requests);
    case 'POST /control/reset': reset(); return sendJson(res, 200, { ok: true });
  }
  const known = ['/.well-known/openid-configuration', '/jwks', '/authorize', '/token',
    '/userinfo', '/control/user', '/control/misbehave', '/control/requests', '/control/reset'];
  if (known.includes(path)) return sendText(res, 405, `method ${req.method} not allowed`);
  return sendText(res, 404, `no such endpoint ${path}`);
}

function record(req, url, body) {
  if (url.pathname.startsWith('/control/')) return;
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  const form = type === 'application/x-www-form-urlencoded'
    ? Object.fromEntries(new URLSearchParams(body)) : null;
  requests.push({
    method: req.method,
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    headers: req.headers,
    body,
    form,
  });
}

const server = http.createServer((req, res) => {
  const chunks = [];
  let size = 0;
  let tooLarge = false;
  req.on('data', (chunk) => {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) tooLarge = true;
    else chunks.push(chunk);
  });
  req.on('error', () => {});
  req.on('end', () => {
    try {
      if (tooLarge) return sendText(res, 413, 'body too large');
      const body = Buffer.concat(chunks).toString('utf8');
      const url = new URL(req.url, 'http://127.0.0.1');
      record(req, url, body);
      return route(req, res, url, body);
    } catch (e) {
      process.stderr.write(`fake_oidc_provider: ${req.method} ${req.url}: ${e.stack}\n`);
      if (!res.headersSent) sendText(res, 500, `internal error: ${e.message}`);
    }
  });
});
server.on('clientError', (err, socket) => {
  if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n');
  else socket.destroy();
});
process.on('uncaughtException', (e) => {
  process.stderr.write(`fake_oidc_provider: uncaught: ${e.stack}\n`);
});
server.listen(0, '127.0.0.1', () => {
  issuer = `http://127.0.0.1:${server.address().port}`;
  process.stdout.write(`listening on ${issuer}\n`);
});
