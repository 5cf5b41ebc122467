// bench/query/load_hearth.mjs — bulk-load a gen.mjs file into Hearth with /v1/commit.
//
//   BENCH_TOKEN=... node bench/query/load_hearth.mjs BASE_URL FILE [CONCURRENCY] [BATCH] [MAX_DOCS]
//
// Reads the first MAX_DOCS (default: all) lines "<id>\t<json>" of FILE and sends batches of BATCH (default 500) `set` writes to posts/<id>, CONCURRENCY (default 4)
// commits in flight on keep-alive connections. Every answer must be 200; anything else
// aborts with exit 1 (after printing "ERROR <message>" on stdout). Prints one line:
//   LOAD docs=N commits=C secs=S rate=R   (R = docs/s, wall clock incl. client work)
// and, on stderr, a progress line every 100,000 documents with the rate since the last one.
import fs from "node:fs";
import http from "node:http";
import readline from "node:readline";

const [base, file, concArg, batchArg, maxArg] = process.argv.slice(2);
const maxDocs = maxArg ? Number(maxArg) : Infinity;
const concurrency = Number(concArg ?? 4);
const batchSize = Number(batchArg ?? 500);
const token = process.env.BENCH_TOKEN ?? "";
if (!base || !file) {
  console.error("usage: node load_hearth.mjs BASE_URL FILE [CONCURRENCY] [BATCH]");
  process.exit(2);
}
const url = new URL("/v1/commit", base);
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });

function commit(body) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, {
      method: "POST", agent,
      headers: { "Content-Type": "application/json", "Authorization": `Bearer ${token}`,
                 "Content-Length": Buffer.byteLength(body) },
    }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => {
        if (res.statusCode === 200) resolve();
        else reject(new Error(`commit: HTTP ${res.statusCode}: ${Buffer.concat(chunks).toString().slice(0, 300)}`));
      });
    });
    req.on("error", reject);
    req.end(body);
  });
}

const t0 = process.hrtime.bigint();
let docs = 0, commits = 0;
let lastMark = t0;
const inflight = new Set();
let failure = null;
function send(lines) {
  const writes = lines.map((l) => {
    const tab = l.indexOf("\t");
    return `{"set":{"path":"posts/${l.slice(0, tab)}","data":${l.slice(tab + 1)}}}`;
  });
  const p = commit(`{"writes":[${writes.join(",")}]}`)
    .then(() => {
      docs += lines.length;
      commits += 1;
      if (docs % 100000 === 0) {
        const now = process.hrtime.bigint();
        const inst = 100000 / (Number(now - lastMark) / 1e9);
        lastMark = now;
        console.error(`  load progress: ${docs} docs, ${(Number(now - t0) / 1e9).toFixed(0)} s, ` +
                      `${inst.toFixed(0)} docs/s over the last 100000`);
      }
    })
    .catch((e) => { failure ??= e; })
    .finally(() => inflight.delete(p));
  inflight.add(p);
}

const input = fs.createReadStream(file);
const rl = readline.createInterface({ input, crlfDelay: Infinity });
let batch = [];
let read = 0;
for await (const line of rl) {
  if (!line) continue;
  if (read++ >= maxDocs) break;
  batch.push(line);
  if (batch.length === batchSize) {
    send(batch);
    batch = [];
    while (inflight.size >= concurrency) await Promise.race(inflight);
    if (failure) break;
  }
}
rl.close();
input.destroy();
if (batch.length && !failure) send(batch);
await Promise.all(inflight);
agent.destroy();
if (failure) {
  console.log(`ERROR ${String(failure.message ?? failure)}`);
  process.exit(1);
}
const secs = Number(process.hrtime.bigint() - t0) / 1e9;
console.log(`LOAD docs=${docs} commits=${commits} secs=${secs.toFixed(2)} rate=${(docs / secs).toFixed(0)}`);
