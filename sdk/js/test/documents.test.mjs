// Documents: references, set (merge, mergeFields), get, add, update (field paths,
// transforms), delete, converters, and the errors the server answers.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
  DocumentReference, FieldPath, Timestamp, addDoc, arrayRemove, arrayUnion, collection, deleteDoc,
  deleteField, doc, getDoc, getFirestore, increment, refEqual, serverTimestamp, setDoc,
  updateDoc,
} from '../hearth.js';
import { adminFetch, newApp, useServer } from './helpers.mjs';

let server;
let db;
useServer((s, firestore) => {
  server = s;
  db = firestore;
});

describe('references', () => {
  test('paths, ids and parents', () => {
    const users = collection(db, 'open');
    const u = doc(users, 'u1');
    assert.equal(u.path, 'open/u1');
    assert.equal(u.id, 'u1');
    assert.equal(u.parent.path, 'open');
    assert.equal(users.parent, null);
    const posts = collection(u, 'posts');
    assert.equal(posts.path, 'open/u1/posts');
    assert.equal(posts.parent.path, 'open/u1');
    assert.equal(doc(db, 'open', 'u1', 'posts', 'p').path, 'open/u1/posts/p');
    assert.equal(collection(db, '/open/u1/posts/').path, 'open/u1/posts');
    assert.ok(refEqual(doc(db, 'open/u1'), u));
    assert.ok(!refEqual(doc(db, 'open/u2'), u));
    const auto = doc(users);
    assert.match(auto.id, /^[A-Za-z0-9]{20}$/);
    assert.notEqual(doc(users).id, auto.id);
  });

  test('bad paths throw invalid-argument', () => {
    assert.throws(() => doc(db, 'open'), { code: 'invalid-argument' });
    assert.throws(() => collection(db, 'open/u1'), { code: 'invalid-argument' });
    assert.throws(() => doc(db, 'open//x'), { code: 'invalid-argument' });
    assert.throws(() => collection({}, 'x'), { code: 'invalid-argument' });
  });
});

describe('reads and writes', () => {
  test('setDoc, getDoc, and a missing document', async () => {
    const ref = doc(db, 'open/d1');
    await setDoc(ref, { title: 'Hello', n: 1 });
    const snap = await getDoc(ref);
    assert.ok(snap.exists());
    assert.equal(snap.id, 'd1');
    assert.deepEqual(snap.data(), { title: 'Hello', n: 1 });
    assert.equal(snap.get('title'), 'Hello');
    assert.equal(snap.metadata.hasPendingWrites, false);
    assert.equal(snap.metadata.fromCache, false);
    // data() is a copy.
    snap.data().title = 'changed';
    assert.equal(snap.data().title, 'Hello');
    await setDoc(ref, { other: true });
    assert.deepEqual((await getDoc(ref)).data(), { other: true }, 'set replaces');

    const missing = await getDoc(doc(db, 'open/never-written'));
    assert.equal(missing.exists(), false);
    assert.equal(missing.data(), undefined);
    assert.equal(missing.get('a'), undefined);
  });

  test('addDoc makes an automatic ID', async () => {
    const ref = await addDoc(collection(db, 'open/a/added'), { x: 1 });
    assert.ok(ref instanceof DocumentReference);
    assert.match(ref.id, /^[A-Za-z0-9]{20}$/);
    assert.equal(ref.parent.path, 'open/a/added');
    assert.deepEqual((await getDoc(ref)).data(), { x: 1 });
  });

  test('setDoc with merge merges maps field by field', async () => {
    const ref = doc(db, 'open/merge');
    await setDoc(ref, { a: 1, m: { x: 1, y: 2 } });
    await setDoc(ref, { b: 2, m: { y: 20, z: 30 } }, { merge: true });
    assert.deepEqual((await getDoc(ref)).data(), { a: 1, b: 2, m: { x: 1, y: 20, z: 30 } });
    await setDoc(ref, { a: deleteField(), m: { x: deleteField() } }, { merge: true });
    assert.deepEqual((await getDoc(ref)).data(), { b: 2, m: { y: 20, z: 30 } });
    await setDoc(doc(db, 'open/merge-new'), { a: 1 }, { merge: true });
    assert.deepEqual((await getDoc(doc(db, 'open/merge-new'))).data(), { a: 1 });
  });

  test('setDoc with mergeFields writes only those fields, replacing maps', async () => {
    const ref = doc(db, 'open/mergefields');
    await setDoc(ref, { a: 1, b: 1, m: { x: 1, y: 1 }, k: { keep: true } });
    await setDoc(ref, { a: 2, b: 2, m: { z: 3 }, k: { keep: false } },
                 { mergeFields: ['a', 'm', new FieldPath('k', 'keep')] });
    assert.deepEqual((await getDoc(ref)).data(), { a: 2, b: 1, m: { z: 3 }, k: { keep: false } });
    await assert.rejects(setDoc(ref, { a: 3 }, { mergeFields: ['nope'] }), { code: 'invalid-argument' });
    await setDoc(doc(db, 'open/mergefields-new'), { a: 1, b: 2 }, { mergeFields: ['b'] });
    assert.deepEqual((await getDoc(doc(db, 'open/mergefields-new'))).data(), { b: 2 });
  });

  test('updateDoc with field paths and transforms', async () => {
    const ref = doc(db, 'open/update');
    await setDoc(ref, { n: 1, d: 1.5, tags: ['a', 'b'], m: { x: 1, y: 2 }, gone: true });
    const before = Date.now();
    await updateDoc(ref, {
      n: increment(2), d: increment(0.25), 'm.x': 10, tags: arrayUnion('c', 'a'),
      gone: deleteField(), at: serverTimestamp(),
    });
    const data = (await getDoc(ref)).data();
    assert.equal(data.n, 3);
    assert.equal(data.d, 1.75);
    assert.deepEqual(data.m, { x: 10, y: 2 });
    assert.deepEqual(data.tags, ['a', 'b', 'c']);
    assert.equal('gone' in data, false);
    assert.ok(data.at instanceof Timestamp);
    assert.ok(Math.abs(data.at.toMillis() - before) < 5000, String(data.at.toDate()));
    await updateDoc(ref, 'tags', arrayRemove('a'), new FieldPath('m', 'y'), deleteField());
    const after = (await getDoc(ref)).data();
    assert.deepEqual(after.tags, ['b', 'c']);
    assert.deepEqual(after.m, { x: 10 });
  });

  test('updateDoc of a missing document is not-found', async () => {
    await assert.rejects(updateDoc(doc(db, 'open/missing-update'), { a: 1 }),
                         { name: 'FirebaseError', code: 'not-found' });
    await assert.rejects(updateDoc(doc(db, 'open/x'), 'a'), { code: 'invalid-argument' });
  });

  test('deleteDoc', async () => {
    const ref = doc(db, 'open/to-delete');
    await setDoc(ref, { a: 1 });
    await deleteDoc(ref);
    assert.equal((await getDoc(ref)).exists(), false);
    await deleteDoc(ref);  // missing is fine
  });

  test('converters', async () => {
    class City {
      constructor(name, population) {
        this.name = name;
        this.population = population;
      }
    }
    const converter = {
      toFirestore: (city) => ({ name: city.name, population: city.population }),
      fromFirestore: (snapshot) => {
        const data = snapshot.data();
        return new City(data.name, data.population);
      },
    };
    const ref = doc(db, 'open/city').withConverter(converter);
    await setDoc(ref, new City('Lyon', 500000));
    const city = (await getDoc(ref)).data();
    assert.ok(city instanceof City);
    assert.equal(city.population, 500000);
    const added = await addDoc(collection(db, 'open/c/cities').withConverter(converter), new City('Nice', 1));
    assert.ok((await getDoc(added)).data() instanceof City);
  });
});

describe('errors', () => {
  test('rules deny with permission-denied', async () => {
    await assert.rejects(getDoc(doc(db, 'private/p')), { name: 'FirebaseError', code: 'permission-denied' });
    await assert.rejects(setDoc(doc(db, 'private/p'), { a: 1 }), { code: 'permission-denied' });
    // Signed out: creating a post needs a user.
    await assert.rejects(addDoc(collection(db, 'posts'), { authorId: 'x' }), { code: 'permission-denied' });
    const { status } = await adminFetch(server, 'GET', '/v1/documents/private/p');
    assert.equal(status, 404, 'nothing was written');
  });

  test('the server refuses bad data with invalid-argument', async () => {
    await assert.rejects(setDoc(doc(db, 'open/bad'), { a: deleteField() }),
                         { code: 'invalid-argument', message: /delete/ });
    await assert.rejects(setDoc(doc(db, 'open/bad'), { a: [serverTimestamp()] }),
                         { code: 'invalid-argument' });
    await assert.rejects(setDoc(doc(db, 'open/bad'), { __reserved__: 1 }), { code: 'invalid-argument' });
  });

  test('an unreachable server is unavailable', async () => {
    const app = newApp({ url: 'http://127.0.0.1:1' });
    await assert.rejects(getDoc(doc(getFirestore(app), 'open/x')), { code: 'unavailable' });
  });
});
