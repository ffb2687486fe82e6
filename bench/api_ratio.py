"""Throughput and latency of the real purchase-suggestions endpoint against a bare Django view
returning the same JSON, on the same gunicorn, with the same load generator, side by side; on a
cache hit (the rendered lines cached, the default) and on a miss (SUGGESTIONS_CACHE_SECONDS=0:
every request loads and renders every line), one server each.

    .venv/bin/python bench/api_ratio.py                       # hit and miss, 2 rounds x 20 s each
    .venv/bin/python bench/api_ratio.py --modes miss --seconds 30 --rounds 1 --connections 16

The database (BENCH_DATABASE_URL or --database-url, default lst_bench on the local server) is
created, seeded with the demo chain and scored by the recommender pipeline when it has no
pending suggestions; later runs reuse it. The server is gunicorn with 2 workers on a loopback
port, DEBUG off. `ours` is GET /api/v1/stores/<id>/suggestions/ with a real JWT of the store's
owner (login through the API); `bare` is bench/bare_urls.py, which answers the same JSON from one
indexed query with no REST framework, authentication or ORM. The load generator is wrk (Debian
package `wrk`; installed with apt-get when missing and running as root). Rounds alternate which
endpoint goes first, so drift in the machine's load falls on both.

Targets (issue 19): ours >= 0.8x bare throughput on a hit and >= 0.5x on a miss; ours p99 <= 1.5x
bare p99 (both modes).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import serve

LUA = Path(__file__).resolve().parent / "wrk_report.lua"


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("installing wrk (apt-get install -y wrk) ...")
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=False)
        if not shutil.which("wrk"):
            subprocess.run(["apt-get", "update", "-qq"], check=False)
            subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True)
        found = shutil.which("wrk")
    if not found:
        raise SystemExit("wrk is needed: apt-get install wrk")
    return found


def run_wrk(
    url: str, *, seconds: int, connections: int, threads: int, token: str
) -> dict[str, Any]:
    cmd = [
        ensure_wrk(),
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "-s",
        str(LUA),
        url,
    ]
    env = dict(os.environ, BENCH_TOKEN=token)
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=seconds + 60)
    line = next((x for x in out.stdout.splitlines() if x.startswith("WRK_JSON ")), None)
    if line is None:
        raise SystemExit(f"wrk printed no summary:\n{out.stdout}\n{out.stderr}")
    r = json.loads(line.split(" ", 1)[1])
    r["rps"] = r["requests"] / (r["duration_us"] / 1e6)
    r["errors"] = r["connect"] + r["read"] + r["write"] + r["status"] + r["timeout"]
    return r


def profile_in_process(store_id: int, token: str, repeat: int = 30) -> dict[str, tuple[int, float]]:
    """Queries and milliseconds per request inside one process (Django test client for ours, the
    view function for bare): what the server computes, without HTTP and gunicorn. `ours, cache
    off` renders every line on every request (SUGGESTIONS_CACHE_SECONDS=0)."""
    from django.db import connection
    from django.test import Client, RequestFactory
    from django.test.utils import override_settings

    from bench.bare_urls import bare_suggestions

    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    real_url = f"/api/v1/stores/{store_id}/suggestions/"
    bare_request = RequestFactory().get(f"/bench/bare/stores/{store_id}/suggestions/")

    def real() -> None:
        assert client.get(real_url).status_code == 200

    def real_uncached() -> None:
        with override_settings(SUGGESTIONS_CACHE_SECONDS=0):
            real()

    def bare() -> None:
        assert bare_suggestions(bare_request, store_id).status_code == 200

    count = [0]

    def counter(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        count[0] += 1
        return execute(sql, params, many, context)

    out = {}
    for name, call in (("ours", real), ("ours, cache off", real_uncached), ("bare", bare)):
        call()  # warm
        count[0] = 0
        with connection.execute_wrapper(counter):
            call()
        queries = count[0]
        started = time.perf_counter()
        for _ in range(repeat):
            call()
        out[name] = (queries, (time.perf_counter() - started) * 1000 / repeat)
    connection.close()
    return out


def first_difference(a: Any, b: Any, at: str = "") -> str | None:
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b)):
            found = first_difference(a.get(key), b.get(key), f"{at}.{key}")
            if found:
                return found
        return None
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return f"{at}: {len(a)} items vs {len(b)}"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            found = first_difference(x, y, f"{at}[{i}]")
            if found:
                return found
        return None
    return None if a == b else f"{at}: {a!r} vs {b!r}"


TARGETS = {"hit": 0.8, "miss": 0.5}  # throughput ours/bare, at least
P99_TARGET = 1.5  # p99 ours/bare, at most
CACHE_SECONDS = {"hit": None, "miss": "0"}  # SUGGESTIONS_CACHE_SECONDS (None: the project's)


def overall(rows: list[dict[str, Any]]) -> dict[str, float]:
    return {
        "rps": sum(r["requests"] for r in rows) / sum(r["duration_us"] / 1e6 for r in rows),
        "p50": statistics.median(r["p50_us"] for r in rows) / 1000,
        "p99": max(r["p99_us"] for r in rows) / 1000,
        "errors": sum(r["errors"] for r in rows),
        "requests": sum(r["requests"] for r in rows),
    }


def measure(
    mode: str, args: argparse.Namespace, url: str, store: int, owner: str
) -> tuple[dict[str, float], dict[str, float]]:
    """(ours, bare) over all rounds, on a server whose suggestions cache is on (hit) or off."""
    env = serve.server_env(url, settings_module="bench.bare_settings")
    if CACHE_SECONDS[mode] is not None:
        env["SUGGESTIONS_CACHE_SECONDS"] = CACHE_SECONDS[mode]
    real_path = f"/api/v1/stores/{store}/suggestions/"
    bare_path = f"/bench/bare/stores/{store}/suggestions/"
    print(f"--- cache {mode}")
    with serve.Gunicorn(env, workers=args.workers) as server:
        token = serve.login(server.port, owner)
        real_status, real_body, real_bytes = serve.request(
            server.port, "GET", real_path, token=token
        )
        bare_status, bare_body, bare_bytes = serve.request(server.port, "GET", bare_path)
        if real_status != 200 or bare_status != 200:
            raise SystemExit(
                f"not 200: ours {real_status} {str(real_body)[:200]}, "
                f"bare {bare_status} {str(bare_body)[:200]}"
            )
        diff = first_difference(real_body, bare_body)
        if diff:
            raise SystemExit(f"the bare view's JSON differs from the endpoint's: {diff}")
        n_lines = len(real_body["lines"])  # type: ignore[index]
        print(
            f"endpoint: GET {real_path} as {owner} (owner, JWT from /api/v1/auth/token/): "
            f"{n_lines} suggestion lines, {real_bytes} bytes; bare: GET {bare_path}, "
            f"same JSON ({bare_bytes} bytes)"
        )
        print(
            f"server: gunicorn {args.workers} sync workers on 127.0.0.1:{server.port}, DEBUG off, "
            f"SUGGESTIONS_CACHE_SECONDS={env.get('SUGGESTIONS_CACHE_SECONDS', 'default (600)')}, "
            f"throttles on at unreachable rates; load: wrk {args.threads} threads, "
            f"{args.connections} connections, {args.seconds} s per endpoint and round after "
            f"{args.warmup} s warm-up each, {args.rounds} rounds alternating the order"
        )
        targets = {"ours": (server.base + real_path, token), "bare": (server.base + bare_path, "")}
        for target, tok in targets.values():
            run_wrk(target, seconds=args.warmup, connections=args.connections,
                    threads=args.threads, token=tok)  # fmt: skip
        results: dict[str, list[dict[str, Any]]] = {"ours": [], "bare": []}
        print(f"{'round':>5}  {'endpoint':<8} {'req/s':>8} {'p50 ms':>8} {'p90 ms':>8} "
              f"{'p99 ms':>8} {'max ms':>8} {'errors':>6}  load avg")  # fmt: skip
        for rnd in range(1, args.rounds + 1):
            order = ["bare", "ours"] if rnd % 2 else ["ours", "bare"]
            for name in order:
                target, tok = targets[name]
                r = run_wrk(target, seconds=args.seconds, connections=args.connections,
                            threads=args.threads, token=tok)  # fmt: skip
                results[name].append(r)
                print(
                    f"{rnd:>5}  {name:<8} {r['rps']:>8.1f} {r['p50_us'] / 1000:>8.1f} "
                    f"{r['p90_us'] / 1000:>8.1f} {r['p99_us'] / 1000:>8.1f} "
                    f"{r['max_us'] / 1000:>8.1f} {r['errors']:>6}  {os.getloadavg()[0]:.2f}"
                )
    ours, bare = overall(results["ours"]), overall(results["bare"])
    print("overall (req/s over all rounds, median p50, worst p99):")
    for name, o in (("bare", bare), ("ours", ours)):
        print(
            f"  {name:<5} {o['rps']:8.1f} req/s  p50 {o['p50']:7.1f} ms  p99 {o['p99']:7.1f} ms  "
            f"errors {o['errors']} of {o['requests']} requests"
        )
    return ours, bare


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--database-url", help="default: $BENCH_DATABASE_URL or lst_bench")
    ap.add_argument("--stores", type=int, default=20, help="demo chain size when seeding")
    ap.add_argument("--products", type=int, default=200)
    ap.add_argument("--days", type=int, default=180)
    ap.add_argument("--seconds", type=int, default=20, help="per endpoint and round")
    ap.add_argument("--warmup", type=int, default=5, help="seconds per endpoint, not counted")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--connections", type=int, default=8)
    ap.add_argument("--threads", type=int, default=2, help="wrk threads")
    ap.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    ap.add_argument(
        "--modes",
        default="hit,miss",
        help="hit (the rendered lines cached), miss (SUGGESTIONS_CACHE_SECONDS=0), or both",
    )
    args = ap.parse_args()
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    if not modes or set(modes) - set(TARGETS):
        raise SystemExit("--modes: hit, miss or hit,miss")

    ensure_wrk()
    print(serve.machine_line())
    url = serve.database_url(args.database_url)
    serve.ensure_database(url)
    chain = serve.prepare_chain(url, stores=args.stores, products=args.products, days=args.days)
    store = chain.store_ids[0]
    owner = chain.owners[store]
    from django.contrib.auth import get_user_model

    from lst.api.tokens import RefreshToken

    token = str(RefreshToken.for_user(get_user_model().objects.get(username=owner)).access_token)
    prof = profile_in_process(store, token)
    print(
        "in-process, per request: "
        + "; ".join(f"{k} {q} queries, {ms:.2f} ms" for k, (q, ms) in prof.items())
    )
    measured = {mode: measure(mode, args, url, store, owner) for mode in modes}

    print("ratios (ours/bare):")
    for mode, (ours, bare) in measured.items():
        throughput = ours["rps"] / bare["rps"]
        p99 = ours["p99"] / bare["p99"]
        target = TARGETS[mode]
        print(
            f"  cache {mode:<4} throughput {throughput:.2f} (target >= {target}: "
            f"{'met' if throughput >= target else 'MISSED'}); p99 {p99:.2f} (target <= "
            f"{P99_TARGET}: {'met' if p99 <= P99_TARGET else 'MISSED'}); p50 "
            f"{ours['p50'] / bare['p50']:.2f}; errors {ours['errors'] + bare['errors']}"
        )
    print(serve.machine_line())


if __name__ == "__main__":
    main()
