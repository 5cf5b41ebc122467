'use strict';
// bench/express/server.js — baseline for bench/foundation.sh.
//
// A stand-in for the seed's server: Node.js + Express, posts kept in a plain
// in-memory array, no persistence. Routes and response shapes mirror Hearth's
// document API so the same wrk scripts drive both:
//
//   GET  /v1/documents/posts/:id         -> 200 {"id","path","data","createTime","updateTime"} | 404
//   POST /v1/documents/posts             -> 201 same shape, random id   (express.json() body)
//   PUT  /v1/documents/posts/:id         -> 200 create/replace (used only to seed fixed ids)
//   GET  /v1/documents/posts?pageSize=20 -> 200 {"documents":[...first pageSize...]}
//   GET  /healthz                        -> 200
//
// Auth: if BENCH_TOKEN is set, document routes require "Authorization: Bearer
// <BENCH_TOKEN>" (a string compare, as cheap as it gets) so both servers do the
// same per-request work the wrk scripts expect. Unset = no auth.
//
// Usage: node server.js [port] [host]      (or PORT / HOST env; default 3000 / 127.0.0.1)

const crypto = require('node:crypto');
const express = require('express');

const port = Number(process.argv[2] || process.env.PORT || 3000);
const host = process.argv[3] || process.env.HOST || '127.0.0.1';
const token = process.env.BENCH_TOKEN || '';

const posts = []; // the seed's "database": an array, searched linearly

const ID_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
function randomId() {
  const bytes = crypto.randomBytes(20);
  let id = '';
  for (let i = 0; i < 20; i++) id += ID_CHARS[bytes[i] % ID_CHARS.length];
  return id;
}

function makeDoc(id, data, createTime) {
  const now = new Date().toISOString();
  return { id, path: `posts/${id}`, data, createTime: createTime || now, updateTime: now };
}

const app = express();
app.disable('x-powered-by');
app.disable('etag'); // Hearth does not compute ETags for every response either

app.get('/healthz', (req, res) => {
  res.json({ status: 'ok' });
});

function requireAuth(req, res, next) {
  if (token && req.get('authorization') !== `Bearer ${token}`) {
    return res.status(401).json({ error: { code: 401, message: 'unauthenticated' } });
  }
  next();
}

const docs = express.Router();
docs.use(requireAuth);
docs.use(express.json({ limit: '1mb' }));

function isObject(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

docs.get('/posts/:id', (req, res) => {
  const post = posts.find((p) => p.id === req.params.id);
  if (!post) return res.status(404).json({ error: { code: 404, message: 'not found' } });
  res.json(post);
});

docs.get('/posts', (req, res) => {
  let pageSize = Number.parseInt(req.query.pageSize, 10);
  if (!Number.isFinite(pageSize) || pageSize <= 0) pageSize = 20;
  res.json({ documents: posts.slice(0, Math.min(pageSize, 300)) });
});

docs.post('/posts', (req, res) => {
  if (!isObject(req.body)) return res.status(400).json({ error: { code: 400, message: 'body must be a JSON object' } });
  const post = makeDoc(randomId(), req.body);
  posts.push(post);
  res.status(201).json(post);
});

docs.put('/posts/:id', (req, res) => {
  if (!isObject(req.body)) return res.status(400).json({ error: { code: 400, message: 'body must be a JSON object' } });
  const i = posts.findIndex((p) => p.id === req.params.id);
  if (i >= 0) {
    posts[i] = makeDoc(req.params.id, req.body, posts[i].createTime);
    return res.json(posts[i]);
  }
  const post = makeDoc(req.params.id, req.body);
  posts.push(post);
  res.json(post);
});

app.use('/v1/documents', docs);

const server = app.listen(port, host, () => {
  const addr = server.address();
  console.log(`express baseline listening on http://${addr.address}:${addr.port}`);
});

function shutdown() {
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 1000).unref();
}
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
