// bench/seed.mjs — seed posts with fixed ids before the read/list workloads.
//
//   node bench/seed.mjs <baseUrl> [count=1000] [concurrency=8]
//   env BENCH_TOKEN: sent as "Authorization: Bearer <token>" if set
//
// PUTs /v1/documents/posts/seed000000 .. seed<count-1> (zero-padded to 6 digits,
// the ids bench/wrk/read.lua reads) with ~300-byte bodies shaped like the create
// workload's, then GETs seed000000 back. Exits non-zero on the first non-2xx.
// Uses Node's built-in fetch (keep-alive), so it needs no npm packages.

const [baseUrl, countArg = '1000', concArg = '8'] = process.argv.slice(2);
if (!baseUrl) {
  console.error('usage: node bench/seed.mjs <baseUrl> [count] [concurrency]');
  process.exit(2);
}
const count = Number.parseInt(countArg, 10);
const concurrency = Number.parseInt(concArg, 10);
const token = process.env.BENCH_TOKEN || '';
const headers = { 'Content-Type': 'application/json' };
if (token) headers.Authorization = `Bearer ${token}`;

const idFor = (i) => `seed${String(i).padStart(6, '0')}`;
const bodyFor = (i) =>
  JSON.stringify({
    title: `Seeded post number ${i} about document databases`,
    body:
      'Hearth stores JSON documents in collections and serves them over HTTP. ' +
      'This post exists only to give the read and list workloads a realistic size.',
    author: `bench-user-${String(i % 100).padStart(4, '0')}`,
    tags: ['bench', 'hearth', 'seed'],
    likes: i % 997,
    published: i % 2 === 0,
    rating: 4.5,
  });

async function put(i) {
  const url = `${baseUrl}/v1/documents/posts/${idFor(i)}`;
  const res = await fetch(url, { method: 'PUT', headers, body: bodyFor(i) });
  const text = await res.text();
  if (res.status < 200 || res.status >= 300) {
    throw new Error(`PUT ${url} -> ${res.status}: ${text.slice(0, 300)}`);
  }
}

let next = 0;
async function worker() {
  while (next < count) {
    const i = next++;
    await put(i);
  }
}

try {
  const t0 = performance.now();
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  const check = await fetch(`${baseUrl}/v1/documents/posts/${idFor(0)}`, { headers });
  const text = await check.text();
  if (check.status !== 200) throw new Error(`GET ${idFor(0)} after seeding -> ${check.status}: ${text.slice(0, 300)}`);
  console.log(`seeded ${count} posts in ${((performance.now() - t0) / 1000).toFixed(2)} s; ${idFor(0)} = ${text.length} bytes`);
} catch (err) {
  console.error(`seed failed: ${err.message}`);
  process.exit(1);
}
