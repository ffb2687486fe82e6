"""The nightly pipeline end to end on PostgreSQL + Redis with real Celery workers, once with one
worker process and once with two, on a seeded chain (default 200 stores x 500 products x 365 days).

    python bench/nightly_pipeline.py [--stores 200 --products 500 --days 365] [--keep]

Needs PostgreSQL at 127.0.0.1:5432 (user postgres) and Redis at 127.0.0.1:6379. It creates the
database `lst_bench_pipeline` (dropped first), seeds it, then for 1 and 2 worker processes
starts the workers, queues `nightly_pipeline(force_train=True)` and waits for the run to finish.
Prints the training time (its two parts, backtest and fit, run as separate tasks: in parallel with
two worker processes), each part's load / backtest / train seconds, the scoring time, the total,
and the ratio.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DB = "lst_bench_pipeline"
BROKER = "redis://127.0.0.1:6379/7"


def sh(*args: str, env: dict[str, str], quiet: bool = True) -> str:
    out = subprocess.run(
        args,
        cwd=ROOT,
        env=env,
        check=True,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    if not quiet:
        print(out.stdout.strip())
    return out.stdout


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--stores", type=int, default=200)
    ap.add_argument("--products", type=int, default=500)
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--keep", action="store_true", help="reuse the seeded database")
    args = ap.parse_args()
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DB}",
        "CELERY_BROKER_URL": BROKER,
        "PYTHONWARNINGS": "ignore",
    }
    py = sys.executable
    if not args.keep:
        sh(
            "psql",
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-q",
            "-c",
            f"DROP DATABASE IF EXISTS {DB}",
            "-c",
            f"CREATE DATABASE {DB}",
            env=env,
        )
        sh(py, "manage.py", "migrate", "-v0", env=env)
        began = time.perf_counter()
        sh(
            py,
            "manage.py",
            "seed_demo",
            "--stores",
            str(args.stores),
            "--products",
            str(args.products),
            "--days",
            str(args.days),
            "--seed",
            "1",
            "-v0",
            env=env,
        )
        print(
            f"seeded {args.stores} stores x {args.products} products x {args.days} days "
            f"in {time.perf_counter() - began:.0f}s"
        )
    sh(py, "manage.py", "migrate", "-v0", env=env)  # a kept database may predate a migration
    results = {}
    for n in args.workers:
        sh("redis-cli", "-n", "7", "flushdb", env=env)
        sh(
            py,
            "manage.py",
            "shell",
            "-c",
            "from recommendations.models import *; PurchaseSuggestion.objects.all().delete(); "
            "RunChunk.objects.all().delete(); TrainingRun.objects.all().delete()",
            env=env,
        )
        worker = subprocess.Popen(
            [
                py,
                "-m",
                "celery",
                "-A",
                "lst",
                "worker",
                "--concurrency",
                str(n),
                "--prefetch-multiplier",
                "1",
                "--without-gossip",
                "--without-mingle",
                "--loglevel",
                "WARNING",
            ],
            cwd=ROOT,
            env={**env, "RECOMMENDER_CHUNK_STORES": "10"},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            began = time.perf_counter()
            out = sh(py, "manage.py", "shell", "-c", WAIT_SCRIPT, env=env)
            total = time.perf_counter() - began
        finally:
            worker.terminate()
            worker.wait(timeout=60)
        results[n] = total
        print(f"\n{n} worker process(es): {total:.0f}s end to end\n{out.strip()}")
    if len(results) == 2:
        a, b = (results[k] for k in sorted(results))
        print(f"\nratio 2 workers / 1 worker: {b / a:.2f} (time), speed-up x{a / b:.2f}")


WAIT_SCRIPT = """
import time
from recommendations.models import TrainingRun
from recommendations.tasks import nightly_pipeline
# No result backend: the run row is the result.
nightly_pipeline.delay(force_train=True)
while not TrainingRun.objects.exists():
    time.sleep(0.5)
while True:
    run = TrainingRun.objects.get()
    if run.status != 'running':
        break
    time.sleep(1)
from django.db.models import Min
from recommendations.models import RunChunk
planned = RunChunk.objects.filter(run=run).aggregate(t=Min("created_at"))["t"]
training = (planned - run.started_at).total_seconds()
scoring = (run.finished_at - planned).total_seconds()
print(f"run {run.status}: {run.stores_done}/{run.stores_total} stores, "
      f"{run.chunks_done} chunks; training {training:.0f}s (parts, in parallel when 2 "
      f"processes: {run.timings}); scoring {scoring:.0f}s; "
      f"model v{run.model_version.version} {run.model_version.status}")
"""


if __name__ == "__main__":
    main()
