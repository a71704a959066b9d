"""The measuring side of bench/ingest.py: each mode runs in its own process, on its own database copy."""

from __future__ import annotations

import json
import math
import os
import re
import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

from bench.common import PageQueryCounter

YEARS = 3  # the seeded reviews span the last three years


def child(spec: dict[str, Any]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trustdesk.settings")
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
    from reviews.services import sync
    from reviews.trustpilot import get_client

    domain = domain_for(spec)
    client = get_client()
    counter = PageQueryCounter()
    started = time.perf_counter()
    with counter.counting():
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

    from reviews.services import sync

    domain = domain_for(spec)
    counter = PageQueryCounter()
    tracemalloc.start()
    with counter.counting():
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
