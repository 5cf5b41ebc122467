// Shared test helpers: apps on a test server, listeners as queues of snapshots.
import { after, before } from 'node:test';

import { deleteApp, getFirestore, initializeApp, onSnapshot } from '../hearth.js';
import { startServer } from './server.mjs';

let counter = 0;
const apps = [];

// A new app (its own name, so its own auth and WebSocket) on `server`.
export function newApp(server, options = {}) {
  const app = initializeApp({ url: server.url, ...options }, `test-app-${++counter}`);
  apps.push(app);
  return app;
}

export const adminApp = (server, options = {}) =>
  newApp(server, { adminToken: server.adminToken, ...options });

export async function deleteApps() {
  await Promise.all(apps.splice(0).map((app) => deleteApp(app)));
}

export const uniqueEmail = (tag = 'user') =>
  `${tag}-${process.pid}-${Date.now()}-${++counter}@example.com`;

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// onSnapshot as a queue: next() waits for the next snapshot, error() for the error.
export function listen(target, options = {}) {
  const queue = [];
  const waiters = [];
  let failure = null;
  const errorWaiters = [];
  const unsubscribe = onSnapshot(target, options, {
    next: (snapshot) => {
      const waiter = waiters.shift();
      if (waiter) waiter.resolve(snapshot);
      else queue.push(snapshot);
    },
    error: (e) => {
      failure = e;
      for (const w of waiters.splice(0)) w.reject(e);
      for (const w of errorWaiters.splice(0)) w(e);
    },
  });
  return {
    unsubscribe,
    get queued() { return queue.length; },
    next(timeoutMs = 5000) {
      if (queue.length) return Promise.resolve(queue.shift());
      if (failure) return Promise.reject(failure);
      return new Promise((resolve, reject) => {
        const waiter = {
          resolve: (s) => {
            clearTimeout(timeout);
            resolve(s);
          },
          reject: (e) => {
            clearTimeout(timeout);
            reject(e);
          },
        };
        const timeout = setTimeout(() => {
          waiters.splice(waiters.indexOf(waiter), 1);
          reject(new Error(`no snapshot within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.push(waiter);
      });
    },
    error(timeoutMs = 5000) {
      if (failure) return Promise.resolve(failure);
      return new Promise((resolve, reject) => {
        const timeout = setTimeout(() => reject(new Error(`no error within ${timeoutMs} ms`)),
                                   timeoutMs);
        errorWaiters.push((e) => {
          clearTimeout(timeout);
          resolve(e);
        });
      });
    },
    // Waits until a snapshot satisfies `predicate`; returns it.
    async until(predicate, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const snapshot = await this.next(Math.max(1, deadline - Date.now()));
        if (predicate(snapshot)) return snapshot;
      }
    },
  };
}

// Applies docChanges() to `ids` (the previous view's IDs), as an app would.
export function applyDocChanges(ids, snapshot) {
  const out = ids.slice();
  for (const c of snapshot.docChanges()) {
    if (c.oldIndex >= 0) {
      if (out[c.oldIndex] !== c.doc.id) throw new Error(`oldIndex ${c.oldIndex} is not ${c.doc.id}`);
      out.splice(c.oldIndex, 1);
    }
    if (c.newIndex >= 0) out.splice(c.newIndex, 0, c.doc.id);
  }
  return out;
}

// A raw request to the server with the admin token (to check what the SDK wrote).
export async function adminFetch(server, method, path, body) {
  const response = await fetch(server.url + path, {
    method, body, headers: { Authorization: `Bearer ${server.adminToken}` },
  });
  return { status: response.status, text: await response.text() };
}

// One server for a test file and a Firestore on a new app there: `ready(server, db)` runs
// once both are up; everything is stopped after the file's tests.
export function useServer(ready) {
  let server;
  before(async () => {
    server = await startServer();
    ready(server, getFirestore(newApp(server)));
  });
  after(async () => {
    await deleteApps();
    await server.stop();
  });
}
