"""Ingestion benchmark against the Trustpilot sandbox over loopback HTTP.

    .venv/bin/python bench/ingest.py [--reviews 50000] [--database-url postgres://...]

It seeds a sandbox (its own SQLite file, served by gunicorn on 127.0.0.1) with N reviews in one
business unit and 4N in another, signs in through the sandbox's OAuth pages, then runs each
measurement (bench/ingest_modes.py) in a fresh process on a fresh copy of a migrated TrustDesk
database (on PostgreSQL, a database made from a template next to the one given, see bench/databases.py):

- download: only fetching and parsing every page (the Trustpilot client alone);
- ingest: the real poll service, storing every review (reviews/s, Trustpilot calls, SQL per page);
- backfill: "sync unanswered reviews" over the same reviews, in date windows;
- memory: peak Python memory (tracemalloc) of ingesting N and 4N reviews.

It prints the figures and the targets; nothing here is a test, and nothing is timed in the suite.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench import databases  # noqa: E402
from bench.common import (  # noqa: E402
    ENCRYPTION_KEY,
    SECRET_KEY,
    free_port,
    verdict,
    wait_for_port,
)
from bench.ingest_modes import YEARS, child  # noqa: E402

PYTHON = sys.executable


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reviews", type=int, default=50_000, help="N (default 50,000); memory also runs 4N")
    parser.add_argument("--database-url", default="", help="TrustDesk's database (default: SQLite files)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(json.loads(args.child))
        return
    orchestrate(args.reviews, args.database_url)


# --- the orchestrating process -----------------------------------------------------------------


def orchestrate(n: int, database_url: str) -> None:
    work = Path(tempfile.mkdtemp(prefix="trustdesk-bench-"))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    sandbox_env = {
        **os.environ,
        "DEBUG": "1",
        "TRUSTDESK_SANDBOX": "1",
        "TRUSTDESK_PUBLIC_URL": base,
        "DATABASE_URL": f"sqlite:///{work}/sandbox.sqlite3",
        "CELERY_BROKER_URL": "",
    }
    print(f"Seeding the sandbox with {n:,} + {4 * n:,} reviews ...", flush=True)
    started = time.perf_counter()
    manage(sandbox_env, "migrate", "--no-input", "-v", "0")
    manage(sandbox_env, "sandbox_seed", "--reviews-per-unit", "0", "--quiet")
    for name, count in (("bench-n.example", n), ("bench-4n.example", 4 * n)):
        manage(sandbox_env, "sandbox_seed", "--business-unit", name, "--reviews", str(count), "--quiet")
    print(f"  seeded in {time.perf_counter() - started:.0f}s", flush=True)
    server = subprocess.Popen(
        [
            PYTHON,
            "-m",
            "gunicorn",
            "trustdesk.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=sandbox_env,
    )
    try:
        wait_for_port(port)
        template = prepare_trustdesk(work, base, database_url)
        report(n, base, template, database_url)
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)
        if database_url:
            name = f"{databases.database_name(database_url)}_ingest_template"
            databases.drop(database_url, databases.with_name(database_url, name))


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True)


def trustdesk_env(base: str, database_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": SECRET_KEY,
        "TRUSTDESK_ENCRYPTION_KEYS": ENCRYPTION_KEY,
        "TRUSTDESK_PUBLIC_URL": "https://trustdesk.bench.invalid",
        "TRUSTDESK_SANDBOX": "0",
        "TRUSTPILOT_API_URL": f"{base}/sandbox/trustpilot",
        "TRUSTPILOT_AUTHORIZE_URL": f"{base}/sandbox/trustpilot/authenticate",
        "TRUSTPILOT_API_KEY": "sandbox-api-key",
        "TRUSTPILOT_API_SECRET": "sandbox-api-secret",
        "TRUSTPILOT_FIRST_POLL_DAYS": str(366 * YEARS + 1),
        "TRUSTPILOT_BACKFILL_WINDOW_DAYS": "30",
        # Trustpilot's real budget (833 calls per 5 minutes) would make this a benchmark of waiting; the
        # budget's bookkeeping still runs on every call.
        "TRUSTPILOT_RATE_LIMIT_5MIN": "1000000",
        "TRUSTPILOT_RATE_LIMIT_HOUR": "10000000",
        "CELERY_BROKER_URL": "",
        "DATABASE_URL": database_url,
    }


def prepare_trustdesk(work: Path, base: str, database_url: str) -> dict[str, Any]:
    """Migrate a TrustDesk database and connect it to the sandbox once; children start from copies (on
    PostgreSQL, databases made from it as a template)."""
    if database_url:
        template_url = databases.scratch(database_url, "ingest_template")
    else:
        template_url = f"sqlite:///{work}/template.sqlite3"
    template = {"base": base, "database_url": template_url, "given": database_url}
    result = run_child({**template, "mode": "prepare"}, base)
    template.update(result)
    return template


def run_child(spec: dict[str, Any], base: str) -> dict[str, Any]:
    copy_url = ""
    if spec["mode"] != "prepare":
        suffix = f"{spec['mode']}-{spec['unit']}"
        if spec["given"]:
            template = databases.database_name(spec["database_url"])
            copy_url = databases.scratch(spec["given"], f"ingest_{suffix}".replace("-", "_"), template=template)
        else:
            source = Path(spec["database_url"].removeprefix("sqlite:///"))
            copy = source.with_name(f"{suffix}.sqlite3")
            shutil.copyfile(source, copy)
            copy_url = f"sqlite:///{copy}"
        spec = {**spec, "database_url": copy_url}
    try:
        return _run(spec, base)
    finally:
        if copy_url and spec["given"]:
            databases.drop(spec["given"], copy_url)


def _run(spec: dict[str, Any], base: str) -> dict[str, Any]:
    env = trustdesk_env(base, spec["database_url"])
    output = subprocess.run(
        [PYTHON, str(Path(__file__).resolve()), "--child", json.dumps(spec)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if output.returncode != 0:
        raise SystemExit(f"the {spec['mode']} run failed:\n{output.stderr[-4000:]}")
    return dict(json.loads(output.stdout.strip().splitlines()[-1]))


def report(n: int, base: str, template: dict[str, Any], database_url: str) -> None:
    units = template["units"]

    def measure(mode: str, unit: str, **extra: Any) -> dict[str, Any]:
        print(f"Running {mode} on {unit} ...", flush=True)
        return run_child({**template, "mode": mode, "unit": unit, **extra}, base)

    download = measure("download", units["bench-n.example"])
    ingest = measure("ingest", units["bench-n.example"])
    backfill = measure("backfill", units["bench-n.example"])
    memory_n = measure("memory", units["bench-n.example"])
    memory_4n = measure("memory", units["bench-4n.example"])

    minimum = math.ceil(n / 100)
    ratio = ingest["rate"] / download["rate"]
    print()
    print(f"TrustDesk ingestion benchmark: N = {n:,} reviews, 100 per page, sandbox on loopback")
    print(f"  database: {'PostgreSQL' if databases.is_postgres(database_url) else 'SQLite'}")
    print(
        f"  download and parse only : {download['reviews']:>9,} reviews in {download['seconds']:7.2f}s "
        f"= {download['rate']:8.0f} reviews/s"
    )
    print(
        f"  ingest (poll service)   : {ingest['reviews']:>9,} reviews in {ingest['seconds']:7.2f}s "
        f"= {ingest['rate']:8.0f} reviews/s"
    )
    print(f"  ratio ingest/download   : {ratio:.2f}   (target >= 0.50)  {verdict(ratio >= 0.5)}")
    print(
        f"  Trustpilot calls        : {ingest['calls']:,} for {ingest['reviews']:,} reviews; minimum "
        f"ceil(N/100) = {minimum:,}; allowed {minimum + 1:,} (one date window)  "
        f"{verdict(ingest['calls'] <= minimum + 1)}"
    )
    # The first page also opens the run and reads the account. A page that starts a new window of the
    # shared call budget adds up to four statements (create the window row, read the closed one).
    line = f"  SQL queries per page    : N: {page_queries(ingest)}"
    if memory_4n:
        steady, steady_4n = ingest["queries_per_page"][1:], memory_4n["queries_per_page"][1:]
        ok = statistics.median(steady_4n) == statistics.median(steady) and max(steady_4n) <= max(steady) + 4
        line += f"; 4N: {page_queries(memory_4n)}  (target: constant)  {verdict(ok)}"
    print(line)
    windows = backfill["windows"]
    backfill_minimum = backfill["minimum_calls"]
    print(
        f"  backfill (unanswered)   : {backfill['reviews']:,} reviews in {windows} windows of 30 days, "
        f"{backfill['calls']:,} calls; minimum {backfill_minimum:,}, allowed {backfill_minimum + windows:,}  "
        f"{verdict(backfill['calls'] <= backfill_minimum + windows)}  ({backfill['rate']:.0f} reviews/s)"
    )
    if memory_n and memory_4n:
        growth = memory_4n["peak_mb"] / memory_n["peak_mb"]
        print(
            f"  peak memory, N  ({memory_n['reviews']:>7,}) : {memory_n['peak_mb']:6.1f} MB (tracemalloc), "
            f"max RSS {memory_n['rss_mb']:6.1f} MB"
        )
        print(
            f"  peak memory, 4N ({memory_4n['reviews']:>7,}) : {memory_4n['peak_mb']:6.1f} MB (tracemalloc), "
            f"max RSS {memory_4n['rss_mb']:6.1f} MB"
        )
        print(
            f"  memory 4N / N           : {growth:.2f}   (target: not growing with N, < 1.25)  {verdict(growth < 1.25)}"
        )


def page_queries(result: dict[str, Any]) -> str:
    steady = result["queries_per_page"][1:] or result["queries_per_page"]
    return f"median {statistics.median(steady):g}, max {max(steady)} over {len(steady)} pages"


if __name__ == "__main__":
    main()
