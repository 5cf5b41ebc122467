// OAuth / OpenID Connect sign-in through Hearth's endpoints, against the fake OIDC
// provider of the C++ tests (tests/support/fake_oidc_provider.mjs). There is no browser
// here: the test plays it, following the redirects with fetch and standing in for
// location, history, sessionStorage and window.open.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, afterEach, before, describe, test } from 'node:test';

import {
  GoogleAuthProvider, OAuthProvider, deleteApp, getAuth, getRedirectResult, initializeApp,
  onAuthStateChanged, signInWithPopup, signInWithRedirect,
} from '../hearth.js';
import { deleteApps, newApp, sleep } from './helpers.mjs';
import { startServer } from './server.mjs';

const APP_PAGE = 'http://app.test/page?x=1';
const PROVIDER_SCRIPT = new URL('../../../tests/support/fake_oidc_provider.mjs', import.meta.url).pathname;

let provider;  // {issuer, process}
let server;

async function startProvider() {
  const child = spawn(process.execPath, [PROVIDER_SCRIPT, '--client-id', 'test-client',
    '--client-secret', 'test-secret'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const issuer = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.on('exit', (code) => reject(new Error(`fake provider exited (${code})`)));
  });
  process.on('exit', () => child.kill('SIGKILL'));
  return { issuer, child };
}

const control = (path, body) => fetch(provider.issuer + path, { method: 'POST', body: JSON.stringify(body) });

// Follows redirects from `url` (Hearth's start, the provider, Hearth's callback) until one
// leads back to the app; that URL.
async function browse(url) {
  for (let hops = 0; hops < 5; hops++) {
    const response = await fetch(url, { redirect: 'manual' });
    const location = response.headers.get('location');
    if (!location) throw new Error(`no redirect from ${url}: ${response.status} ${await response.text()}`);
    url = new URL(location, url).href;
    if (url.startsWith('http://app.test/')) return url;
  }
  throw new Error('too many redirects');
}

// The browser globals the SDK uses, at `href`.
function fakeBrowser(href) {
  const storage = new Map();
  const page = { href, assigned: [], replaced: [], opened: [] };
  globalThis.location = {
    get href() { return page.href; },
    get origin() { return new URL(page.href).origin; },
    assign: (url) => page.assigned.push(url),
  };
  globalThis.history = {
    state: null,
    replaceState: (state, title, url) => {
      page.replaced.push(url);
      page.href = url;
    },
  };
  globalThis.sessionStorage = {
    getItem: (k) => storage.get(k) ?? null,
    setItem: (k, v) => void storage.set(k, String(v)),
    removeItem: (k) => void storage.delete(k),
  };
  page.storage = storage;
  return page;
}

// A popup whose address is unreadable (cross-origin) until it comes back to the app.
// page.opened: what window.open was given; popup.visited: where the opener sent it since.
function fakePopup(page) {
  const popup = {
    closed: false,
    url: null,  // where it is; readable only once on the app's origin
    visited: [],
    location: {
      get href() {
        if (!popup.url?.startsWith('http://app.test/')) throw new Error('SecurityError: cross-origin');
        return popup.url;
      },
      replace(url) {
        popup.visited.push(url);
        popup.url = url;
      },
    },
    close() { popup.closed = true; },
  };
  globalThis.open = (url) => {
    page.opened.push(url);
    popup.url = url;
    return popup;
  };
  return popup;
}

// Resolves once `check` is true (polled), or fails after `ms`.
async function until(check, ms = 3000) {
  for (const end = Date.now() + ms; !check(); await sleep(10)) {
    if (Date.now() > end) throw new Error('timed out');
  }
}

before(async () => {
  provider = await startProvider();
  server = await startServer({
    env: { TEST_OIDC_SECRET: 'test-secret' },
    hearthJson: { auth: { redirectAllowList: ['http://app.test/'], providers: {
      test: { issuer: provider.issuer, clientId: 'test-client', clientSecretEnv: 'TEST_OIDC_SECRET' },
    } } },
  });
});
afterEach(async () => {
  await deleteApps();
  for (const name of ['location', 'history', 'sessionStorage', 'open']) delete globalThis[name];
  await control('/control/reset', {});
});
after(async () => {
  await server.stop();
  provider.child.kill();
});

describe('providers', () => {
  test('provider IDs map to Hearth provider names', async () => {
    const page = fakeBrowser('http://app.test/a');
    // The test server has no provider "google": a fetch that answers as if it had.
    const asked = [];
    const fetch = async (url, init) => {
      asked.push([url, init.redirect]);
      return new Response(null, { status: 302, headers: { Location: 'https://accounts.google.com/' } });
    };
    const auth = getAuth(newApp(server, { fetch }));
    signInWithRedirect(auth, new GoogleAuthProvider().addScope('email'));
    await until(() => page.assigned.length > 0);
    const start = `${server.url}/v1/auth/oauth/google/start?redirect=${encodeURIComponent('http://app.test/a')}`;
    assert.deepEqual(page.assigned, [start]);
    assert.deepEqual(asked, [[start, 'manual']], 'checked first, without following the redirect');
    assert.equal(GoogleAuthProvider.PROVIDER_ID, 'google.com');
    assert.equal(GoogleAuthProvider.credentialFromResult({}), null);
    assert.equal(new OAuthProvider('oidc.corp')._hearthName, 'corp');
  });
});

describe('signInWithRedirect', () => {
  test('the whole round trip signs the user in after the page comes back', async () => {
    await control('/control/user', { sub: 'sdk-redirect', email: 'redirect@example.com', name: 'Red Irect' });
    const page = fakeBrowser(`${APP_PAGE}#section`);
    const first = newApp(server);
    const auth = getAuth(first);
    assert.equal(await getRedirectResult(auth), null, 'no redirect sign-in under way');
    signInWithRedirect(auth, new OAuthProvider('oidc.test'));
    await until(() => page.assigned.length > 0);
    const start = page.assigned[0];
    assert.equal(start, `${server.url}/v1/auth/oauth/test/start?redirect=${encodeURIComponent(APP_PAGE)}`);
    const back = await browse(start);
    assert.match(back, /^http:\/\/app\.test\/page\?x=1&code=[^&]+$/);

    // The page loads again, with ?code=..., and a new app.
    await deleteApp(first);
    page.href = back;
    const again = initializeApp({ url: server.url }, first.name);
    const auth2 = getAuth(again);
    const states = [];
    onAuthStateChanged(auth2, (u) => states.push(u?.email ?? null));
    const result = await getRedirectResult(auth2);
    assert.equal(result.user.email, 'redirect@example.com');
    assert.equal(result.user.displayName, 'Red Irect');
    assert.equal(result.user.emailVerified, true);
    assert.equal(result.providerId, 'oidc.test');
    assert.deepEqual(result.user.providerData.map((p) => p.providerId), ['oidc.test']);
    assert.equal(auth2.currentUser, result.user);
    assert.deepEqual(page.replaced, [APP_PAGE], 'the code is taken out of the address bar');
    assert.equal(page.storage.size, 0);
    await sleep(10);
    assert.deepEqual(states, ['redirect@example.com'], 'signed in before the first state');
    await deleteApp(again);
  });

  test('a refusal at the provider comes back as an error', async () => {
    await control('/control/misbehave', { mode: 'deny' });
    const page = fakeBrowser(APP_PAGE);
    const first = newApp(server);
    signInWithRedirect(getAuth(first), new OAuthProvider('oidc.test'));
    await until(() => page.assigned.length > 0);
    const back = await browse(page.assigned[0]);
    assert.match(back, /error=access_denied/);
    await deleteApp(first);
    page.href = back;
    const again = initializeApp({ url: server.url }, first.name);
    await assert.rejects(getRedirectResult(getAuth(again)), { code: 'auth/user-cancelled' });
    assert.equal(getAuth(again).currentUser, null);
    await deleteApp(again);
  });

  test('a code can be exchanged once', async () => {
    const page = fakeBrowser(APP_PAGE);
    const first = newApp(server);
    signInWithRedirect(getAuth(first), new OAuthProvider('oidc.test'));
    await until(() => page.assigned.length > 0);
    const back = await browse(page.assigned[0]);
    const code = new URL(back).searchParams.get('code');
    const exchange = () => fetch(`${server.url}/v1/auth/oauth/exchange`, { method: 'POST', body: JSON.stringify({ code }) });
    assert.equal((await exchange()).status, 200);
    await deleteApp(first);
    page.href = back;
    const again = initializeApp({ url: server.url }, first.name);
    await assert.rejects(getRedirectResult(getAuth(again)), { code: /^auth\// });
    await deleteApp(again);
  });
});

describe('signInWithPopup', () => {
  test('the popup comes back to the page; the code is exchanged', async () => {
    await control('/control/user', { sub: 'sdk-popup', email: 'popup@example.com' });
    const page = fakeBrowser(APP_PAGE);
    const popup = fakePopup(page);
    const auth = getAuth(newApp(server));
    const pending = signInWithPopup(auth, new OAuthProvider('oidc.test'));
    assert.deepEqual(page.opened, ['about:blank'], 'opened at once, within the click');
    const back = new URL(APP_PAGE);
    back.searchParams.set('hearth_popup', '1');
    await until(() => popup.visited.length > 0);
    assert.deepEqual(popup.visited,
                     [`${server.url}/v1/auth/oauth/test/start?redirect=${encodeURIComponent(back.href)}`],
                     'sent to the start once the server agreed');
    popup.url = await browse(popup.visited[0]);
    const result = await pending;
    assert.equal(result.user.email, 'popup@example.com');
    assert.equal(auth.currentUser, result.user);
    assert.equal(popup.closed, true);
    assert.deepEqual(page.replaced, [], 'the page itself did not move');
  });

  test('closed by the user, or blocked', async () => {
    const page = fakeBrowser(APP_PAGE);
    const popup = fakePopup(page);
    const auth = getAuth(newApp(server));
    const pending = signInWithPopup(auth, new OAuthProvider('oidc.test'));
    popup.closed = true;
    await assert.rejects(pending, { code: 'auth/popup-closed-by-user' });
    await sleep(50);
    assert.deepEqual(popup.visited, [], 'a closed popup is not sent on');
    globalThis.open = () => null;
    await assert.rejects(signInWithPopup(auth, new OAuthProvider('oidc.test')), { code: 'auth/popup-blocked' });
    assert.equal(auth.currentUser, null);
  });
});

// Regression: a refused start (no such provider, redirect not allowed) used to leave the
// popup (or the page) on the server's JSON, the promise pending until the popup was closed.
describe('a sign-in the server refuses to start', () => {
  test('an unknown provider: the popup closes, auth/operation-not-allowed', async () => {
    const page = fakeBrowser(APP_PAGE);
    const popup = fakePopup(page);
    const auth = getAuth(newApp(server));
    const pending = signInWithPopup(auth, new GoogleAuthProvider());  // not in hearth.json
    assert.deepEqual(page.opened, ['about:blank'], 'opened at once, within the click');
    const error = await pending.then(() => null, (e) => e);
    assert.equal(error?.code, 'auth/operation-not-allowed');
    assert.match(error.message, /no sign-in provider named 'google'/);
    assert.equal(error.customData.serverCode, 'not-found');
    assert.equal(popup.closed, true);
    assert.deepEqual(popup.visited, [], 'never sent to the refused start');
    assert.equal(auth.currentUser, null);
  });

  test('an unknown provider: the page does not navigate', async () => {
    const page = fakeBrowser(APP_PAGE);
    const auth = getAuth(newApp(server));
    await assert.rejects(signInWithRedirect(auth, new OAuthProvider('oidc.nosuch')),
                         { code: 'auth/operation-not-allowed' });
    assert.deepEqual(page.assigned, []);
    assert.equal(page.storage.size, 0, 'no redirect marker left behind');
    assert.equal(await getRedirectResult(auth), null);
  });

  test('a page not on the redirect allow-list: auth/unauthorized-domain', async () => {
    const page = fakeBrowser('http://elsewhere.test/page');
    const popup = fakePopup(page);
    const auth = getAuth(newApp(server));
    const error = await signInWithPopup(auth, new OAuthProvider('oidc.test')).then(() => null, (e) => e);
    assert.equal(error?.code, 'auth/unauthorized-domain');
    assert.match(error.message, /allow-list/);
    assert.equal(popup.closed, true);
    assert.deepEqual(popup.visited, []);
    await assert.rejects(signInWithRedirect(auth, new OAuthProvider('oidc.test')),
                         { code: 'auth/unauthorized-domain' });
    assert.deepEqual(page.assigned, []);
  });

  test('other refusals: auth/internal-error with the server\'s message; unreachable', async () => {
    const page = fakeBrowser(APP_PAGE);
    let answer;
    const fetch = async () => answer();
    const auth = getAuth(newApp(server, { fetch }));
    answer = () => new Response('{"error":{"code":"internal","message":"the disk is full"}}',
                                { status: 500, headers: { 'Content-Type': 'application/json' } });
    let popup = fakePopup(page);
    await assert.rejects(signInWithPopup(auth, new OAuthProvider('oidc.test')),
                         { code: 'auth/internal-error', message: 'the disk is full' });
    assert.equal(popup.closed, true);
    answer = () => new Response('<html>Bad Gateway</html>', { status: 502 });
    await assert.rejects(signInWithRedirect(auth, new OAuthProvider('oidc.test')),
                         { code: 'auth/internal-error', message: /HTTP 502/ });
    answer = () => { throw new TypeError('fetch failed'); };
    popup = fakePopup(page);
    await assert.rejects(signInWithPopup(auth, new OAuthProvider('oidc.test')),
                         { code: 'auth/network-request-failed' });
    assert.equal(popup.closed, true);
    assert.deepEqual(page.assigned, []);
  });
});

describe('outside a browser', () => {
  test('popup and redirect are refused', async () => {
    const auth = getAuth(newApp(server));
    await assert.rejects(signInWithPopup(auth, new GoogleAuthProvider()),
                         { code: 'auth/operation-not-supported-in-this-environment' });
    await assert.rejects(signInWithRedirect(auth, new GoogleAuthProvider()),
                         { code: 'auth/operation-not-supported-in-this-environment' });
  });
});
