// Batched writes (atomic, all or none) and transactions (retries on contention).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
  collection, doc, getDoc, getDocs, getFirestore, increment, runTransaction, setDoc, updateDoc,
  writeBatch,
} from '../hearth.js';
import { adminFetch, newApp, useServer } from './helpers.mjs';

let server;
let db;
useServer((s, firestore) => {
  server = s;
  db = firestore;
});

describe('writeBatch', () => {
  test('set, update and delete in one commit', async () => {
    await setDoc(doc(db, 'open/b1/items/old'), { a: 1 });
    await setDoc(doc(db, 'open/b1/items/kept'), { n: 1 });
    const batch = writeBatch(db);
    assert.equal(batch.set(doc(db, 'open/b1/items/new'), { a: 2 }), batch, 'chainable');
    batch.set(doc(db, 'open/b1/items/kept'), { extra: true }, { merge: true })
      .update(doc(db, 'open/b1/items/kept'), { n: increment(1) })
      .delete(doc(db, 'open/b1/items/old'));
    await batch.commit();
    const snap = await getDocs(collection(db, 'open/b1/items'));
    assert.deepEqual(snap.docs.map((d) => [d.id, d.data()]),
                     [['kept', { n: 2, extra: true }], ['new', { a: 2 }]]);
    assert.throws(() => batch.set(doc(db, 'open/b1/items/x'), {}), { code: 'failed-precondition' });
    await assert.rejects(batch.commit(), { code: 'failed-precondition' });
    await writeBatch(db).commit();  // empty: nothing to do
  });

  test('all or none: a failing write leaves nothing written', async () => {
    const batch = writeBatch(db);
    batch.set(doc(db, 'open/b2/items/a'), { a: 1 });
    batch.update(doc(db, 'open/b2/items/missing'), { a: 1 });  // not-found
    await assert.rejects(batch.commit(), { code: 'not-found', message: /write 1/ });
    assert.equal((await getDoc(doc(db, 'open/b2/items/a'))).exists(), false);
  });

  test('all or none: a denied write denies the batch', async () => {
    const batch = writeBatch(db);
    batch.set(doc(db, 'open/b3/items/a'), { a: 1 });
    batch.set(doc(db, 'private/b3'), { a: 1 });
    await assert.rejects(batch.commit(), { code: 'permission-denied' });
    assert.equal((await getDoc(doc(db, 'open/b3/items/a'))).exists(), false);
    assert.equal((await adminFetch(server, 'GET', '/v1/documents/private/b3')).status, 404);
  });

  test('a reference from another Firestore is refused', () => {
    const other = getFirestore(newApp(server));
    assert.throws(() => writeBatch(db).set(doc(other, 'open/x'), {}), { code: 'invalid-argument' });
  });
});

describe('runTransaction', () => {
  test('reads, then writes atomically; returns the function\'s result', async () => {
    const from = doc(db, 'open/t1/accounts/from');
    const to = doc(db, 'open/t1/accounts/to');
    await setDoc(from, { balance: 100 });
    const result = await runTransaction(db, async (tx) => {
      const a = await tx.get(from);
      const b = await tx.get(to);  // missing
      assert.equal(b.exists(), false);
      tx.update(from, { balance: a.data().balance - 30 }).set(to, { balance: 30 });
      return 'moved';
    });
    assert.equal(result, 'moved');
    assert.equal((await getDoc(from)).data().balance, 70);
    assert.equal((await getDoc(to)).data().balance, 30);
  });

  test('contention: concurrent increments all land', async () => {
    const counter = doc(db, 'open/t2/counters/c');
    await setDoc(counter, { n: 0 });
    const clients = Array.from({ length: 4 }, () => getFirestore(newApp(server)));
    let runs = 0;
    await Promise.all(clients.flatMap((client) => [1, 2, 3].map(() =>
      runTransaction(client, async (tx) => {
        runs++;
        const ref = doc(client, 'open/t2/counters/c');
        const snap = await tx.get(ref);
        tx.update(ref, { n: snap.data().n + 1 });
      }, { maxAttempts: 30 }))));
    assert.equal((await getDoc(counter)).data().n, 12);
    assert.ok(runs > 12, `contention made transactions retry (${runs} runs)`);
  });

  test('gives up after maxAttempts with aborted', async () => {
    const ref = doc(db, 'open/t3/docs/d');
    await setDoc(ref, { n: 0 });
    const other = getFirestore(newApp(server));
    let attempts = 0;
    await assert.rejects(runTransaction(db, async (tx) => {
      attempts++;
      const snap = await tx.get(ref);
      await updateDoc(doc(other, 'open/t3/docs/d'), { n: increment(1) });  // someone else
      tx.update(ref, { n: snap.data().n + 100 });
    }, { maxAttempts: 3 }), { code: 'aborted' });
    assert.equal(attempts, 3);
    assert.equal((await getDoc(ref)).data().n, 3, 'only the other writes landed');
  });

  test('an error in the function rolls back and is not retried', async () => {
    const ref = doc(db, 'open/t4/docs/d');
    let attempts = 0;
    await assert.rejects(runTransaction(db, async (tx) => {
      attempts++;
      tx.set(ref, { a: 1 });
      throw new Error('changed my mind');
    }), /changed my mind/);
    assert.equal(attempts, 1);
    assert.equal((await getDoc(ref)).exists(), false);
  });

  test('reads after writes are refused', async () => {
    await assert.rejects(runTransaction(db, async (tx) => {
      tx.set(doc(db, 'open/t5/docs/a'), { a: 1 });
      await tx.get(doc(db, 'open/t5/docs/b'));
    }), { code: 'invalid-argument' });
    assert.equal((await getDoc(doc(db, 'open/t5/docs/a'))).exists(), false);
  });

  test('rules apply to transaction reads and writes', async () => {
    await assert.rejects(runTransaction(db, (tx) => tx.get(doc(db, 'private/x'))),
                         { code: 'permission-denied' });
    await assert.rejects(runTransaction(db, async (tx) => {
      tx.set(doc(db, 'private/x'), { a: 1 });
    }), { code: 'permission-denied' });
  });
});
