"""Ingestion benchmark against the Trustpilot sandbox over loopback HTTP.

    .venv/bin/python bench/ingest.py [--reviews 50000] [--database-url postgres://...]

It seeds a sandbox (its own SQLite file, served by gunicorn on 127.0.0.1) with N reviews in one
business unit and 4N in another, signs in through the sandbox's OAuth pages, then runs each
measurement in a fresh process on a fresh copy of a migrated TrustDesk database:

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
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.common import (  # noqa: E402
    ENCRYPTION_KEY,
    SECRET_KEY,
    PageQueryCounter,
    free_port,
    verdict,
    wait_for_port,
)

PYTHON = sys.executable
YEARS = 3  # the seeded reviews span the last three years


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
    """Migrate a TrustDesk database and connect it to the sandbox once; children start from copies."""
    template = {"base": base, "database_url": database_url or f"sqlite:///{work}/template.sqlite3"}
    result = run_child({**template, "mode": "prepare"}, base)
    template.update(result)
    return template


def run_child(spec: dict[str, Any], base: str) -> dict[str, Any]:
    if spec["mode"] != "prepare" and not spec.get("database_url_given"):
        source = Path(spec["database_url"].removeprefix("sqlite:///"))
        copy = source.with_name(f"{spec['mode']}-{spec['unit']}.sqlite3")
        shutil.copyfile(source, copy)
        spec = {**spec, "database_url": f"sqlite:///{copy}"}
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
    given = {"database_url_given": bool(database_url)}
    units = template["units"]

    def measure(mode: str, unit: str, **extra: Any) -> dict[str, Any]:
        print(f"Running {mode} on {unit} ...", flush=True)
        return run_child({**template, **given, "mode": mode, "unit": unit, **extra}, base)

    download = measure("download", units["bench-n.example"])
    ingest = measure("ingest", units["bench-n.example"])
    backfill = measure("backfill", units["bench-n.example"])
    if database_url:
        print("(memory runs need fresh SQLite copies; skipped with --database-url)")
        memory_n = memory_4n = None
    else:
        memory_n = measure("memory", units["bench-n.example"])
        memory_4n = measure("memory", units["bench-4n.example"])

    minimum = math.ceil(n / 100)
    ratio = ingest["rate"] / download["rate"]
    print()
    print(f"TrustDesk ingestion benchmark: N = {n:,} reviews, 100 per page, sandbox on loopback")
    print(f"  database: {'PostgreSQL' if database_url.startswith('postgres') else 'SQLite'}")
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


# --- the measuring child process ---------------------------------------------------------------


def child(spec: dict[str, Any]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trustdesk.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    handlers = {
        "prepare": child_prepare,
        "download": child_download,
        "ingest": child_ingest,
        "backfill": child_backfill,
        "memory": child_memory,
    }
    print(json.dumps(handlers[spec["mode"]](spec)))


def child_prepare(spec: dict[str, Any]) -> dict[str, Any]:
    import requests
    from django.core.management import call_command

    from reviews.services.accounts import account_connect, domains_enable
    from reviews.services.signin import sign_in_discover
    from reviews.trustpilot import get_client

    call_command("migrate", verbosity=0)
    client = get_client()
    redirect_uri = "http://127.0.0.1/trustpilot/callback"  # the sandbox accepts loopback callbacks
    code = sign_in(requests.Session(), client.authorization_url(redirect_uri=redirect_uri, state="bench"))
    tokens = client.exchange_code(code=code, redirect_uri=redirect_uri)
    discovery = sign_in_discover(tokens=tokens, client=client)
    account = account_connect(user=discovery.user, tokens=tokens, connected_by="bench")
    bench_units = [unit for unit in discovery.units if unit.name.startswith("bench-")]
    domains = domains_enable(account=account, units=bench_units)
    return {"units": {domain.name: domain.business_unit_id for domain in domains}}


def sign_in(session: Any, authorize_url: str) -> str:
    """Sign in on the sandbox's page and click Allow, as a person would."""
    page = session.get(authorize_url, timeout=30)
    page.raise_for_status()
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    if csrf is None:
        raise SystemExit("the sandbox's sign-in page has no CSRF token")
    form = {
        "csrfmiddlewaretoken": csrf.group(1),
        "email": "demo@trustdesk.test",
        "password": "sandbox",
        "action": "allow",
    }
    answer = session.post(page.url, data=form, headers={"Referer": page.url}, allow_redirects=False, timeout=30)
    location = answer.headers.get("Location", "")
    code = parse_qs(urlsplit(location).query).get("code")
    if answer.status_code != 302 or not code:
        raise SystemExit(f"signing in to the sandbox failed: HTTP {answer.status_code} {location}")
    return code[0]


def domain_for(spec: dict[str, Any]) -> Any:
    from reviews.models import Domain

    return Domain.objects.select_related("account").get(business_unit_id=spec["unit"])


def child_download(spec: dict[str, Any]) -> dict[str, Any]:
    from datetime import UTC, datetime, timedelta

    from reviews.services.accounts import account_access_token
    from reviews.trustpilot import get_client

    domain = domain_for(spec)
    token = account_access_token(account=domain.account)
    client = get_client()
    start = datetime.now(UTC) - timedelta(days=366 * YEARS + 1)
    started = time.perf_counter()
    count = 0
    for page in client.review_pages(access_token=token, business_unit_id=domain.business_unit_id, start=start):
        count += len(page.reviews)
    seconds = time.perf_counter() - started
    return {"reviews": count, "seconds": seconds, "rate": count / seconds, "calls": client.calls}


def child_ingest(spec: dict[str, Any]) -> dict[str, Any]:
    from django.db import connection

    from reviews.services import sync
    from reviews.trustpilot import get_client

    domain = domain_for(spec)
    client = get_client()
    counter = PageQueryCounter()
    started = time.perf_counter()
    with connection.execute_wrapper(counter):
        run = sync.domain_poll(domain=domain, client=client)
    seconds = time.perf_counter() - started
    return {
        "reviews": run.reviews_new,
        "seconds": seconds,
        "rate": run.reviews_new / seconds,
        "calls": client.calls,
        "queries_per_page": counter.per_page(),
    }


def child_backfill(spec: dict[str, Any]) -> dict[str, Any]:
    from django.conf import settings

    from reviews.services import sync
    from reviews.trustpilot import get_client

    domain = domain_for(spec)
    client = get_client()
    run = sync.backfill_start(domain=domain, days=366 * YEARS + 1, enqueue=False)
    claimed = sync.backfill_claim(run_id=run.pk)
    assert claimed is not None
    started = time.perf_counter()
    claimed = sync.backfill_run(run=claimed, client=client)
    seconds = time.perf_counter() - started
    windows = sync.backfill_windows(claimed.period_start, claimed.period_end, settings.TRUSTPILOT_BACKFILL_WINDOW_DAYS)
    counts = unanswered_per_window(client, domain, windows)
    return {
        "reviews": claimed.reviews_seen,
        "seconds": seconds,
        "rate": claimed.reviews_seen / seconds,
        "calls": client.calls,
        "windows": len(windows),
        "minimum_calls": sum(math.ceil(count / 100) for count in counts),
    }


def unanswered_per_window(client: Any, domain: Any, windows: list[Any]) -> list[int]:
    """Count, from the database, the unanswered reviews each window holds (the backfill stored them all)."""
    from reviews.models import Review

    stored = Review.objects.filter(domain=domain, company_reply_text="")
    return [stored.filter(created_at_trustpilot__range=(w.start, w.end)).count() for w in windows]


def child_memory(spec: dict[str, Any]) -> dict[str, Any]:
    import resource
    import tracemalloc

    from django.db import connection

    from reviews.services import sync

    domain = domain_for(spec)
    counter = PageQueryCounter()
    tracemalloc.start()
    with connection.execute_wrapper(counter):
        run = sync.domain_poll(domain=domain)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "reviews": run.reviews_new,
        "peak_mb": peak / 2**20,
        "rss_mb": rss_kb / 1024,
        "queries_per_page": counter.per_page(),
    }


if __name__ == "__main__":
    main()
