// Browser end-to-end tests of examples/blog against the real hearth binary, in Debian's
// Chromium driven by playwright-core. One server and one browser for the whole file; the
// tests run in order and build on each other (people sign up, post, like, sign in with
// the OIDC provider, the server restarts under the open pages...).
//
//   npm ci --prefix tests/e2e && HEARTH_BIN=build/asan/src/app/hearth node --test tests/e2e/blog.test.mjs
//
// Screenshots, the server log and the pages' console go to tests/e2e/artifacts/. Timings
// (cold page load, publish in one browser -> visible in another, recovery after a
// restart) are printed as a table, not asserted.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import {
  CHROMIUM, CHROMIUM_ARGS, HEARTH_BIN, Hearth, artifactsDir, copyExample, startMailStub,
  startOidcProvider,
} from './support.mjs';

const { chromium } = await import('playwright-core').catch(() => {
  throw new Error('playwright-core is not installed: run scripts/install-e2e.sh');
});

const MAIL_KEY = `mail-key-${randomBytes(12).toString('hex')}`;
const OIDC_CLIENT = { clientId: 'blog-e2e-client', clientSecret: `oidc-${randomBytes(8).toString('hex')}` };
const PASSWORD = 'correct horse battery';
const PUBLISH_SAMPLES = 5;

let provider;
let mail;
let project;
let hearth;
let browser;
const pages = {};           // name -> page
const consoleLines = [];    // every page's console and errors, for the artifacts
const pageErrors = [];      // uncaught exceptions in any page: there must be none
const bodies = [];          // {url, text} of every response any page received
const timings = [];         // [what, value]
let shot = 0;
const ARTIFACTS = artifactsDir();

async function screenshot(page, name) {
  shot++;
  await page.evaluate(() => window.scrollTo(0, 0));  // else the sticky header lands mid-page
  await page.screenshot({ path: join(ARTIFACTS, `${String(shot).padStart(2, '0')}-${name}.png`), fullPage: true });
}

// A new browser context (its own cookies and storage: another person) with one page.
async function openPage(name, options = {}) {
  const context = await browser.newContext({ viewport: { width: 1100, height: 900 }, ...options });
  context.setDefaultTimeout(10000);
  const page = await context.newPage();
  page.on('console', (m) => consoleLines.push(`[${name}] ${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => {
    pageErrors.push(`[${name}] ${e.stack ?? e}`);
    consoleLines.push(`[${name}] pageerror: ${e.stack ?? e}`);
  });
  context.on('response', async (response) => {
    try {
      const type = response.headers()['content-type'] ?? '';
      if (/json|text|javascript/.test(type)) bodies.push({ url: response.url(), text: await response.text() });
    } catch {
      // A redirect or a response of a page already gone has no body.
    }
  });
  pages[name] = page;
  return page;
}

const feedReady = (page) => page.waitForSelector('html[data-feed="ready"]');
const post = (page, title) => page.locator('#feed .post', { hasText: title });

async function signUp(page, name, email) {
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByRole('tab', { name: 'Create account' }).click();
  await dialog.getByLabel('Display name').fill(name);
  await dialog.getByLabel('Email').fill(email);
  await dialog.getByLabel('Password').fill(PASSWORD);
  await dialog.locator('#auth-submit').click();
  await page.locator('#user-name', { hasText: name }).waitFor();
}

async function publish(page, title, body) {
  const form = page.locator('#post-form');
  await form.getByLabel('Title').fill(title);
  await form.getByLabel('Post', { exact: true }).fill(body);
  const clicked = Date.now();
  await form.getByRole('button', { name: 'Publish' }).click();
  return clicked;
}

// Records in the page when each post title first appears in the feed (Date.now()).
async function watchArrivals(page) {
  await page.evaluate(() => {
    window.arrivals = new Map();
    const note = () => {
      for (const a of document.querySelectorAll('#feed .post-link')) {
        if (!window.arrivals.has(a.textContent)) window.arrivals.set(a.textContent, Date.now());
      }
    };
    note();
    new MutationObserver(note).observe(document.getElementById('feed'),
                                       { childList: true, subtree: true, characterData: true });
  });
}
const arrival = (page, title) => page.evaluate((t) => window.arrivals.get(t), title);

// Runs `fn(arg)` in the page with `sdk`, the page's own SDK module (the app's instance,
// with its signed-in user), and `attempt(f)`: 'ok' if f() succeeds, else the error code.
// (The page's Content-Security-Policy forbids eval, so `fn` is passed as is.)
async function inPage(page, fn, arg) {
  await page.evaluate(async () => {
    window.sdk ??= await import('/__/hearth/sdk.js');
    window.attempt = async (f) => {
      try {
        await f();
        return 'ok';
      } catch (e) {
        return e.code ?? String(e);
      }
    };
  });
  return page.evaluate(fn, arg);
}

const postIdOf = async (page, title) => post(page, title).getAttribute('data-id');

// The tests build on each other: after a failure the rest are skipped, rather than each
// waiting out its timeouts.
let broken = null;
function step(name, fn) {
  test(name, async (t) => {
    if (broken) return t.skip(`after the failure of "${broken}"`);
    try {
      await fn(t);
    } catch (e) {
      broken = name;
      throw e;
    }
  });
}

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

before(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`no browser at ${CHROMIUM}: apt-get install chromium (scripts/install-deps.sh)`);
  }
  if (!existsSync(HEARTH_BIN)) throw new Error(`no hearth binary at ${HEARTH_BIN}: set HEARTH_BIN`);
  // The rules' own cases first: a broken rules file fails here, with its table.
  try {
    execFileSync(HEARTH_BIN, ['rules', 'test', 'rules.tests.json', '--project', '.'],
                 { cwd: join(import.meta.dirname, '../../examples/blog'), stdio: 'pipe' });
  } catch (e) {
    throw new Error(`hearth rules test rules.tests.json failed:\n${e.stdout ?? ''}${e.stderr ?? e.message}`);
  }
  provider = await startOidcProvider(OIDC_CLIENT);
  mail = await startMailStub();
  project = copyExample('blog', {
    hearthJson: {
      auth: {
        providers: {
          google: { issuer: provider.issuer, clientId: OIDC_CLIENT.clientId, clientSecretEnv: 'GOOGLE_CLIENT_SECRET' },
        },
      },
    },
    env: {
      GOOGLE_CLIENT_SECRET: OIDC_CLIENT.clientSecret,
      MAIL_API_URL: mail.url,
      MAIL_API_KEY: MAIL_KEY,
      MAIL_TO: 'owner@example.com',
    },
  });
  hearth = new Hearth(project.project, project.data);
  await hearth.start();
  for (const path of ['/', '/__/hearth/sdk.js', '/api/auth-providers']) {
    const response = await fetch(hearth.url + path);
    if (!response.ok) {
      throw new Error(`${HEARTH_BIN} answers ${response.status} to GET ${path}: it does not serve ` +
                      'the hosting, the SDK and functions this test needs (an old build?)');
    }
  }
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
});

after(async () => {
  await browser?.close();
  await hearth?.stop();
  provider?.stop();
  await mail?.stop();
  writeFileSync(join(ARTIFACTS, 'hearth.log'), hearth?.output() ?? '');
  writeFileSync(join(ARTIFACTS, 'console.log'), consoleLines.join('\n') + '\n');
  project?.remove();
  if (timings.length) {
    const width = Math.max(...timings.map(([what]) => what.length));
    const lines = timings.map(([what, value]) => `  ${what.padEnd(width)}  ${value}`);
    console.log(['', `  blog e2e timings (${HEARTH_BIN})`,
                 `  ${'-'.repeat(width + 12)}`, ...lines, ''].join('\n'));
  }
});

describe('blog example in a browser', () => {
  step('a visitor loads the page cold and sees the (empty) live feed', async () => {
    const page = await openPage('visitor');
    await page.goto(hearth.url);
    await feedReady(page);
    const t = await page.evaluate(() => {
      const nav = performance.getEntriesByType('navigation')[0];
      return {
        dcl: nav.domContentLoadedEventEnd, load: nav.loadEventEnd,
        feed: performance.getEntriesByName('blog:feed-ready')[0].startTime,
      };
    });
    timings.push(['cold load: DOMContentLoaded', `${t.dcl.toFixed(0)} ms`]);
    timings.push(['cold load: load event', `${t.load.toFixed(0)} ms`]);
    timings.push(['cold load: first feed snapshot shown', `${t.feed.toFixed(0)} ms`]);
    await page.locator('#feed-status', { hasText: 'No posts yet' }).waitFor();
    await page.getByRole('button', { name: 'Sign in or create an account' }).waitFor();
    assert.equal(await page.locator('#composer').isVisible(), false);
    await screenshot(page, 'visitor-empty-feed');

    // A warm load of the same page (the browser revalidates; the server has it compressed).
    await page.reload();
    await feedReady(page);
    const warm = await page.evaluate(() => performance.getEntriesByName('blog:feed-ready')[0].startTime);
    timings.push(['warm reload: first feed snapshot shown', `${warm.toFixed(0)} ms`]);
  });

  step('A signs up and publishes; B, in another browser, sees each post appear live', async () => {
    const a = await openPage('ada');
    await a.goto(hearth.url);
    await feedReady(a);
    await signUp(a, 'Ada', 'ada@example.com');
    await a.locator('#composer').waitFor();

    const b = await openPage('bob');
    await b.goto(hearth.url);
    await feedReady(b);
    await signUp(b, 'Bob', 'bob@example.com');
    await watchArrivals(b);

    const latencies = [];
    for (let i = 1; i <= PUBLISH_SAMPLES; i++) {
      const title = `Hello from Ada #${i}`;
      const clicked = await publish(a, title, `Post number ${i}.\nWritten in the e2e test.`);
      await post(b, title).waitFor();
      latencies.push((await arrival(b, title)) - clicked);
      await post(a, title).waitFor();
    }
    timings.push([`publish in A -> visible in B (${PUBLISH_SAMPLES} posts)`,
                  `median ${median(latencies)} ms, min ${Math.min(...latencies)}, max ${Math.max(...latencies)}`]);

    // Newest first, in both pages.
    const titles = await b.locator('#feed .post-link').allTextContents();
    assert.deepEqual(titles.slice(0, 2), [`Hello from Ada #${PUBLISH_SAMPLES}`, `Hello from Ada #${PUBLISH_SAMPLES - 1}`]);
    assert.equal(await post(b, 'Hello from Ada #1').locator('.post-author').textContent(), 'Ada');
    assert.match(await post(b, 'Hello from Ada #1').locator('.post-body').textContent(), /Post number 1\.\nWritten/);

    // The visitor's page, open since the first test, got them too.
    await post(pages.visitor, `Hello from Ada #${PUBLISH_SAMPLES}`).waitFor();
    await screenshot(a, 'ada-published');
    await screenshot(b, 'bob-sees-posts-live');
  });

  step('B cannot edit or delete A\'s post: the UI hides it and the server refuses it', async () => {
    const a = pages.ada;
    const b = pages.bob;
    const title = 'Hello from Ada #1';
    await post(b, title).waitFor();
    assert.equal(await post(b, title).locator('.edit').isVisible(), false);
    assert.equal(await post(b, title).locator('.delete').isVisible(), false);
    assert.equal(await post(a, title).locator('.edit').isVisible(), true);
    const id = await postIdOf(b, title);

    const edit = await inPage(b, (postId) => attempt(() =>
      sdk.updateDoc(sdk.doc(sdk.getFirestore(), 'posts', postId), { title: 'Hacked by Bob' })), id);
    assert.equal(edit, 'permission-denied');
    const remove = await inPage(b, (postId) => attempt(() =>
      sdk.deleteDoc(sdk.doc(sdk.getFirestore(), 'posts', postId))), id);
    assert.equal(remove, 'permission-denied');
    // A like that does not record itself in B's profile would let B like twice: refused.
    const bareLike = await inPage(b, (postId) => attempt(() =>
      sdk.updateDoc(sdk.doc(sdk.getFirestore(), 'posts', postId), { likes: sdk.increment(1) })), id);
    assert.equal(bareLike, 'permission-denied');
    const plusTwo = await inPage(b, (postId) => attempt(() => {
      const db = sdk.getFirestore();
      const batch = sdk.writeBatch(db);
      batch.update(sdk.doc(db, 'posts', postId), { likes: sdk.increment(2) });
      batch.set(sdk.doc(db, 'users', sdk.getAuth().currentUser.uid), { liked: sdk.arrayUnion(postId) }, { merge: true });
      return batch.commit();
    }), id);
    assert.equal(plusTwo, 'permission-denied');
    assert.equal(await post(a, title).locator('.post-link').textContent(), title);
  });

  step('likes count once per person and show up live', async () => {
    const a = pages.ada;
    const b = pages.bob;
    const title = 'Hello from Ada #2';
    const like = post(b, title).locator('.like');
    await like.click();
    await post(b, title).locator('.like[aria-pressed="true"]').waitFor();
    await post(a, title).locator('.like-count', { hasText: /^1$/ }).waitFor();
    // Liking again through the SDK, without the UI, is refused: B is in the post's likers.
    const id = await postIdOf(b, title);
    const again = await inPage(b, (postId) => attempt(() => {
      const db = sdk.getFirestore();
      const batch = sdk.writeBatch(db);
      batch.update(sdk.doc(db, 'posts', postId), { likes: sdk.increment(1) });
      batch.set(sdk.doc(db, 'users', sdk.getAuth().currentUser.uid), { liked: sdk.arrayUnion(postId) }, { merge: true });
      return batch.commit();
    }), id);
    assert.equal(again, 'permission-denied');
    // A likes it too, then B takes the like back.
    await post(a, title).locator('.like').click();
    await post(b, title).locator('.like-count', { hasText: /^2$/ }).waitFor();
    await like.click();
    await post(b, title).locator('.like[aria-pressed="false"]').waitFor();
    await post(a, title).locator('.like-count', { hasText: /^1$/ }).waitFor();
    // Two quick clicks (the second as soon as the button is enabled again, perhaps before
    // the first one's snapshot): liked, then not, without an error.
    const quick = post(b, 'Hello from Ada #5').locator('.like');
    await quick.click();
    await quick.click();
    await post(b, 'Hello from Ada #5').locator('.like[aria-pressed="false"] .like-count', { hasText: /^0$/ }).waitFor();
    await post(a, 'Hello from Ada #5').locator('.like-count', { hasText: /^0$/ }).waitFor();
    assert.equal(await b.locator('.toast.error').count(), 0);
    await screenshot(b, 'likes');
  });

  step('A edits and deletes her posts; B sees the changes live', async () => {
    const a = pages.ada;
    const b = pages.bob;
    await post(a, 'Hello from Ada #3').locator('.edit').click();
    const form = a.locator('#feed .edit-form');
    await form.getByLabel('Title').fill('Hello from Ada #3, edited');
    await form.getByLabel('Post').fill('<b>Better</b> words. <img src=x onerror="window.pwned=1">');
    await form.getByRole('button', { name: 'Save' }).click();
    const edited = post(b, 'Hello from Ada #3, edited');
    await edited.locator('.post-edited').waitFor();
    // Text stays text.
    assert.equal(await edited.locator('.post-body').textContent(),
                 '<b>Better</b> words. <img src=x onerror="window.pwned=1">');
    assert.equal(await edited.locator('.post-body b, .post-body img').count(), 0);
    assert.equal(await b.evaluate(() => window.pwned), undefined);

    await post(a, 'Hello from Ada #4').locator('.delete').click();
    await a.getByRole('group', { name: 'Confirm deletion' }).getByRole('button', { name: 'Delete' }).click();
    await post(b, 'Hello from Ada #4').waitFor({ state: 'detached' });
    await post(a, 'Hello from Ada #4').waitFor({ state: 'detached' });
    await screenshot(b, 'bob-after-edit-and-delete');
  });

  step('a signed-out visitor reads but cannot post', async () => {
    const v = pages.visitor;
    await post(v, 'Hello from Ada #3, edited').waitFor();
    assert.equal(await v.locator('#composer').isVisible(), false);
    assert.equal(await post(v, 'Hello from Ada #1').locator('.edit').isVisible(), false);
    const add = await inPage(v, () => attempt(() => sdk.addDoc(sdk.collection(sdk.getFirestore(), 'posts'), {
      title: 'Anonymous', body: '', author: 'nobody', authorName: 'Nobody',
      createdAt: sdk.serverTimestamp(), likes: 0,
    })));
    assert.equal(add, 'permission-denied');
    // Liking asks the visitor to sign in.
    await post(v, 'Hello from Ada #1').locator('.like').click();
    await v.getByRole('dialog').waitFor();
    await screenshot(v, 'visitor-asked-to-sign-in');
    await v.keyboard.press('Escape');
    await v.getByRole('dialog').waitFor({ state: 'hidden' });
  });

  step('wrong passwords and taken emails get friendly messages', async () => {
    const v = pages.visitor;
    await v.getByRole('button', { name: 'Sign in', exact: true }).click();
    const dialog = v.getByRole('dialog');
    await dialog.getByLabel('Email').fill('ada@example.com');
    await dialog.getByLabel('Password').fill('not her password');
    await dialog.locator('#auth-submit').click();
    await v.locator('#auth-error', { hasText: 'do not match an account' }).waitFor();
    await dialog.getByRole('tab', { name: 'Create account' }).click();
    await dialog.getByLabel('Password').fill('another long password');
    await dialog.locator('#auth-submit').click();
    await v.locator('#auth-error', { hasText: 'already an account' }).waitFor();
    await screenshot(v, 'friendly-auth-error');
    await v.keyboard.press('Escape');
  });

  step('Google sign-in through the OpenID Connect test provider', async () => {
    await provider.control('/control/user', {
      sub: 'google-e2e-grace', email: 'grace@example.com', email_verified: true,
      name: 'Grace Hopper', picture: null,
    });
    const g = await openPage('grace');
    await g.goto(hearth.url);
    await feedReady(g);
    await g.getByRole('button', { name: 'Sign in', exact: true }).click();
    const google = g.getByRole('button', { name: 'Continue with Google' });
    await google.waitFor();
    await screenshot(g, 'sign-in-dialog');
    const [popup] = await Promise.all([g.waitForEvent('popup'), google.click()]);
    await g.locator('#user-name', { hasText: 'Grace Hopper' }).waitFor();
    if (!popup.isClosed()) await popup.waitForEvent('close', { timeout: 5000 });
    // The server exchanged the code with the client secret (never the browser).
    const requests = await provider.requests();
    const exchange = requests.find((r) => r.path === '/token');
    assert.ok(exchange, 'Hearth called the provider\'s token endpoint');
    const basic = exchange.headers.authorization ?? '';
    const sent = basic ? Buffer.from(basic.replace(/^Basic /, ''), 'base64').toString() : exchange.form.client_secret;
    assert.match(sent, new RegExp(OIDC_CLIENT.clientSecret));
    assert.ok(!bodies.some((b) => b.text.includes(OIDC_CLIENT.clientSecret)), 'no page saw the client secret');
    // Grace can write.
    await publish(g, 'Grace was here', 'Signed in with Google.');
    await post(pages.bob, 'Grace was here').waitFor();
    assert.equal(await post(pages.bob, 'Grace was here').locator('.post-author').textContent(), 'Grace Hopper');
    await screenshot(g, 'grace-signed-in-with-google');
  });

  step('signing out hides the writing parts and keeps the feed live', async () => {
    const g = pages.grace;
    await g.getByRole('button', { name: 'Sign out' }).click();
    await g.getByRole('button', { name: 'Sign in or create an account' }).waitFor();
    assert.equal(await g.locator('#composer').isVisible(), false);
    assert.equal(await post(g, 'Grace was here').locator('.edit').isVisible(), false);
    await publish(pages.ada, 'Seen after signing out', '');
    await post(g, 'Seen after signing out').waitFor();
    // Grace signs in again with Google: the same account as before.
    await g.getByRole('button', { name: 'Sign in', exact: true }).click();
    const [popup] = await Promise.all([g.waitForEvent('popup'),
                                       g.getByRole('button', { name: 'Continue with Google' }).click()]);
    await g.locator('#user-name', { hasText: 'Grace Hopper' }).waitFor();
    if (!popup.isClosed()) await popup.waitForEvent('close', { timeout: 5000 });
    await post(g, 'Grace was here').locator('.edit').waitFor();
  });

  step('a post has its own page (/posts/ID, through the SPA rewrite)', async () => {
    const v = pages.visitor;
    const id = await postIdOf(v, 'Hello from Ada #2');
    await v.goto(`${hearth.url}/posts/${id}`);
    await feedReady(v);
    await post(v, 'Hello from Ada #2').waitFor();
    assert.equal(await v.locator('#feed .post').count(), 1);
    await v.getByRole('link', { name: '← All posts' }).waitFor();
    await screenshot(v, 'single-post');
    await v.goto(`${hearth.url}/posts/no-such-post`);
    await v.locator('#feed-status', { hasText: 'does not exist' }).waitFor();
    await v.goto(hearth.url);
    await feedReady(v);
  });

  step('a reload keeps the session', async () => {
    for (const [name, who] of [['ada', 'Ada'], ['grace', 'Grace Hopper']]) {
      const page = pages[name];
      await page.reload();
      await feedReady(page);
      await page.locator('#user-name', { hasText: who }).waitFor();
      await page.locator('#composer').waitFor();
    }
    assert.equal(await post(pages.ada, 'Hello from Ada #1').locator('.edit').isVisible(), true);
  });

  step('the live feed recovers after the server restarts', async () => {
    const a = pages.ada;
    const b = pages.bob;
    await hearth.kill();
    await b.waitForSelector('html[data-connection="reconnecting"]');
    await b.locator('#connection').waitFor();
    await screenshot(b, 'server-down-reconnecting');
    const restarted = Date.now();
    await hearth.start();
    await b.waitForSelector('html[data-connection="live"]', { timeout: 40000 });
    timings.push(['server restart -> B\'s feed live again', `${Date.now() - restarted} ms`]);
    await a.waitForSelector('html[data-connection="live"]', { timeout: 40000 });
    await watchArrivals(b);
    const clicked = await publish(a, 'After the restart', 'The feed came back.');
    await post(b, 'After the restart').waitFor();
    timings.push(['publish -> visible in B, after the restart', `${(await arrival(b, 'After the restart')) - clicked} ms`]);
    await post(pages.visitor, 'After the restart').waitFor();
    assert.equal(await b.locator('#connection').isVisible(), false);
    await screenshot(b, 'after-restart');
  });

  step('the contact form reaches the mail API with the secret, which no page sees', async () => {
    const b = pages.bob;
    const form = b.locator('#contact-form');
    await form.getByLabel('Your name').fill('Bob');
    await form.getByLabel('Your email').fill('bob@example.com');
    await form.getByLabel('Message').fill('Lovely blog!');
    await form.getByRole('button', { name: 'Send message' }).click();
    await b.locator('#contact-status', { hasText: 'on its way' }).waitFor();
    assert.equal(mail.requests.length, 1);
    const sent = mail.requests[0];
    assert.equal(sent.method, 'POST');
    assert.equal(sent.headers.authorization, `Bearer ${MAIL_KEY}`);
    const mailBody = JSON.parse(sent.body);
    assert.match(mailBody.text, /Lovely blog!/);
    assert.match(mailBody.text, /signed-in user [A-Za-z0-9]{28}/);
    assert.equal(mailBody.reply_to, 'bob@example.com');
    await screenshot(b, 'contact-sent');

    // The mail API fails (and echoes our headers): the page gets a plain apology.
    mail.failNext = 1;
    await form.getByLabel('Your name').fill('Bob');
    await form.getByLabel('Your email').fill('bob@example.com');
    await form.getByLabel('Message').fill('Second try');
    await form.getByRole('button', { name: 'Send message' }).click();
    await b.locator('#contact-status', { hasText: 'could not send' }).waitFor();
    // Bad input never reaches the mail API.
    const bad = await b.evaluate(async () => {
      const r = await fetch('/api/contact', { method: 'POST', headers: { 'Content-Type': 'application/json' },
                                              body: JSON.stringify({ name: 'x', email: 'nope', message: 'y' }) });
      return { status: r.status, body: await r.json() };
    });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.code, 'invalid-argument');
    assert.equal(mail.requests.length, 2);

    await b.waitForTimeout(200);  // the last response bodies are being read
    assert.ok(bodies.some((r) => r.url.endsWith('/api/contact')), 'the contact answers were recorded');
    const leaks = bodies.filter((r) => r.text.includes(MAIL_KEY)).map((r) => r.url);
    assert.deepEqual(leaks, [], 'no response to any page holds the mail API key');
    for (const page of Object.values(pages)) {
      if (!page.isClosed()) assert.ok(!(await page.content()).includes(MAIL_KEY));
    }
    assert.ok(!hearth.output().includes(MAIL_KEY), 'the server log does not hold the key');
  });

  step('the page works at phone width (in dark mode)', async () => {
    const phone = await openPage('phone', {
      viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true, colorScheme: 'dark',
    });
    await phone.goto(hearth.url);
    await feedReady(phone);
    await post(phone, 'After the restart').waitFor();
    const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `no horizontal scrolling (${overflow}px too wide)`);
    await screenshot(phone, 'phone');
    await phone.getByRole('button', { name: 'Sign in', exact: true }).click();
    await screenshot(phone, 'phone-sign-in');
  });

  step('every form control has a label', async () => {
    const v = pages.visitor;
    const unlabelled = await v.evaluate(() => [...document.querySelectorAll('input, textarea, button')]
      .filter((e) => !e.closest('[aria-hidden="true"]'))
      .filter((e) => (e.labels?.length ?? 0) === 0 && !e.getAttribute('aria-label') && !e.textContent.trim())
      .map((e) => e.outerHTML.slice(0, 80)));
    assert.deepEqual(unlabelled, []);
  });

  step('no page threw an uncaught exception', () => {
    assert.deepEqual(pageErrors, []);
  });

  step('the server shuts down cleanly after all that (sanitizers included)', async () => {
    await browser.close();
    const { code, signal } = await hearth.stop();
    assert.equal(signal, null);
    assert.equal(code, 0, `hearth exited with ${code}; its log is in artifacts/hearth.log`);
  });
});
