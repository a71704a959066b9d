"""Pull benchmark: Zendesk's pull against a large backlog and in the steady state, next to the healthcheck
on the same server.

    .venv/bin/python bench/pull.py [--reviews 100000] [--database-url postgres://...]

It fills a fresh database with N reviews across 50 domains and 20 channel instances (each instance
covering some domains, every review queued for delivery) and with the steady state's 2,000 instances
(bench/steady.py), runs ANALYZE as autovacuum would after such a fill, prints EXPLAIN ANALYZE of the pull
query, serves TrustDesk with gunicorn on 127.0.0.1, then times, over real HTTP at the Zendesk accounts'
secret app addresses: pull answers of 200 resources (walking each instance's backlog with the state
cursor) and healthcheck answers, alternating, and prints medians, p99 and their ratio; SQL queries per
pull at the start, middle and end of a backlog; pulls per second with 8 concurrent clients; and the
steady state's pulls per second with 16 clients next to the healthcheck's. On PostgreSQL the database
given only hosts the bench's own, <name>_pull (bench/databases.py). Nothing here is a test.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench import databases, steady  # noqa: E402
from bench.common import ENCRYPTION_KEY, GUNICORN, SECRET_KEY, free_port, verdict, wait_for_port  # noqa: E402

DOMAINS, INSTANCES, DOMAINS_PER_INSTANCE = 50, 20, 5
SAMPLES = 300
RATIO_TARGET = 3.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reviews", type=int, default=100_000)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="trustdesk-bench-pull-"))
    given = args.database_url
    database_url = databases.scratch(given, "pull") if given else f"sqlite:///{work}/trustdesk.sqlite3"
    try:
        run(args.reviews, database_url)
    finally:
        if given:
            databases.drop(given, database_url)


def run(reviews: int, database_url: str) -> None:
    os.environ.update(
        {
            "DEBUG": "0",
            "SECRET_KEY": SECRET_KEY,
            "TRUSTDESK_ENCRYPTION_KEYS": ENCRYPTION_KEY,
            "TRUSTDESK_PUBLIC_URL": "https://trustdesk.bench.invalid",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DATABASE_URL": database_url,
            "CELERY_BROKER_URL": "",
            "DJANGO_SETTINGS_MODULE": "trustdesk.settings",
        }
    )
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    print(f"Filling the database with {reviews:,} reviews, {DOMAINS} domains, {INSTANCES} instances ...")
    started = time.perf_counter()
    metadata, paths, domains = fill(reviews)
    targets = steady.fill(domains, reviews_by_domain(domains))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"  filled in {time.perf_counter() - started:.0f}s, then ANALYZE", flush=True)
    queries = queries_per_pull(metadata[0], paths)
    explain(metadata[0])
    connection.close()  # gunicorn's workers fork from a process holding no connection
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "trustdesk.wsgi", "--bind", f"127.0.0.1:{port}", *GUNICORN,
         "--log-level", "warning"],
        cwd=ROOT,
        env=os.environ.copy(),
    )  # fmt: skip
    try:
        wait_for_port(port)
        base = f"http://127.0.0.1:{port}"
        report(reviews, base, metadata, paths, queries, database_url)
        steady.report(port, targets, verdict)
    finally:
        server.terminate()
        server.wait(timeout=30)


def fill(count: int) -> tuple[list[str], dict[str, str], list[Any]]:
    """Reviews, instances and their queued deliveries, written in bulk as ingestion would leave them; with
    the instances' metadata and the paths of pull and healthcheck at their Zendesk account's app address."""
    from django.db import transaction

    from integrations import protocol
    from integrations.app_address import keyed_path
    from integrations.metadata import metadata_for
    from integrations.models import ChannelInstance, ReviewTicketLink, ZendeskAccount
    from reviews.models import Domain, Review, TrustpilotAccount

    now = datetime.now(UTC)
    with transaction.atomic():
        account = TrustpilotAccount.objects.create(business_user_id="b" * 24, name="Bench", access_token="tpa-bench")
        domains = Domain.objects.bulk_create(
            Domain(business_unit_id=f"{n:024x}", name=f"shop{n}.example", account=account) for n in range(DOMAINS)
        )
        zendesk = ZendeskAccount.objects.create(subdomain="bench")
        instances = [
            ChannelInstance.objects.create(zendesk_account=zendesk, name=f"Trustpilot {n}", trustpilot_account=account)
            for n in range(INSTANCES)
        ]
        for n, instance in enumerate(instances):
            instance.domains.set(domains[(n * DOMAINS_PER_INSTANCE) % DOMAINS :][:DOMAINS_PER_INSTANCE])
    batch = 5000
    for start in range(0, count, batch):
        with transaction.atomic():
            rows = Review.objects.bulk_create(
                Review(
                    trustpilot_id=f"{n:024x}",
                    domain=domains[n % DOMAINS],
                    stars=1 + n % 5,
                    title=f"Review number {n}",
                    text="Delivery was quick and the support team friendly. " * 3,
                    language="en",
                    reviewer_id=f"c{n:023x}",
                    reviewer_name=f"Reviewer {n}",
                    created_at_trustpilot=now - timedelta(minutes=count - n),
                    raw={"id": f"{n:024x}"},
                )
                for n in range(start, min(start + batch, count))
            )
            queue(rows, instances, ReviewTicketLink, protocol)
    paths = {view: keyed_path(zendesk, view) for view in ("pull", "healthcheck")}
    return [metadata_for(instance) for instance in instances], paths, domains


def reviews_by_domain(domains: list[Any]) -> dict[int, list[int]]:
    from reviews.models import Review

    ids: dict[int, list[int]] = {domain.pk: [] for domain in domains}
    for pk, domain_id in Review.objects.order_by("created_at_trustpilot").values_list("pk", "domain_id"):
        ids[domain_id].append(pk)
    return ids


def explain(metadata: str) -> None:
    """The plan of a 200-resource pull in the middle of a backlog, as the database runs it."""
    from django.db import connection

    from integrations.metadata import instance_id_from
    from integrations.models import ChannelInstance
    from integrations.services.pull import pull_query

    instance = ChannelInstance.objects.get(pk=instance_id_from(metadata))
    query = pull_query(instance=instance, cursor=instance.last_sequence // 2)
    plan = query.explain(analyze=True) if connection.vendor == "postgresql" else query.explain()
    print("EXPLAIN of the pull query (200 resources, middle of a backlog):")
    print("\n".join(f"  {line}" for line in plan.splitlines()), flush=True)


def queue(rows: list[Any], instances: list[Any], link_model: Any, protocol: Any) -> None:
    from django.db.models import F

    by_domain: dict[int, list[Any]] = {}
    for row in rows:
        by_domain.setdefault(row.domain_id, []).append(row)
    for instance in instances:
        covered = [row for domain in instance.domains.all() for row in by_domain.get(domain.pk, [])]
        covered.sort(key=lambda row: row.created_at_trustpilot)
        first = type(instance).objects.values_list("last_sequence", flat=True).get(pk=instance.pk) + 1
        link_model.objects.bulk_create(
            link_model(
                instance=instance, review=row, kind="review", external_id=protocol.review_external_id(row),
                sequence=first + i,
            )
            for i, row in enumerate(covered)
        )  # fmt: skip
        type(instance).objects.filter(pk=instance.pk).update(last_sequence=F("last_sequence") + len(covered))


def queries_per_pull(metadata: str, paths: dict[str, str]) -> list[int]:
    """SQL statements of pulls at the start, the middle and the end of one instance's backlog."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from integrations.metadata import instance_id_from
    from integrations.models import ChannelInstance

    last = ChannelInstance.objects.get(pk=instance_id_from(metadata)).last_sequence
    client = Client(HTTP_HOST="127.0.0.1")
    counts = []
    for state in ("", str(last // 2), str(max(last - 200, 0))):
        with CaptureQueriesContext(connection) as captured:
            # Form-encoded, as Zendesk posts (the test client's default, multipart, is refused).
            body = urlencode({"metadata": metadata, "state": state})
            response = client.post(paths["pull"], body, content_type="application/x-www-form-urlencoded")
        assert response.status_code == 200, response.content
        counts.append(len(captured))
    return counts


def report(
    count: int, base: str, metadata: list[str], paths: dict[str, str], queries: list[int], database_url: str
) -> None:
    import requests

    session = requests.Session()
    pulls: list[float] = []
    checks: list[float] = []
    states = dict.fromkeys(metadata, "")
    resources = 0
    for i in range(SAMPLES):
        meta = metadata[i % len(metadata)]
        started = time.perf_counter()
        answer = session.post(base + paths["pull"], data={"metadata": meta, "state": states[meta]}, timeout=30)
        pulls.append(time.perf_counter() - started)
        body = answer.json()
        resources += len(body["external_resources"])
        states[meta] = body.get("state", states[meta])
        started = time.perf_counter()
        session.get(base + paths["healthcheck"], timeout=30).raise_for_status()
        checks.append(time.perf_counter() - started)
    per_second = concurrent_pulls(base + paths["pull"], metadata)

    pull_median, check_median = statistics.median(pulls), statistics.median(checks)
    print()
    print(f"TrustDesk pull benchmark: {count:,} reviews, {DOMAINS} domains, {INSTANCES} instances, over HTTP")
    engine = "PostgreSQL" if databases.is_postgres(database_url) else "SQLite"
    print(f"  database: {engine}; gunicorn {' '.join(GUNICORN)}")
    print(
        f"  pull (200 resources)  : median {pull_median * 1000:7.1f} ms, p99 {p99(pulls) * 1000:7.1f} ms "
        f"({resources / SAMPLES:.0f} resources per answer)"
    )
    print(f"  healthcheck           : median {check_median * 1000:7.1f} ms, p99 {p99(checks) * 1000:7.1f} ms")
    ratio = pull_median / check_median
    print(
        f"  pull / healthcheck    : {ratio:.1f}x median  (target <= {RATIO_TARGET:g}x)  "
        f"{verdict(ratio <= RATIO_TARGET)}"
    )
    print(
        f"  SQL queries per pull  : {queries} at the start, middle and end of a backlog "
        f"(target: constant, <= 6)  {verdict(len(set(queries)) == 1 and max(queries) <= 6)}"
    )
    print(f"  8 concurrent clients  : {per_second:.0f} pulls/s")


def p99(values: list[float]) -> float:
    return sorted(values)[min(len(values) - 1, int(len(values) * 0.99))]


def concurrent_pulls(pull_url: str, metadata: list[str], clients: int = 8, seconds: float = 10.0) -> float:
    import requests

    done = [0] * clients
    deadline = time.monotonic() + seconds

    def work(n: int) -> None:
        session = requests.Session()
        meta = metadata[n % len(metadata)]
        state = ""
        while time.monotonic() < deadline:
            body = session.post(pull_url, data={"metadata": meta, "state": state}, timeout=30).json()
            state = body.get("state", state) if body["external_resources"] else ""
            done[n] += 1

    threads = [threading.Thread(target=work, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(done) / seconds


if __name__ == "__main__":
    main()
