// What the browser tests run against: the real hearth binary serving a copy of an
// example project, the fake OpenID Connect provider of the C++ tests
// (tests/support/fake_oidc_provider.mjs) and a stub of an outside mail API.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const REPO = join(here, '..', '..');
export const ARTIFACTS = join(here, 'artifacts');
export const HEARTH_BIN = process.env.HEARTH_BIN ?? join(REPO, 'build/asan/src/app/hearth');
export const CHROMIUM = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run'];

const children = new Set();
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

// Spawns `command` and resolves with the first match of `ready` in its output (stdout and
// stderr); rejects if it exits or stays silent for `timeoutMs`.
function spawnUntil(command, args, { env, ready, timeoutMs = 20000, name }) {
  const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  const state = { child, output: '' };
  let spawnError = null;
  const exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      children.delete(child);
      resolve({ code, signal });
    });
    // Not started at all (no such file, not executable: a build in progress?).
    child.once('error', (e) => {
      spawnError = e;
      children.delete(child);
      resolve({ code: null, signal: null });
    });
  });
  state.exited = exited;
  state.match = new Promise((resolve, reject) => {
    const onData = (chunk) => {
      state.output += chunk;
      const m = ready.exec(state.output);
      if (m) resolve(m);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    exited.then(({ code, signal }) => reject(new Error(spawnError
      ? `${name} (${command}) cannot start: ${spawnError.message}`
      : `${name} exited (${code ?? signal}) before it was ready:\n${state.output}`)));
    setTimeout(() => reject(new Error(`${name} not ready in ${timeoutMs} ms:\n${state.output}`)),
               timeoutMs).unref();
  });
  return state;
}

// The fake OIDC provider: {issuer, control(path, body), requests(), stop()}.
export async function startOidcProvider({ clientId, clientSecret }) {
  const script = join(REPO, 'tests/support/fake_oidc_provider.mjs');
  const p = spawnUntil(process.execPath,
    [script, '--client-id', clientId, '--client-secret', clientSecret],
    { env: process.env, ready: /listening on (http:\/\/127\.0\.0\.1:\d+)/, name: 'fake OIDC provider' });
  const issuer = (await p.match)[1];
  const control = async (path, body) => {
    const response = await fetch(issuer + path, { method: 'POST', body: JSON.stringify(body) });
    if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
    return response.json();
  };
  return {
    issuer,
    control,
    requests: async () => (await fetch(`${issuer}/control/requests`)).json(),
    stop: () => p.child.kill('SIGKILL'),
  };
}

// A stand-in for an outside mail API: records each request; answers 200 {"id"}, or
// `failNext` times 500.
export async function startMailStub() {
  const stub = { requests: [], failNext: 0 };
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      stub.requests.push({ method: req.method, url: req.url, headers: req.headers, body });
      if (stub.failNext > 0) {
        stub.failNext--;
        res.writeHead(500, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ message: 'stub failure', echoedHeaders: req.headers }));
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ id: `mail-${stub.requests.length}` }));
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  stub.url = `http://127.0.0.1:${server.address().port}/emails`;
  stub.stop = () => new Promise((resolve) => server.close(resolve));
  return stub;
}

// A copy of examples/NAME in a temporary folder, with `hearthJson` merged into its
// hearth.json (one level deep for "auth") and `env` written as its .env.
export function copyExample(name, { hearthJson = {}, env = {} } = {}) {
  const dir = mkdtempSync(join(tmpdir(), `hearth-e2e-${name}-`));
  const project = join(dir, 'project');
  cpSync(join(REPO, 'examples', name), project, {
    recursive: true,
    filter: (src) => !/[/\\](\.hearth|\.env|\.env\.local|node_modules)$/.test(src),
  });
  const base = JSON.parse(readFileSync(join(project, 'hearth.json'), 'utf8'));
  const merged = { ...base, ...hearthJson, auth: { ...base.auth, ...hearthJson.auth } };
  writeFileSync(join(project, 'hearth.json'), JSON.stringify(merged, null, 2));
  writeFileSync(join(project, '.env'),
                Object.entries(env).map(([k, v]) => `${k}=${v}`).join('\n') + '\n');
  return { dir, project, data: join(dir, 'data'), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

// `hearth serve` of a project; start() picks a free port the first time and keeps it.
export class Hearth {
  constructor(project, data) {
    this.project = project;
    this.data = data;
    this.port = 0;
    this.adminToken = randomBytes(24).toString('hex');
    this.log = '';
    this.process = null;
  }

  get url() { return `http://127.0.0.1:${this.port}`; }

  async start() {
    // The test's own environment must not shadow the project's .env.
    const env = { ...process.env, HEARTH_ADMIN_TOKEN: this.adminToken };
    for (const k of ['MAIL_API_KEY', 'MAIL_API_URL', 'GOOGLE_CLIENT_SECRET']) delete env[k];
    this.process = spawnUntil(HEARTH_BIN,
      ['serve', this.project, '--port', String(this.port), '--data', this.data],
      { env, ready: /listening on http:\/\/[^:]+:(\d+)/, name: 'hearth' });
    this.port = Number((await this.process.match)[1]);
  }

  output() { return this.log + (this.process?.output ?? ''); }

  // SIGKILL: a crash, nothing flushed or closed politely. Resolves with {code, signal}.
  async kill(signal = 'SIGKILL') {
    const p = this.process;
    if (!p) return { code: null, signal: null };
    this.process = null;
    p.child.kill(signal);
    const timer = setTimeout(() => p.child.kill('SIGKILL'), 10000);
    const exit = await p.exited;
    clearTimeout(timer);
    this.log += p.output;
    return exit;
  }

  stop() { return this.kill('SIGTERM'); }
}

// tests/e2e/artifacts/, emptied.
export function artifactsDir() {
  rmSync(ARTIFACTS, { recursive: true, force: true });
  mkdirSync(ARTIFACTS, { recursive: true });
  return ARTIFACTS;
}

