"""Poll Trustpilot now, for one domain or every enabled one, and print what came in."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from reviews.models import Domain
from reviews.services import sync
from reviews.services.accounts import ReauthorizationNeeded
from reviews.trustpilot.errors import TrustpilotError


class Command(BaseCommand):
    help = "Polls Trustpilot for new reviews now: one domain (--domain) or every enabled domain."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--domain", help="The domain's name, e.g. example.com")

    def handle(self, *args: Any, domain: str | None, **options: Any) -> None:
        domains = [find_domain(domain)] if domain else sync.pollable_domains()
        if not domains:
            self.stdout.write("No enabled domain with a connected Trustpilot account.")
        failures = 0
        for item in domains:
            try:
                run = sync.domain_poll(domain=item)
            except (TrustpilotError, ReauthorizationNeeded, sync.DomainNotPollable) as exc:
                failures += 1
                self.stderr.write(f"{item.name}: failed: {exc}")
                continue
            self.stdout.write(
                f"{item.name}: {run.pages_fetched} page(s), {run.reviews_seen} review(s) seen, "
                f"{run.reviews_new} new" + (f", {run.reviews_skipped} unreadable" if run.reviews_skipped else "")
            )
        if failures:
            raise CommandError(f"{failures} domain(s) failed")


def find_domain(name: str) -> Domain:
    try:
        return Domain.objects.select_related("account").get(name=name.strip().lower())
    except Domain.DoesNotExist:
        known = ", ".join(Domain.objects.values_list("name", flat=True)) or "none yet"
        raise CommandError(f"No domain named {name!r}. Known domains: {known}") from None
