"""The steady state that sizes a deployment: Zendesk pulls every instance about every two minutes and most
pulls find nothing.

ACCOUNTS Zendesk accounts with one instance each share the backlog's domains and reviews. Each instance
has HISTORY resources delivered already and FRESH queued after them. The mix is 95% empty pulls (state at
the instance's newest resource) and 5% pulls that deliver the FRESH resources of an instance not pulled
that way yet, so each of them also marks its resources delivered, as a real one does. Clients speak
HTTP/1.1 with keep-alive through http.client, which costs the bench's own process less than requests.
"""

from __future__ import annotations

import http.client
import itertools
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

ACCOUNTS, HISTORY, FRESH = 2000, 25, 20
BUSY_EVERY = 20  # one pull in 20 finds resources
CLIENTS, SECONDS = 16, 15.0
PULL_INTERVAL_SECONDS = 120  # Zendesk's pull period (docs/zendesk.md §3)


@dataclass(frozen=True)
class Target:
    pull_path: str
    healthcheck_path: str
    metadata: str
    last: int


def fill(domains: list[Any], reviews_by_domain: dict[int, list[int]]) -> list[Target]:
    from django.db import transaction

    from integrations import protocol
    from integrations.app_address import keyed_path
    from integrations.metadata import metadata_for
    from integrations.models import ChannelInstance, ReviewTicketLink, ZendeskAccount
    from reviews.models import Review

    now = datetime.now(UTC)
    accounts = []
    for n in range(ACCOUNTS):
        account = ZendeskAccount(subdomain=f"steady{n}")
        account.url_secret_replace()
        accounts.append(account)
    trustpilot = domains[0].account
    targets = []
    with transaction.atomic():
        accounts = ZendeskAccount.objects.bulk_create(accounts)
        instances = ChannelInstance.objects.bulk_create(
            ChannelInstance(
                zendesk_account=account, name=account.subdomain, trustpilot_account=trustpilot,
                last_sequence=HISTORY + FRESH,
            )
            for account in accounts
        )  # fmt: skip
        through = ChannelInstance.domains.through
        through.objects.bulk_create(
            through(channelinstance_id=instance.pk, domain_id=domains[n % len(domains)].pk)
            for n, instance in enumerate(instances)
        )
        trustpilot_ids = dict(Review.objects.values_list("pk", "trustpilot_id"))
        links = []
        for n, instance in enumerate(instances):
            review_ids = reviews_by_domain[domains[n % len(domains)].pk][: HISTORY + FRESH]
            for i, review_id in enumerate(review_ids):
                links.append(
                    ReviewTicketLink(
                        instance=instance, review_id=review_id, kind="review",
                        external_id=protocol.review_external_id(_Review(trustpilot_ids[review_id])),
                        sequence=i + 1, first_delivered_at=now if i < HISTORY else None,
                    )
                )  # fmt: skip
        ReviewTicketLink.objects.bulk_create(links, batch_size=5000)
    for account, instance in zip(accounts, instances, strict=True):
        targets.append(
            Target(
                pull_path=keyed_path(account, "pull"),
                healthcheck_path=keyed_path(account, "healthcheck"),
                metadata=metadata_for(instance),
                last=HISTORY + FRESH,
            )
        )
    return targets


@dataclass(frozen=True)
class _Review:
    trustpilot_id: str


class Load:
    """CLIENTS threads, each on its own keep-alive connection, taking requests from one shared schedule."""

    def __init__(self, port: int, make_request: Any) -> None:
        self.port = port
        self.make_request = make_request
        self.schedule = itertools.count()
        self.failures: list[str] = []

    def run(self, seconds: float = SECONDS) -> float:
        done = [0] * CLIENTS
        deadline = time.monotonic() + seconds

        def work(client: int) -> None:
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            while time.monotonic() < deadline:
                method, path, body = self.make_request(next(self.schedule))
                headers = {"Content-Type": "application/x-www-form-urlencoded"} if body else {}
                try:
                    connection.request(method, path, body=body, headers=headers)
                    answer = connection.getresponse()
                    answer.read()
                except (http.client.HTTPException, OSError) as exc:
                    connection.close()
                    self.failures.append(repr(exc))
                    continue
                if answer.status != 200:
                    self.failures.append(f"{method} answered {answer.status}")
                done[client] += 1
            connection.close()

        started = time.monotonic()
        threads = [threading.Thread(target=work, args=(n,)) for n in range(CLIENTS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return sum(done) / (time.monotonic() - started)


def pull_mix(targets: list[Target]) -> Any:
    """The n-th request of the mix: every BUSY_EVERY-th delivers an instance's fresh resources."""
    stride = 7919  # a prime: empty pulls visit every instance, in an order unrelated to the busy ones

    def request(n: int) -> tuple[str, str, str]:
        if n % BUSY_EVERY == 0:
            target, state = targets[(n // BUSY_EVERY) % len(targets)], HISTORY
        else:
            target = targets[(n * stride) % len(targets)]
            state = target.last
        return "POST", target.pull_path, urlencode({"metadata": target.metadata, "state": str(state)})

    return request


def healthchecks(targets: list[Target]) -> Any:
    def request(n: int) -> tuple[str, str, str]:
        return "GET", targets[(n * 7919) % len(targets)].healthcheck_path, ""

    return request


def report(port: int, targets: list[Target], verdict: Any) -> None:
    check_load = Load(port, healthchecks(targets))
    checks = check_load.run()
    pull_load = Load(port, pull_mix(targets))
    pulls = pull_load.run()
    failures = pull_load.failures + check_load.failures
    busy = sum(1 for n in range(next(pull_load.schedule)) if n % BUSY_EVERY == 0)
    print(
        f"  steady state, {CLIENTS} clients: {ACCOUNTS:,} instances, {100 - 100 // BUSY_EVERY}% empty pulls, "
        f"{100 // BUSY_EVERY}% with {FRESH} resources ({busy} of them)"
    )
    print(f"    healthcheck         : {checks:6.0f} requests/s")
    print(
        f"    pulls               : {pulls:6.0f} pulls/s (target >= 300)  {verdict(pulls >= 300)}; "
        f"{pulls / checks:.2f}x the healthcheck's rate"
    )
    print(
        f"    instances per box   : {pulls * PULL_INTERVAL_SECONDS:,.0f} at one pull each "
        f"{PULL_INTERVAL_SECONDS // 60} minutes"
    )
    if failures:
        print(f"    failed requests     : {len(failures)}, e.g. {failures[0]}")
