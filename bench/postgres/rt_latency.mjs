// bench/postgres/rt_latency.mjs — real-time latency: a paced writer on one Hearth node,
// listeners (WebSocket /v1/listen) on the same or other nodes.
//
//   node bench/postgres/rt_latency.mjs --write http://127.0.0.1:P1 \
//        --listen ws://127.0.0.1:P2/v1/listen[,ws://...] [--rate 1000] [--duration 10]
//        [--warmup 2] [--docs 1000] [--connections 32] [--collection lat] [--grace 5]
//   env BENCH_TOKEN: the admin token (header for writes, "auth" message for listeners)
//
// The writer (this process) sends `rate` writes per second for warmup + duration seconds:
// PUT /v1/documents/<collection>/d<i % docs> with {"seq": i, "sentUs": <send time>, "w":
// 1 during the warm-up}. Writes are paced by the clock (each ~1 ms timer tick sends the
// writes that are due), at most `connections` in flight; a write waiting for a free
// connection keeps the time it was issued, so a server that falls behind shows up as
// latency, not as a lower offered rate. The achieved rate counts acknowledged measured
// writes over the time from the first measured send to the last acknowledgement.
//
// Each listener runs in a child process (so the writer's work does not delay its clock
// readings), listens to {"from": <collection>} and, for every added / modified change
// outside the warm-up, records receive time − sentUs. Both processes read the same clock:
// process.hrtime (CLOCK_MONOTONIC, machine-wide). Needs Node 20's WebSocket
// (--experimental-websocket; the child is started with it) and no npm packages.
//
// Prints one line per listener and one for the writer (all times in ms):
//   RT_LISTENER url=... received=N missing=N superseded=N snapshots=N p50_ms=F p90_ms=F
//               p99_ms=F max_ms=F mean_ms=F
// (snapshots: non-initial snapshot messages, warm-up included; writes / snapshots is how
// many writes a snapshot carried on average.)
//   RT_WRITER target_rate=N sent=N ok=N errors=N achieved_rate=F ack_p50_ms=F ack_p99_ms=F
//             ack_max_ms=F max_lag_ms=F
// Exit status: 0 when every listener reported, 1 otherwise, 2 on bad usage.
import { fork } from 'node:child_process';
import http from 'node:http';
import { fileURLToPath } from 'node:url';

const nowUs = () => Number(process.hrtime.bigint() / 1000n);

function percentiles(values) {
  const a = Float64Array.from(values).sort();
  const at = (q) => (a.length ? a[Math.max(0, Math.ceil(q * a.length) - 1)] : 0);
  const sum = a.reduce((s, x) => s + x, 0);
  return {
    n: a.length,
    p50: at(0.5),
    p90: at(0.9),
    p99: at(0.99),
    max: a.length ? a[a.length - 1] : 0,
    mean: a.length ? sum / a.length : 0,
  };
}
const ms = (us) => (us / 1000).toFixed(2);

// ------------------------------------------------------------------ listener (child)
function runListener(url, collection, docs, token) {
  const latencies = [];
  const seen = new Set();
  const latestSeq = new Map();  // document index (seq % docs) -> highest seq received for it
  let snapshots = 0;  // after the initial one: how many commits the changes came in
  let failedSeqs = new Set();
  let firstMeasured = -1;
  let lastMeasured = -1;
  let reported = false;

  // A write not received is "superseded" when a later write of the same document was:
  // one snapshot shows a document's latest state only (several writes to it in one
  // commit group, or in a backlog the engine catches up on, are one change).
  const count = () => {
    let missing = 0, superseded = 0;
    for (let s = firstMeasured; s <= lastMeasured; ++s) {
      if (failedSeqs.has(s) || seen.has(s)) continue;
      if ((latestSeq.get(s % docs) ?? -1) > s) ++superseded;
      else ++missing;
    }
    return { missing, superseded };
  };
  const report = (error) => {
    if (reported) return;
    reported = true;
    const { missing, superseded } = count();
    const p = percentiles(latencies);
    process.send({ type: 'result', url, error, received: p.n, missing, superseded, snapshots, p });
    setTimeout(() => process.exit(0), 50);
  };

  const ws = new WebSocket(url);
  ws.onopen = () => {
    ws.send(JSON.stringify({ type: 'auth', token }));
    ws.send(JSON.stringify({ type: 'listen', targetId: 1, query: { from: collection } }));
  };
  ws.onmessage = (event) => {
    const t = nowUs();
    const m = JSON.parse(event.data);
    if (m.type === 'error') {
      report(`server error: ${m.code}: ${m.message}`);
      return;
    }
    if (m.type !== 'snapshot') return;
    if (m.initial) {
      process.send({ type: 'ready' });
      return;
    }
    ++snapshots;
    for (const c of m.changes) {
      if (c.type === 'removed' || !c.data || typeof c.data.sentUs !== 'number') continue;
      const doc = c.data.seq % docs;
      if ((latestSeq.get(doc) ?? -1) < c.data.seq) latestSeq.set(doc, c.data.seq);
      if (c.data.w) continue;
      if (seen.has(c.data.seq)) continue;
      seen.add(c.data.seq);
      latencies.push(t - c.data.sentUs);
    }
  };
  ws.onerror = (event) => report(`websocket error: ${event.message || 'connection failed'}`);
  ws.onclose = (event) => {
    if (!reported) report(`websocket closed (${event.code} ${event.reason || ''})`);
  };
  process.on('disconnect', () => process.exit(1));  // the writer is gone
  process.on('message', (m) => {
    if (m.type !== 'done') return;
    failedSeqs = new Set(m.failed);
    firstMeasured = m.first;
    lastMeasured = m.last;
    const deadline = Date.now() + m.graceMs;
    const check = () => {
      if (count().missing === 0 || Date.now() >= deadline) report();
      else setTimeout(check, 50);
    };
    check();
  });
}

// ------------------------------------------------------------------ writer (parent)
function parseArgs(argv) {
  const opts = {
    write: '', listen: [], rate: 1000, duration: 10, warmup: 2, docs: 1000,
    connections: 32, collection: 'lat', grace: 5,
  };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, '');
    const value = argv[i + 1];
    if (value === undefined || !(key in opts)) throw new Error(`bad argument ${argv[i]}`);
    if (key === 'listen') opts.listen = value.split(',').filter(Boolean);
    else if (key === 'write' || key === 'collection') opts[key] = value;
    else opts[key] = Number(value);
  }
  if (!opts.write || opts.listen.length === 0) throw new Error('--write and --listen are required');
  for (const k of ['rate', 'duration', 'docs', 'connections']) {
    if (!(opts[k] > 0)) throw new Error(`--${k} must be > 0`);
  }
  return opts;
}

async function startListeners(opts, token) {
  const self = fileURLToPath(import.meta.url);
  const children = opts.listen.map((url) =>
    fork(self, ['--listener', url, opts.collection, String(opts.docs)], {
      execArgv: ['--experimental-websocket', '--no-warnings'],
      env: { ...process.env, BENCH_TOKEN: token },
    }));
  const results = children.map((child, i) => new Promise((resolve) => {
    child.on('message', (m) => { if (m.type === 'result') resolve(m); });
    child.on('exit', (code) =>
      resolve({ url: opts.listen[i], error: `listener exited (${code})` }));
  }));
  // Every listener must have its initial snapshot before the first write.
  await Promise.race([
    Promise.all(children.map((child) => new Promise((resolve) => {
      child.on('message', (m) => { if (m.type === 'ready') resolve(); });
    }))),
    new Promise((_, reject) =>
      setTimeout(() => reject(new Error('listeners not ready in 10 s')), 10000)),
  ]);
  return { children, results };
}

function write(opts, token) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: opts.connections });
  const base = new URL(opts.write);
  const total = Math.round((opts.warmup + opts.duration) * opts.rate);
  const first = Math.round(opts.warmup * opts.rate);  // first measured seq
  const acks = [];
  const failed = [];
  let sent = 0, done = 0, ok = 0, maxLagUs = 0, firstError = '';
  let firstMeasuredUs = 0, lastAckUs = 0;
  const padding = 'x'.repeat(64);

  return new Promise((resolve) => {
    const start = nowUs();
    const finish = () => {
      const elapsedS = (nowUs() - start) / 1e6;
      const measuredS = (lastAckUs - firstMeasuredUs) / 1e6;
      resolve({ total, first, sent, ok, failed, acks, maxLagUs, firstError, elapsedS, measuredS });
    };
    const send = (i) => {
      const scheduled = start + (i * 1e6) / opts.rate;
      const t = nowUs();
      maxLagUs = Math.max(maxLagUs, t - scheduled);
      if (i === first) firstMeasuredUs = t;
      const body = JSON.stringify({ seq: i, sentUs: t, w: i < first ? 1 : 0, pad: padding });
      const req = http.request({
        agent, host: base.hostname, port: base.port, method: 'PUT',
        path: `/v1/documents/${opts.collection}/d${String(i % opts.docs).padStart(6, '0')}`,
        headers: {
          'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body),
          Authorization: `Bearer ${token}`,
        },
      }, (res) => {
        res.resume();
        res.on('end', () => {
          if (res.statusCode === 200) {
            ++ok;
            if (i >= first) {
              const now = nowUs();
              lastAckUs = Math.max(lastAckUs, now);
              acks.push(now - t);
            }
          } else {
            failed.push(i);
            if (!firstError) firstError = `HTTP ${res.statusCode}`;
          }
          if (++done === total) finish();
        });
      });
      req.on('error', (e) => {
        failed.push(i);
        if (!firstError) firstError = e.message;
        if (++done === total) finish();
      });
      req.end(body);
    };
    const tick = () => {
      const due = Math.min(total, Math.floor(((nowUs() - start) * opts.rate) / 1e6) + 1);
      while (sent < due) send(sent++);
      if (sent < total) setTimeout(tick, 1);
    };
    tick();
  });
}

async function main() {
  const token = process.env.BENCH_TOKEN || '';
  if (process.argv[2] === '--listener') {
    runListener(process.argv[3], process.argv[4], Number(process.argv[5]), token);
    return;
  }
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error(`rt_latency: ${e.message}`);
    process.exit(2);
  }
  const { children, results } = await startListeners(opts, token);
  const w = await write(opts, token);
  const measuredFailed = w.failed.filter((s) => s >= w.first);
  for (const child of children) {
    if (child.connected) {
      child.send({ type: 'done', first: w.first, last: w.total - 1, failed: measuredFailed,
        graceMs: opts.grace * 1000 });
    }
  }
  const listenerResults = await Promise.all(results);
  let status = 0;
  for (const r of listenerResults) {
    if (r.error || !r.p) {
      console.log(`RT_LISTENER url=${r.url} error="${r.error}"`);
      status = 1;
    }
    if (!r.p) continue;
    console.log(`RT_LISTENER url=${r.url} received=${r.received} missing=${r.missing} ` +
      `superseded=${r.superseded} snapshots=${r.snapshots} ` +
      `p50_ms=${ms(r.p.p50)} p90_ms=${ms(r.p.p90)} p99_ms=${ms(r.p.p99)} max_ms=${ms(r.p.max)} ` +
      `mean_ms=${ms(r.p.mean)}`);
  }
  const a = percentiles(w.acks);
  const measuredOk = w.acks.length;
  const achieved = w.measuredS > 0 ? measuredOk / w.measuredS : 0;
  console.log(`RT_WRITER target_rate=${opts.rate} sent=${w.sent} ok=${w.ok} ` +
    `errors=${w.failed.length} achieved_rate=${achieved.toFixed(1)} ack_p50_ms=${ms(a.p50)} ` +
    `ack_p99_ms=${ms(a.p99)} ack_max_ms=${ms(a.max)} max_lag_ms=${ms(w.maxLagUs)} ` +
    `elapsed_s=${w.elapsedS.toFixed(2)}${w.firstError ? ` first_error="${w.firstError}"` : ''}`);
  process.exit(status);
}

main().catch((e) => {
  console.error(`rt_latency: ${e.stack || e.message}`);
  process.exit(1);
});
