// Listeners: document and query targets, docChanges with indices, limit windows, two
// clients, errors, one WebSocket per app, auth on the socket, and reconnection after the
// server restarts.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
  collection, deleteDoc, doc, getAuth, getFirestore, limit, limitToLast, onSnapshot, orderBy,
  query, setDoc, signInAnonymously, signOut, updateDoc, where, writeBatch,
} from '../hearth.js';
import { adminApp, applyDocChanges, deleteApps, listen, newApp, sleep } from './helpers.mjs';
import { startServer } from './server.mjs';

// A WebSocket that records what the SDK sends and how many sockets it opened.
function recordingWebSocket() {
  const record = { opened: 0, sent: [], sockets: [] };
  record.WebSocket = class extends WebSocket {
    constructor(...args) {
      super(...args);
      record.opened++;
      record.sockets.push(this);
    }
    send(text) {
      record.sent.push(JSON.parse(text));
      super.send(text);
    }
  };
  return record;
}

const changesOf = (snapshot) =>
  snapshot.docChanges().map((c) => [c.type, c.doc.id, c.oldIndex, c.newIndex]);
const ids = (snapshot) => snapshot.docs.map((d) => d.id);

let server;
let db;      // the listening client
let writer;  // another client (admin), writing
before(async () => {
  server = await startServer();
  db = getFirestore(newApp(server));
  writer = getFirestore(adminApp(server));
});
after(async () => {
  await deleteApps();
  await server.stop();
});

describe('document listeners', () => {
  test('missing, created, modified, deleted', async () => {
    const ref = doc(db, 'open/watched');
    const l = listen(ref);
    const first = await l.next();
    assert.equal(first.exists(), false);
    assert.equal(first.metadata.fromCache, false);
    assert.equal(first.metadata.hasPendingWrites, false);
    await setDoc(doc(writer, 'open/watched'), { n: 1 });
    const created = await l.next();
    assert.equal(created.exists(), true);
    assert.deepEqual(created.data(), { n: 1 });
    assert.equal(created.ref.path, 'open/watched');
    await updateDoc(doc(writer, 'open/watched'), { n: 2 });
    assert.deepEqual((await l.next()).data(), { n: 2 });
    await deleteDoc(doc(writer, 'open/watched'));
    assert.equal((await l.next()).exists(), false);
    l.unsubscribe();
    await setDoc(doc(writer, 'open/watched'), { n: 3 });
    await sleep(200);
    assert.equal(l.queued, 0, 'no snapshot after unsubscribe');
  });

  test('observer and callback forms', async () => {
    await setDoc(doc(writer, 'open/forms'), { a: 1 });
    const viaCallback = await new Promise((resolve) => {
      const stop = onSnapshot(doc(db, 'open/forms'), (s) => {
        stop();
        resolve(s.data());
      });
    });
    assert.deepEqual(viaCallback, { a: 1 });
    const viaObserver = await new Promise((resolve) => {
      const stop = onSnapshot(doc(db, 'open/forms'), { includeMetadataChanges: false }, {
        next: (s) => {
          stop();
          resolve(s.get('a'));
        },
      });
    });
    assert.equal(viaObserver, 1);
  });
});

describe('query listeners', () => {
  test('added, modified, removed with indices', async () => {
    const coll = collection(writer, 'open/l1/items');
    await setDoc(doc(coll, 'b'), { n: 2 });
    await setDoc(doc(coll, 'd'), { n: 4 });
    const l = listen(query(collection(db, 'open/l1/items'), orderBy('n')));
    const first = await l.next();
    assert.deepEqual(changesOf(first), [['added', 'b', -1, 0], ['added', 'd', -1, 1]]);
    let view = applyDocChanges([], first);

    await setDoc(doc(coll, 'a'), { n: 1 });
    let s = await l.next();
    assert.deepEqual(changesOf(s), [['added', 'a', -1, 0]]);
    view = applyDocChanges(view, s);
    assert.deepEqual(view, ids(s));
    assert.deepEqual(ids(s), ['a', 'b', 'd']);

    await updateDoc(doc(coll, 'a'), { n: 5 });  // moves to the end
    s = await l.next();
    assert.deepEqual(changesOf(s), [['modified', 'a', 0, 2]]);
    assert.deepEqual(s.docChanges()[0].doc.data(), { n: 5 });
    view = applyDocChanges(view, s);
    assert.deepEqual(view, ['b', 'd', 'a']);

    await deleteDoc(doc(coll, 'd'));
    s = await l.next();
    assert.deepEqual(changesOf(s), [['removed', 'd', 1, -1]]);
    assert.deepEqual(s.docChanges()[0].doc.data(), { n: 4 }, 'a removed document as last seen');
    view = applyDocChanges(view, s);
    assert.deepEqual(view, ids(s));
    assert.equal(s.size, 2);

    // One batch: one snapshot.
    const batch = writeBatch(writer);
    batch.set(doc(coll, 'c'), { n: 3 });
    batch.delete(doc(coll, 'b'));
    batch.update(doc(coll, 'a'), { n: 0 });
    await batch.commit();
    s = await l.next();
    assert.deepEqual(s.docChanges().map((c) => c.type), ['removed', 'added', 'modified']);
    view = applyDocChanges(view, s);
    assert.deepEqual(view, ['a', 'c']);
    assert.deepEqual(ids(s), ['a', 'c']);
    l.unsubscribe();
  });

  test('a filter: documents enter and leave', async () => {
    const coll = collection(writer, 'open/l2/items');
    const l = listen(query(collection(db, 'open/l2/items'), where('on', '==', true)));
    assert.equal((await l.next()).empty, true);
    await setDoc(doc(coll, 'x'), { on: false });
    await setDoc(doc(coll, 'y'), { on: true });
    let s = await l.next();
    assert.deepEqual(changesOf(s), [['added', 'y', -1, 0]], 'x never matched');
    await updateDoc(doc(coll, 'y'), { on: false });
    s = await l.next();
    assert.deepEqual(changesOf(s), [['removed', 'y', 0, -1]]);
    assert.equal(s.empty, true);
    l.unsubscribe();
  });

  test('limit windows: entering pushes out, leaving pulls in', async () => {
    const coll = collection(writer, 'open/l3/items');
    for (const [id, n] of [['a', 1], ['b', 2], ['c', 3]]) await setDoc(doc(coll, id), { n });
    const top = listen(query(collection(db, 'open/l3/items'), orderBy('n'), limit(2)));
    const last = listen(query(collection(db, 'open/l3/items'), orderBy('n'), limitToLast(2)));
    assert.deepEqual(ids(await top.next()), ['a', 'b']);
    assert.deepEqual(ids(await last.next()), ['b', 'c']);

    await setDoc(doc(coll, 'z'), { n: 0 });  // enters the top window, pushes b out
    let s = await top.next();
    assert.deepEqual(ids(s), ['z', 'a']);
    assert.deepEqual(changesOf(s).map((c) => c.slice(0, 2)).sort(), [['added', 'z'], ['removed', 'b']]);
    assert.deepEqual(applyDocChanges(['a', 'b'], s), ['z', 'a']);

    await deleteDoc(doc(coll, 'z'));  // leaves: b comes back
    s = await top.next();
    assert.deepEqual(ids(s), ['a', 'b']);
    assert.deepEqual(applyDocChanges(['z', 'a'], s), ['a', 'b']);

    await setDoc(doc(coll, 'w'), { n: 9 });  // enters the last window, pushes b out
    s = await last.until((x) => ids(x).includes('w'));
    assert.deepEqual(ids(s), ['c', 'w']);
    top.unsubscribe();
    last.unsubscribe();
  });

  test('two clients see each other\'s writes', async () => {
    const alice = getFirestore(newApp(server));
    const bob = getFirestore(newApp(server));
    const q = query(collection(alice, 'open/chat/messages'), orderBy('at'));
    const aliceSees = listen(q);
    const bobSees = listen(query(collection(bob, 'open/chat/messages'), orderBy('at')));
    await aliceSees.next();
    await bobSees.next();
    await setDoc(doc(alice, 'open/chat/messages/1'), { from: 'alice', at: 1 });
    await setDoc(doc(bob, 'open/chat/messages/2'), { from: 'bob', at: 2 });
    const a = await aliceSees.until((s) => s.size === 2);
    const b = await bobSees.until((s) => s.size === 2);
    assert.deepEqual(a.docs.map((d) => d.data().from), ['alice', 'bob']);
    assert.deepEqual(b.docs.map((d) => d.data().from), ['alice', 'bob']);
    aliceSees.unsubscribe();
    bobSees.unsubscribe();
  });

  test('a denied listener gets permission-denied; an invalid one invalid-argument', async () => {
    const denied = listen(collection(db, 'private'));
    const e = await denied.error();
    assert.equal(e.name, 'FirebaseError');
    assert.equal(e.code, 'permission-denied');
    const invalid = listen(query(collection(db, 'open'), where('a', '>', 1), orderBy('b')));
    assert.equal((await invalid.error()).code, 'invalid-argument');
    // Other listeners on the same connection go on.
    const ok = listen(doc(db, 'open/still-fine'));
    assert.equal((await ok.next()).exists(), false);
    ok.unsubscribe();
  });
});

describe('the connection', () => {
  test('one WebSocket per app, whatever the number of listeners', async () => {
    const record = recordingWebSocket();
    const local = getFirestore(newApp(server, { WebSocket: record.WebSocket }));
    const ls = [listen(doc(local, 'open/one')), listen(doc(local, 'open/two')),
      listen(collection(local, 'open/l1/items'))];
    await Promise.all(ls.map((l) => l.next()));
    assert.equal(record.opened, 1);
    assert.deepEqual(record.sent.map((m) => m.type), ['listen', 'listen', 'listen']);
    assert.deepEqual(new Set(record.sent.map((m) => m.targetId)).size, 3);
    ls[0].unsubscribe();
    await sleep(50);
    assert.deepEqual(record.sent.at(-1), { type: 'unlisten', targetId: record.sent[0].targetId });
    ls[1].unsubscribe();
    ls[2].unsubscribe();
    await sleep(1300);
    assert.equal(record.sockets[0].readyState, WebSocket.CLOSED, 'closed a second after the last listener');
    const again = listen(doc(local, 'open/one'));
    await again.next();
    assert.equal(record.opened, 2);
    again.unsubscribe();
  });

  test('auth: the token is sent, refreshed tokens are re-sent, a new user reconnects', async () => {
    const record = recordingWebSocket();
    const app = newApp(server, { WebSocket: record.WebSocket });
    const local = getFirestore(app);
    const auth = getAuth(app);
    const { user } = await signInAnonymously(auth);
    const mine = listen(doc(local, `owned/${user.uid}/things/t`));
    assert.equal((await mine.next()).exists(), false);
    assert.equal(record.sent[0].type, 'auth');
    assert.equal(record.sent[0].token, await user.getIdToken());

    // An ID token issued in the same second is the same token: wait for the next second.
    await sleep(1100);
    const fresh = await user.getIdToken(true);
    assert.notEqual(fresh, record.sent[0].token);
    await sleep(100);
    assert.deepEqual(record.sent.at(-1), { type: 'auth', token: fresh });
    assert.equal(record.opened, 1);
    await setDoc(doc(local, `owned/${user.uid}/things/t`), { ok: true });
    assert.deepEqual((await mine.next()).data(), { ok: true }, 'still listening after the refresh');

    // Signed out: the connection starts over without a token, and the rules now deny.
    await signOut(auth);
    assert.equal((await mine.error()).code, 'permission-denied');
    assert.equal(record.opened, 2);
  });

  test('includeMetadataChanges reports fromCache while disconnected', async () => {
    const record = recordingWebSocket();
    const local = getFirestore(newApp(server, { WebSocket: record.WebSocket }));
    await setDoc(doc(writer, 'open/meta'), { v: 1 });
    const l = listen(doc(local, 'open/meta'), { includeMetadataChanges: true });
    assert.equal((await l.next()).metadata.fromCache, false);
    record.sockets[0].close();  // as if the network dropped
    const offline = await l.next();
    assert.equal(offline.metadata.fromCache, true);
    assert.deepEqual(offline.data(), { v: 1 });
    const online = await l.next(5000);
    assert.equal(online.metadata.fromCache, false);
    assert.deepEqual(online.data(), { v: 1 });
    assert.equal(record.opened, 2);
    l.unsubscribe();
  });
});

describe('restarts', () => {
  test('after the server restarts, listeners resume and see only real changes', async () => {
    const own = await startServer();
    try {
      const local = getFirestore(newApp(own));
      const admin = getFirestore(adminApp(own));
      const coll = collection(admin, 'open/r/items');
      for (const [id, n] of [['a', 1], ['b', 2], ['c', 3]]) await setDoc(doc(coll, id), { n });
      const l = listen(query(collection(local, 'open/r/items'), orderBy('n')));
      const d = listen(doc(local, 'open/r/items/c'));
      let view = applyDocChanges([], await l.next());
      await d.next();
      assert.deepEqual(view, ['a', 'b', 'c']);

      await own.restart();
      // Changed right after the restart: seen through the new connection's full result or
      // as incremental changes, depending on timing; either way, only these changes.
      await updateDoc(doc(coll, 'b'), { n: 20 });
      await deleteDoc(doc(coll, 'a'));
      const seen = [];
      const s = await l.until((x) => {
        seen.push(...changesOf(x));
        view = applyDocChanges(view, x);
        return x.size === 2 && x.docs[1].data().n === 20;
      }, 15000);
      assert.deepEqual(ids(s), ['c', 'b']);
      assert.deepEqual(view, ['c', 'b']);
      assert.deepEqual(seen.map((c) => c.slice(0, 2)).sort(), [['modified', 'b'], ['removed', 'a']]);
      // The unchanged document listener reported nothing.
      assert.equal(d.queued, 0);
      // And it goes on listening.
      await setDoc(doc(coll, 'c'), { n: 30 });
      assert.deepEqual((await d.next()).data(), { n: 30 });
      l.unsubscribe();
      d.unsubscribe();
    } finally {
      await own.stop();
    }
  });
});
