"""Soak: a fixed request rate over the store app's main read endpoints for some minutes against
gunicorn with 2 workers; errors (must be none), latency percentiles per minute, and the workers'
resident memory each minute, to show it stays flat.

    .venv/bin/python bench/soak.py                        # 5 minutes at 50 requests/s
    .venv/bin/python bench/soak.py --minutes 1 --rate 20  # a quick look

The database is prepared as for bench/api_ratio.py (same --database-url, reused). Requests go
round-robin over: store profile, stock list, purchase suggestions, orders list (as the owners of
up to 5 stores, real JWTs) and catalog search (authenticated), and nearby availability
(anonymous). The load is open-loop: request i is due at start + i/rate whatever happened to the
earlier ones, and its latency is counted from when it was due, so a stalled server shows up as
latency instead of silently lowering the rate. Each client thread keeps one HTTP/1.1 connection
(http.client; gunicorn's sync workers close it after each response, and it is reopened).
Memory is VmRSS from /proc/<pid>/status of each worker.
"""

from __future__ import annotations

import argparse
import http.client
import os
import queue
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent))
import serve


@dataclass(frozen=True)
class Target:
    name: str
    path: str
    token: str | None


@dataclass
class Sample:
    minute: int
    name: str
    latency_ms: float
    ok: bool
    detail: str = ""


@dataclass
class Results:
    samples: list[Sample] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, sample: Sample) -> None:
        with self.lock:
            self.samples.append(sample)


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def client_thread(port: int, jobs: queue.Queue, results: Results, start: float) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    while True:
        job = jobs.get()
        if job is None:
            break
        due, target = job
        ok, detail = True, ""
        try:
            headers = {"Authorization": f"Bearer {target.token}"} if target.token else {}
            conn.request("GET", target.path, headers=headers)
            resp = conn.getresponse()
            body = resp.read()
            if resp.status != 200:
                ok, detail = False, f"{resp.status} {body[:120]!r}"
            if resp.getheader("Connection", "").lower() == "close":
                conn.close()
        except (OSError, http.client.HTTPException) as e:
            ok, detail = False, repr(e)
            conn.close()
        done = time.monotonic()
        results.add(Sample(int((due - start) // 60), target.name, (done - due) * 1000, ok, detail))
    conn.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--database-url", help="default: $BENCH_DATABASE_URL or lst_bench")
    ap.add_argument("--stores", type=int, default=20, help="demo chain size when seeding")
    ap.add_argument("--products", type=int, default=200)
    ap.add_argument("--days", type=int, default=180)
    ap.add_argument("--minutes", type=float, default=5.0)
    ap.add_argument("--rate", type=float, default=50.0, help="requests per second")
    ap.add_argument("--clients", type=int, default=16, help="client threads")
    ap.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    ap.add_argument("--warmup", type=int, default=200, help="requests before the clock starts")
    args = ap.parse_args()

    print(serve.machine_line())
    url = serve.database_url(args.database_url)
    serve.ensure_database(url)
    chain = serve.prepare_chain(url, stores=args.stores, products=args.products, days=args.days)
    env = serve.server_env(url)
    with serve.Gunicorn(env, workers=args.workers) as server:
        targets: list[Target] = []
        stores = chain.store_ids[:5]
        tokens = {sid: serve.login(server.port, chain.owners[sid]) for sid in stores}
        nearby = (
            f"/api/v1/nearby/?product={chain.product_id}&lat={chain.lat:.6f}"
            f"&lon={chain.lon:.6f}&radius_km=5"
        )
        for sid in stores:
            tok = tokens[sid]
            targets += [
                Target("store profile", f"/api/v1/stores/{sid}/", tok),
                Target("stock list", f"/api/v1/stores/{sid}/stock/", tok),
                Target("suggestions", f"/api/v1/stores/{sid}/suggestions/", tok),
                Target("orders list", f"/api/v1/stores/{sid}/orders/", tok),
                Target("catalog search", f"/api/v1/products/?q={quote(chain.search)}", tok),
                Target("nearby", nearby, None),
            ]
        for t in targets[:6]:
            status, body, size = serve.request(server.port, "GET", t.path, token=t.token)
            if status != 200:
                raise SystemExit(f"{t.name} {t.path}: {status} {body!r}")
            print(f"  {t.name:<15} GET {t.path} -> 200, {size} bytes")
        print(
            f"server: gunicorn {args.workers} sync workers on 127.0.0.1:{server.port}, DEBUG off; "
            f"load: {args.rate:g} requests/s for {args.minutes:g} min, open loop, "
            f"{args.clients} client threads, {len(stores)} stores' owners + anonymous nearby"
        )
        jobs: queue.Queue = queue.Queue()
        results = Results()
        warm = Results()
        threads = [
            threading.Thread(target=client_thread, args=(server.port, jobs, warm, 0.0))
            for _ in range(args.clients)
        ]
        for t in threads:
            t.start()
        for i in range(args.warmup):
            jobs.put((time.monotonic(), targets[i % len(targets)]))
        for _ in threads:
            jobs.put(None)
        for t in threads:
            t.join()
        bad_warm = [s for s in warm.samples if not s.ok]
        print(f"warm-up: {len(warm.samples)} requests, {len(bad_warm)} errors")

        start = time.monotonic() + 0.5
        threads = [
            threading.Thread(target=client_thread, args=(server.port, jobs, results, start))
            for _ in range(args.clients)
        ]
        for t in threads:
            t.start()
        total = int(args.minutes * 60 * args.rate)
        minutes = int(-(-args.minutes // 1))
        rss: list[dict[int, float]] = [server.rss_mib()]
        loads: list[float] = [os.getloadavg()[0]]
        next_sample = start + 60
        for i in range(total):
            due = start + i / args.rate
            while True:
                now = time.monotonic()
                if now >= next_sample:
                    rss.append(server.rss_mib())
                    loads.append(os.getloadavg()[0])
                    next_sample += 60
                if now >= due:
                    break
                time.sleep(min(due - now, 0.05))
            jobs.put((due, targets[i % len(targets)]))
        for _ in threads:
            jobs.put(None)
        for t in threads:
            t.join()
        while len(rss) < minutes + 1:
            rss.append(server.rss_mib())
            loads.append(os.getloadavg()[0])
        pids = sorted(rss[0])

    samples = results.samples
    print(
        f"{'minute':>6} {'requests':>8} {'errors':>6} {'p50 ms':>7} {'p90 ms':>7} {'p99 ms':>7} "
        f"{'max ms':>7}  {'worker RSS MiB (end of minute)':<32} load"
    )
    print(f"{'start':>6} {'':>8} {'':>6} {'':>7} {'':>7} {'':>7} {'':>7}  "
          f"{' '.join(f'{rss[0].get(p, 0):7.1f}' for p in pids):<32} {loads[0]:.2f}")  # fmt: skip
    for m in range(minutes):
        rows = [s for s in samples if s.minute == m]
        lat = [s.latency_ms for s in rows]
        mem = rss[m + 1] if m + 1 < len(rss) else {}
        print(
            f"{m + 1:>6} {len(rows):>8} {sum(not s.ok for s in rows):>6} {pct(lat, 50):>7.1f} "
            f"{pct(lat, 90):>7.1f} {pct(lat, 99):>7.1f} {max(lat, default=float('nan')):>7.1f}  "
            f"{' '.join(f'{mem.get(p, 0):7.1f}' for p in pids):<32} {loads[m + 1]:.2f}"
        )
    print("per endpoint over the whole soak:")
    for name in dict.fromkeys(t.name for t in targets):
        lat = [s.latency_ms for s in samples if s.name == name]
        errs = sum(not s.ok for s in samples if s.name == name)
        print(
            f"  {name:<15} {len(lat):>6} requests  p50 {pct(lat, 50):6.1f} ms  "
            f"p99 {pct(lat, 99):6.1f} ms  errors {errs}"
        )
    errors = [s for s in samples if not s.ok]
    for s in errors[:5]:
        print(f"  error: {s.name}: {s.detail}")
    elapsed = max((s.minute for s in samples), default=0) + 1
    sums = [sum(r.get(p, 0) for p in pids) for r in rss]
    # The slope is fitted over the ends of minutes 1..N: the start sample is taken before the
    # workers have served every kind of request once at full rate.
    ends = sums[1:] if len(sums) > 2 else sums
    xs = list(range(len(ends)))
    mean_x, mean_y = sum(xs) / len(xs), sum(ends) / len(ends)
    var = sum((x - mean_x) ** 2 for x in xs) or 1.0
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ends, strict=True)) / var
    first_minute, last_minute = sums[1] if len(sums) > 1 else sums[0], sums[-1]
    print(
        f"total: {len(samples)} requests in {elapsed} min "
        f"({len(samples) / (args.minutes * 60):.1f}/s), errors {len(errors)}"
    )
    print(
        f"workers' RSS (sum of {len(pids)}): start {sums[0]:.1f} MiB, end of minute 1 "
        f"{first_minute:.1f} MiB, end of last minute {last_minute:.1f} MiB "
        f"(last - first minute {last_minute - first_minute:+.1f} MiB); "
        f"least-squares slope over the minute ends {slope:+.2f} MiB/min"
    )
    print(serve.machine_line())
    if errors:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
