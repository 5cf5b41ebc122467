-- bench/wrk/common.lua — shared by every wrk script under bench/ (loaded with dofile).
--
-- Environment (set by bench/foundation.sh):
--   BENCH_TOKEN   if non-empty, every request carries "Authorization: Bearer <token>"
--
-- done() prints one machine-readable line that foundation.sh parses:
--   BENCH_RESULT requests=N duration_us=N rps=F p50_us=N p90_us=N p99_us=N mean_us=F max_us=N
--                bytes=N err_connect=N err_read=N err_write=N err_status=N err_timeout=N
-- err_status counts responses with HTTP status >= 400 (wrk's definition).

wrk.headers["Content-Type"] = "application/json"
local token = os.getenv("BENCH_TOKEN") or ""
if token ~= "" then
  wrk.headers["Authorization"] = "Bearer " .. token
end

function done(summary, latency, requests)
  local e = summary.errors
  local secs = summary.duration / 1e6
  io.write(string.format(
    "BENCH_RESULT requests=%d duration_us=%d rps=%.2f p50_us=%d p90_us=%d p99_us=%d mean_us=%.2f max_us=%d " ..
    "bytes=%d err_connect=%d err_read=%d err_write=%d err_status=%d err_timeout=%d\n",
    summary.requests, summary.duration, secs > 0 and summary.requests / secs or 0,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.mean, latency.max,
    summary.bytes, e.connect, e.read, e.write, e.status, e.timeout))
end
