// Queries: every operator, composite filters, order, limits, cursors (values and
// snapshots), collection groups, aggregations and errors.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
  and, average, collection, collectionGroup, count, doc, documentId, endAt, endBefore,
  getAggregateFromServer, getCountFromServer, getDoc, getDocs, getFirestore, limit, limitToLast, or,
  orderBy, query, queryEqual, startAfter, startAt, sum, where, writeBatch,
} from '../hearth.js';
import { deleteApps, newApp } from './helpers.mjs';
import { startServer } from './server.mjs';

// The composite index and collection-group field the tests' queries need.
const INDEX_FILES = {
  'firebase.json': JSON.stringify({
    firestore: { rules: 'firestore.rules', indexes: 'firestore.indexes.json' },
  }),
  'firestore.indexes.json': JSON.stringify({
    indexes: [{ collectionGroup: 'items', queryScope: 'COLLECTION', fields: [
      { fieldPath: 'color', order: 'ASCENDING' }, { fieldPath: 'n', order: 'DESCENDING' }] }],
    fieldOverrides: [{ collectionGroup: 'group', fieldPath: 'n', indexes: [
      { order: 'ASCENDING', queryScope: 'COLLECTION' }, { arrayConfig: 'CONTAINS', queryScope: 'COLLECTION' },
      { order: 'ASCENDING', queryScope: 'COLLECTION_GROUP' }] }],
  }),
};

let server;
let db;
let items;
const ids = (snapshot) => snapshot.docs.map((d) => d.id);

before(async () => {
  server = await startServer({ files: INDEX_FILES });
  db = getFirestore(newApp(server));
  items = collection(db, 'open/q/items');
  const batch = writeBatch(db);
  const rows = [
    ['a', { n: 1, color: 'red', tags: ['x', 'y'], price: 1.5 }],
    ['b', { n: 2, color: 'blue', tags: ['y'], price: 2 }],
    ['c', { n: 3, color: 'red', tags: [], price: 'n/a' }],
    ['d', { n: 4, color: 'green', tags: ['z'], price: 4.5 }],
    ['e', { n: 5, color: 'blue', price: null }],
    ['f', { n: 5, color: 'red', tags: ['x'] }],
  ];
  for (const [id, data] of rows) batch.set(doc(items, id), data);
  batch.set(doc(db, 'open/q/other/g1/group/x'), { n: 1 });
  batch.set(doc(db, 'open/q/more/g2/group/y'), { n: 2 });
  await batch.commit();
});
after(async () => {
  await deleteApps();
  await server.stop();
});

describe('filters', () => {
  const cases = [
    [() => where('color', '==', 'red'), ['a', 'c', 'f']],
    [() => where('color', '!=', 'red'), ['b', 'e', 'd']],  // ordered by color, then name
    [() => where('n', '<', 3), ['a', 'b']],
    [() => where('n', '<=', 3), ['a', 'b', 'c']],
    [() => where('n', '>', 4), ['e', 'f']],
    [() => where('n', '>=', 4), ['d', 'e', 'f']],
    [() => where('tags', 'array-contains', 'x'), ['a', 'f']],
    [() => where('tags', 'array-contains-any', ['z', 'y']), ['a', 'b', 'd']],
    [() => where('color', 'in', ['green', 'blue']), ['b', 'd', 'e']],
    [() => where('color', 'not-in', ['red', 'blue']), ['d']],
    [() => where('price', '==', null), ['e']],
    [() => where('price', '>', 1), ['a', 'b', 'd']],  // numbers only, 2 == 2.0 as one type
    [() => where(documentId(), '==', 'c'), ['c']],
    [() => where(documentId(), 'in', ['a', doc(items, 'd')]), ['a', 'd']],
    [() => or(where('n', '==', 1), where('color', '==', 'green')), ['a', 'd']],
    [() => and(where('color', '==', 'red'), or(where('n', '==', 1), where('n', '==', 5))), ['a', 'f']],
  ];
  for (const [constraint, expected] of cases) {
    test(String(constraint).slice(6), async () => {
      assert.deepEqual(ids(await getDocs(query(items, constraint()))), expected);
    });
  }

  test('several where() are ANDed', async () => {
    const q = query(items, where('color', '==', 'red'), where('n', '>', 1));
    assert.deepEqual(ids(await getDocs(q)), ['c', 'f']);
  });

  test('an unknown operator throws', () => {
    assert.throws(() => where('n', '=', 1), { code: 'invalid-argument' });
  });
});

describe('order, limits, cursors', () => {
  test('orderBy and limit', async () => {
    assert.deepEqual(ids(await getDocs(query(items, orderBy('n', 'desc'), limit(3)))), ['f', 'e', 'd']);
    assert.deepEqual(ids(await getDocs(query(items, orderBy('color'), orderBy('n', 'desc')))),
                     ['e', 'b', 'd', 'f', 'c', 'a']);
    assert.throws(() => orderBy('n', 'down'), { code: 'invalid-argument' });
    assert.throws(() => limit(0), { code: 'invalid-argument' });
  });

  test('limitToLast', async () => {
    const snap = await getDocs(query(items, orderBy('n'), limitToLast(2)));
    assert.deepEqual(ids(snap), ['e', 'f']);
  });

  test('value cursors', async () => {
    const byN = (...c) => getDocs(query(items, orderBy('n'), ...c)).then(ids);
    assert.deepEqual(await byN(startAt(3)), ['c', 'd', 'e', 'f']);
    assert.deepEqual(await byN(startAfter(3)), ['d', 'e', 'f']);
    assert.deepEqual(await byN(endAt(2)), ['a', 'b']);
    assert.deepEqual(await byN(endBefore(2)), ['a']);
    assert.deepEqual(await byN(startAfter(1), endBefore(4)), ['b', 'c']);
    assert.deepEqual(await getDocs(query(items, orderBy(documentId()), startAfter('d'))).then(ids),
                     ['e', 'f']);
  });

  test('snapshot cursors use the snapshot values and its name', async () => {
    const e = await getDoc(doc(items, 'e'));  // n 5, like f
    assert.deepEqual(ids(await getDocs(query(items, orderBy('n'), startAfter(e)))), ['f']);
    assert.deepEqual(ids(await getDocs(query(items, orderBy('n'), startAt(e)))), ['e', 'f']);
    assert.deepEqual(ids(await getDocs(query(items, orderBy('n'), endBefore(e)))), ['a', 'b', 'c', 'd']);
    // An inequality without orderBy orders by that field: the cursor includes it.
    const b = await getDoc(doc(items, 'b'));
    assert.deepEqual(ids(await getDocs(query(items, where('n', '>', 1), startAfter(b), limit(2)))),
                     ['c', 'd']);
    // Paging with the last document of a page, as apps do.
    const page1 = await getDocs(query(items, orderBy('n'), limit(4)));
    const page2 = await getDocs(query(items, orderBy('n'), startAfter(page1.docs.at(-1)), limit(4)));
    assert.deepEqual([...ids(page1), ...ids(page2)], ['a', 'b', 'c', 'd', 'e', 'f']);
    const missing = await getDoc(doc(items, 'zz'));
    assert.throws(() => queryEqual(query(items, startAt(missing)), query(items)), { code: 'invalid-argument' });
  });

  test('queryEqual', () => {
    assert.ok(queryEqual(query(items, where('n', '==', 1)), query(items, where('n', '==', 1))));
    assert.ok(!queryEqual(query(items, where('n', '==', 1)), query(items, where('n', '==', 2))));
  });
});

describe('snapshots, groups, aggregations', () => {
  test('QuerySnapshot', async () => {
    const snap = await getDocs(query(items, where('color', '==', 'blue')));
    assert.equal(snap.size, 2);
    assert.equal(snap.empty, false);
    const seen = [];
    snap.forEach((d) => seen.push(d.data().n));
    assert.deepEqual(seen, [2, 5]);
    assert.deepEqual(snap.docChanges().map((c) => [c.type, c.doc.id, c.oldIndex, c.newIndex]),
                     [['added', 'b', -1, 0], ['added', 'e', -1, 1]]);
    assert.equal(snap.docs[0].ref.path, 'open/q/items/b');
    const none = await getDocs(query(items, where('color', '==', 'purple')));
    assert.equal(none.empty, true);
  });

  test('collectionGroup', async () => {
    const snap = await getDocs(query(collectionGroup(db, 'group'), orderBy('n')));
    assert.deepEqual(snap.docs.map((d) => d.ref.path), ['open/q/other/g1/group/x', 'open/q/more/g2/group/y']);
    assert.throws(() => collectionGroup(db, 'a/b'), { code: 'invalid-argument' });
  });

  test('getCountFromServer', async () => {
    assert.equal((await getCountFromServer(items)).data().count, 6);
    assert.equal((await getCountFromServer(query(items, where('color', '==', 'red')))).data().count, 3);
  });

  test('getAggregateFromServer: count, sum, average', async () => {
    const snap = await getAggregateFromServer(items, { c: count(), total: sum('n'), mean: average('n'),
      prices: sum('price'), none: average('missing') });
    assert.deepEqual(snap.data(), { c: 6, total: 20, mean: 20 / 6, prices: 8, none: null });
  });
});

describe('errors', () => {
  test('an invalid query is invalid-argument', async () => {
    const q = query(items, where('n', '>', 1), where('color', '<', 'z'));
    await assert.rejects(getDocs(q), { code: 'invalid-argument' });
  });

  test('a denied query is permission-denied', async () => {
    await assert.rejects(getDocs(collection(db, 'private')), { code: 'permission-denied' });
    await assert.rejects(getCountFromServer(collection(db, 'private')), { code: 'permission-denied' });
  });
});
