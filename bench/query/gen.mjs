// bench/query/gen.mjs — deterministic "posts" data set for bench/query.sh.
//
//   node bench/query/gen.mjs N OUT_FILE [SEED]
//
// Writes N lines "<id>\t<document JSON>" (PostgreSQL COPY text format; the JSON never
// contains a backslash, tab or newline, so it needs no escaping). The same file is
// loaded into Hearth (bench/query/load_hearth.mjs, /v1/commit batches) and into
// PostgreSQL (\copy), so both hold byte-identical documents.
//
// A document (~230-290 bytes of JSON, 10 top-level fields):
//   {"author":"a417","likes":52311,"title":"...","body":"...","category":"c07",
//    "tags":["t3","t41"],"published":true,"rating":3.5,"views":81234,
//    "createdAt":"2026-03-14T09:26:53Z"}
// author: uniform over AUTHORS (default 1000) values a0..a999; likes: uniform 0..99999;
// ids: 20 random [A-Za-z0-9] characters (like Firestore auto-IDs).
import fs from "node:fs";

const n = Number(process.argv[2]);
const out = process.argv[3];
let seed = Number(process.argv[4] ?? 42) >>> 0;
const authors = Number(process.env.AUTHORS ?? 1000);
if (!Number.isInteger(n) || n <= 0 || !out) {
  console.error("usage: node gen.mjs N OUT_FILE [SEED]");
  process.exit(2);
}

// mulberry32
function rand() {
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const int = (k) => Math.floor(rand() * k);
const pick = (a) => a[int(a.length)];

const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const WORDS = ("index query latency shard document collection field order limit cursor " +
  "snapshot commit batch write read cache page token listener rule storage engine " +
  "server client thread core disk memory network bench hearth firestore sqlite").split(" ");
const words = (k) => { const w = []; for (let i = 0; i < k; ++i) w.push(pick(WORDS)); return w.join(" "); };
const pad = (x) => String(x).padStart(2, "0");

const fd = fs.openSync(out, "w");
let buf = [];
let bytes = 0;
const seen = new Set();
for (let i = 0; i < n; ++i) {
  let id;
  do {
    id = "";
    for (let k = 0; k < 20; ++k) id += ALNUM[int(62)];
  } while (seen.has(id));
  if (n <= 2_000_000) seen.add(id);
  const t = new Date(Date.UTC(2026, 0, 1) + int(300 * 86400) * 1000);
  const created = `${t.getUTCFullYear()}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}T` +
    `${pad(t.getUTCHours())}:${pad(t.getUTCMinutes())}:${pad(t.getUTCSeconds())}Z`;
  const doc = {
    author: "a" + int(authors),
    likes: int(100000),
    title: words(4 + int(4)),
    body: words(10 + int(8)),
    category: "c" + pad(int(20)),
    tags: ["t" + int(50), "t" + int(50)],
    published: rand() < 0.8,
    rating: (1 + int(41) / 10).toFixed(1),
    views: int(1000000),
    createdAt: created,
  };
  // rating must stay a double in Hearth (a number with a fraction): splice it in unquoted.
  const json = JSON.stringify(doc).replace(/"rating":"([0-9.]+)"/, '"rating":$1');
  const line = id + "\t" + json + "\n";
  bytes += json.length;
  buf.push(line);
  if (buf.length >= 10000) { fs.writeSync(fd, buf.join("")); buf = []; }
}
if (buf.length) fs.writeSync(fd, buf.join(""));
fs.closeSync(fd);
console.log(`GEN docs=${n} avg_doc_bytes=${(bytes / n).toFixed(0)} authors=${authors}`);
