// The package: one self-contained module (Hearth serves it as is), its exports declared
// in hearth.d.ts, and package.json pointing at both.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import * as sdk from '../hearth.js';
import { startServer } from './server.mjs';

const read = (name) => readFileSync(new URL(`../${name}`, import.meta.url), 'utf8');

test('hearth.js imports nothing', () => {
  const source = read('hearth.js');
  assert.doesNotMatch(source, /^\s*import\s/m);
  assert.doesNotMatch(source, /\bimport\(/);
  assert.doesNotMatch(source, /\brequire\(/);
});

test('every export is declared in hearth.d.ts, and every declaration exported', () => {
  const dts = read('hearth.d.ts');
  const declared = new Set();
  for (const m of dts.matchAll(/^export (?:declare )?(?:abstract )?(?:function|class|const) (\w+)/gm)) {
    declared.add(m[1]);
  }
  for (const m of dts.matchAll(/^export \{ (\w+) as (\w+) \}/gm)) declared.add(m[2]);
  const exported = new Set(Object.keys(sdk));
  assert.deepEqual([...exported].filter((n) => !declared.has(n)).sort(), [], 'exported, not declared');
  assert.deepEqual([...declared].filter((n) => !exported.has(n)).sort(), [], 'declared, not exported');
});

test('package.json', () => {
  const pkg = JSON.parse(read('package.json'));
  assert.equal(pkg.name, 'hearth-sdk');
  assert.equal(pkg.type, 'module');
  assert.equal(pkg.exports['.'].default, './hearth.js');
  assert.equal(pkg.exports['.'].types, './hearth.d.ts');
});

test('the server serves this very file at /__/hearth/sdk.js', async (t) => {
  const server = await startServer();
  try {
    const response = await fetch(`${server.url}/__/hearth/sdk.js`);
    const text = await response.text();
    if (response.status === 404) {
      t.skip('this hearth binary predates /__/hearth/sdk.js');
      return;
    }
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type'), /javascript/, 'module scripts need a JS type');
    assert.ok(text === read('hearth.js'), 'the served SDK differs from sdk/js/hearth.js: rebuild hearth');
  } finally {
    await server.stop();
  }
});
