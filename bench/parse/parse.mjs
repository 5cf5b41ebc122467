// bench/parse/parse.mjs — Parse Server as a peer for bench/postgres.sh (part 4).
//
//   node bench/parse/parse.mjs serve <port> <postgres-url>
//     Parse Server (one Node.js process, its own Express app) on 127.0.0.1:<port>, mounted
//     at /parse, storing in <postgres-url>. allowCustomObjectId lets the seed choose the
//     IDs the point read asks for. GET /parse/health answers 200 when it is ready.
//   node bench/parse/parse.mjs seed <baseUrl> [count=1000] [concurrency=8]
//     Creates Post objects seed000000 .. seed<count-1> with the bodies bench/seed.mjs gives
//     Hearth, then reads seed000000 back. Exits non-zero on the first failure.
//
// Environment: PARSE_APP_ID, PARSE_MASTER_KEY (every request of the benchmark uses the
// master key, as Hearth's uses its admin token); PARSE_SERVER_LOGS_FOLDER, where Parse
// writes its log files.
const appId = process.env.PARSE_APP_ID || 'bench';
const masterKey = process.env.PARSE_MASTER_KEY || 'bench-master-key';

async function serve(port, databaseURI) {
  const { ParseServer } = await import('parse-server');
  await ParseServer.startApp({
    appId,
    masterKey,
    databaseURI,
    port: Number(port),
    host: '127.0.0.1',
    mountPath: '/parse',
    serverURL: `http://127.0.0.1:${port}/parse`,
    allowCustomObjectId: true,
    logLevel: 'error',
    verbose: false,
    // Parse writes log files to ./logs unless PARSE_SERVER_LOGS_FOLDER says otherwise (its
    // import-time logger reads that too); none at all when it is unset here.
    logsFolder: process.env.PARSE_SERVER_LOGS_FOLDER || null,
  });
}

const idFor = (i) => `seed${String(i).padStart(6, '0')}`;
// The same fields and sizes as bench/seed.mjs.
const bodyFor = (i) => ({
  objectId: idFor(i),
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

async function seed(baseUrl, count, concurrency) {
  const headers = {
    'Content-Type': 'application/json',
    'X-Parse-Application-Id': appId,
    'X-Parse-Master-Key': masterKey,
  };
  const post = async (i) => {
    const res = await fetch(`${baseUrl}/parse/classes/Post`, {
      method: 'POST', headers, body: JSON.stringify(bodyFor(i)),
    });
    const text = await res.text();
    if (res.status !== 201) {
      throw new Error(`POST ${idFor(i)} -> ${res.status}: ${text.slice(0, 300)}`);
    }
  };
  const t0 = performance.now();
  await post(0);  // the first create defines the class; the rest may run in parallel
  let next = 1;
  const worker = async () => {
    while (next < count) await post(next++);
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  const check = await fetch(`${baseUrl}/parse/classes/Post/${idFor(0)}`, { headers });
  const text = await check.text();
  if (check.status !== 200) {
    throw new Error(`GET ${idFor(0)} -> ${check.status}: ${text.slice(0, 300)}`);
  }
  const secs = ((performance.now() - t0) / 1000).toFixed(2);
  console.log(`seeded ${count} Parse objects in ${secs} s; ` +
    `${idFor(0)} = ${text.length} bytes`);
}

const [mode, ...args] = process.argv.slice(2);
try {
  if (mode === 'serve' && args.length === 2) {
    await serve(args[0], args[1]);
  } else if (mode === 'seed' && args.length >= 1) {
    await seed(args[0], Number(args[1] || 1000), Number(args[2] || 8));
  } else {
    console.error(
      'usage: parse.mjs serve <port> <postgres-url> | seed <baseUrl> [count] [concurrency]');
    process.exit(2);
  }
} catch (e) {
  console.error(`parse.mjs ${mode}: ${e.stack || e.message}`);
  process.exit(1);
}
