// Values: every Firestore type through the server and back, integers vs doubles on the
// wire, and the value classes.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
  Bytes, FieldPath, GeoPoint, Timestamp, doc, getDoc, initializeFirestore,
  setDoc, updateDoc,
} from '../hearth.js';
import { adminApp, adminFetch, newApp, useServer } from './helpers.mjs';

let server;
let db;
useServer((s, firestore) => {
  server = s;
  db = firestore;
});

describe('values', () => {
  test('every type survives a round trip', async () => {
    const ref = doc(db, 'open/types');
    const data = {
      int: 42, negative: -7, double: 1.5, small: 1e-7, bigDouble: 1e21, unsafe: 2 ** 53 + 2,
      negativeZero: -0, nan: NaN, inf: Infinity, negInf: -Infinity,
      string: 'héllo', yes: true, nothing: null,
      array: [1, 'two', [3], { four: 4 }], map: { nested: { deep: 'x' } },
      dollar: { $key: 1 }, dollarAndMore: { $a: 1, b: 2 },
      time: new Timestamp(1700000000, 123456789), date: new Date('2024-02-03T04:05:06.789Z'),
      bytes: Bytes.fromUint8Array(new Uint8Array([0, 1, 254, 255])),
      geo: new GeoPoint(48.85, 2.35), ref: doc(db, 'open/other'),
    };
    await setDoc(ref, data);
    const back = (await getDoc(ref)).data();
    for (const key of ['int', 'negative', 'double', 'small', 'bigDouble', 'unsafe', 'string',
      'yes', 'nothing', 'inf', 'negInf']) {
      assert.equal(back[key], data[key], key);
    }
    assert.ok(Object.is(back.negativeZero, -0));
    assert.ok(Number.isNaN(back.nan));
    assert.deepEqual(back.array, data.array);
    assert.deepEqual(back.map, data.map);
    assert.deepEqual(back.dollar, { $key: 1 });
    assert.deepEqual(back.dollarAndMore, { $a: 1, b: 2 });
    assert.ok(back.time instanceof Timestamp);
    assert.ok(back.time.isEqual(data.time), back.time.toString());
    assert.equal(back.date.toMillis(), data.date.getTime());
    assert.deepEqual([...back.bytes.toUint8Array()], [0, 1, 254, 255]);
    assert.ok(back.geo.isEqual(data.geo));
    assert.equal(back.ref.path, 'open/other');
    assert.equal(back.ref.firestore, db);
  });

  test('integers go as integers, other numbers as doubles', async () => {
    await setDoc(doc(db, 'open/numbers'), { i: 3, d: 3.25, big: 1e21, z: -0, n: NaN, one: 1.0 });
    // The server writes doubles back with a fraction or an exponent, integers without.
    const { text } = await adminFetch(server, 'GET', '/v1/documents/open/numbers');
    assert.match(text, /"i":3[,}]/);
    assert.match(text, /"d":3\.25[,}]/);
    assert.match(text, /"big":1(\.0)?e\+?21[,}]/);
    assert.match(text, /"z":-0\.0[,}]/);
    assert.match(text, /"n":\{"\$double":"NaN"\}/);
    assert.match(text, /"one":1[,}]/, 'JS cannot tell 1.0 from 1: it is stored as an integer');
  });

  test('unsupported values are refused with invalid-argument', async () => {
    class Custom {}
    for (const bad of [{ a: undefined }, { a: new Custom() }, { a: () => 1 }, { a: Symbol('s') },
      { a: [{ b: undefined }] }]) {
      await assert.rejects(setDoc(doc(db, 'open/bad'), bad), { name: 'FirebaseError', code: 'invalid-argument' });
    }
    await assert.rejects(setDoc(doc(db, 'open/bad'), 'not an object'), { code: 'invalid-argument' });
  });

  test('ignoreUndefinedProperties drops undefined fields', async () => {
    const app = newApp(server);
    const lenient = initializeFirestore(app, { ignoreUndefinedProperties: true });
    await setDoc(doc(lenient, 'open/lenient'), { a: 1, b: undefined, m: { c: undefined, d: 2 } });
    assert.deepEqual((await getDoc(doc(lenient, 'open/lenient'))).data(), { a: 1, m: { d: 2 } });
    await updateDoc(doc(lenient, 'open/lenient'), { a: undefined, e: 5 });
    assert.deepEqual((await getDoc(doc(lenient, 'open/lenient'))).data(), { a: 1, m: { d: 2 }, e: 5 });
  });
});

describe('value classes', () => {
  test('Timestamp', () => {
    const t = Timestamp.fromMillis(1500.25);
    assert.equal(t.seconds, 1);
    assert.equal(t.nanoseconds, 500250000);
    assert.equal(t.toMillis(), 1500.25);
    const d = new Date('2020-01-01T00:00:00.123Z');
    assert.equal(Timestamp.fromDate(d).toDate().getTime(), d.getTime());
    assert.ok(Math.abs(Timestamp.now().toMillis() - Date.now()) < 1000);
    const early = new Timestamp(-5, 10);
    const late = new Timestamp(3, 0);
    assert.ok(early < late && late > early, 'valueOf orders timestamps');
    assert.ok(new Timestamp(3, 0).isEqual(late));
    assert.ok(!late.isEqual(early));
    assert.deepEqual(late.toJSON(), { seconds: 3, nanoseconds: 0 });
    assert.throws(() => new Timestamp(1, 1e9), { code: 'invalid-argument' });
    assert.throws(() => new Timestamp(1.5, 0), { code: 'invalid-argument' });
  });

  test('Bytes', () => {
    const b = Bytes.fromBase64String('aGk=');
    assert.deepEqual([...b.toUint8Array()], [104, 105]);
    assert.equal(Bytes.fromUint8Array(new Uint8Array([104, 105])).toBase64(), 'aGk=');
    assert.ok(b.isEqual(Bytes.fromUint8Array(new Uint8Array([104, 105]))));
    assert.throws(() => Bytes.fromBase64String('***'), { code: 'invalid-argument' });
  });

  test('GeoPoint', () => {
    const g = new GeoPoint(-10, 20);
    assert.equal(g.latitude, -10);
    assert.equal(g.longitude, 20);
    assert.ok(g.isEqual(new GeoPoint(-10, 20)));
    assert.throws(() => new GeoPoint(91, 0), { code: 'invalid-argument' });
    assert.throws(() => new GeoPoint(0, NaN), { code: 'invalid-argument' });
  });

  test('FieldPath', async () => {
    assert.ok(new FieldPath('a', 'b.c').isEqual(new FieldPath('a', 'b.c')));
    assert.throws(() => new FieldPath(), { code: 'invalid-argument' });
    assert.throws(() => new FieldPath('a', ''), { code: 'invalid-argument' });
    const ref = doc(db, 'open/paths');
    await setDoc(ref, { 'a.b': { 'c`d': 1 }, a: { b: 2 } });
    await updateDoc(ref, new FieldPath('a.b', 'c`d'), 10, 'a.b', 20);
    const snap = await getDoc(ref);
    assert.deepEqual(snap.data(), { 'a.b': { 'c`d': 10 }, a: { b: 20 } });
    assert.equal(snap.get(new FieldPath('a.b', 'c`d')), 10);
    assert.equal(snap.get('a.b'), 20);
    assert.equal(snap.get('a.missing'), undefined);
  });
});
