"""Fill the Trustpilot sandbox with demo data; safe to run again (nothing is duplicated)."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from sandbox.control import CONTROL_HEADER
from sandbox.trustpilot import faults, seed


class Command(BaseCommand):
    help = (
        "Creates the sandbox's demo business user and business units with reviews, once. "
        "--business-unit NAME --reviews N adds N reviews to one unit, e.g. for a benchmark."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--reviews-per-unit", type=int, default=60, metavar="N")
        parser.add_argument("--live-every", type=int, metavar="SECONDS", help="A new review every SECONDS; 0 = off.")
        parser.add_argument("--business-unit", metavar="NAME", help="Identifying name, e.g. big.example")
        parser.add_argument("--reviews", type=int, metavar="N", help="How many reviews to add to --business-unit.")
        parser.add_argument("--days", type=int, default=365, help="Spread added reviews over this many days.")
        parser.add_argument("--seed", type=int, default=seed.DEFAULT_SEED)
        parser.add_argument("--quiet", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        if (options["business_unit"] is None) != (options["reviews"] is None):
            raise CommandError("--business-unit and --reviews go together.")
        if options["reviews_per_unit"] < 0 or (options["reviews"] or 0) < 0:
            raise CommandError("Review counts cannot be negative.")
        quiet: bool = options["quiet"]
        account = seed.demo_seed(reviews_per_unit=options["reviews_per_unit"], seed=options["seed"])
        if not quiet:
            self.report(account)
        if options["business_unit"]:
            self.add_reviews(
                account,
                options["business_unit"],
                options["reviews"],
                days=options["days"],
                seed_value=options["seed"],
                quiet=quiet,
            )
        if options["live_every"] is not None:
            every = max(0, options["live_every"])
            faults.faults_set(new_review_every_seconds=every)
            if not quiet:
                self.stdout.write(
                    f"New reviews arrive every {every}s while reviews are listed." if every else "New reviews: off."
                )
        if not quiet:
            self.stdout.write(self.style.SUCCESS(f"Demo login: {seed.DEMO_EMAIL} / {seed.DEMO_PASSWORD}"))
            self.stdout.write(
                f"Control endpoints ({settings.SANDBOX_URL}/_control/...) need the header "
                f"{CONTROL_HEADER}: {settings.TRUSTDESK_SANDBOX_CONTROL_TOKEN}"
            )
            if not settings.TRUSTDESK_SANDBOX:
                self.stdout.write(self.style.WARNING("TRUSTDESK_SANDBOX is off: set it to 1 to serve the sandbox."))

    def report(self, account: seed.DemoAccount) -> None:
        user_state = "Created" if account.user_created else "Found"
        self.stdout.write(f"{user_state} business user {account.user.email} ({account.user.id})")
        for unit in account.units:
            state = "Created" if unit in account.units_created else "Found"
            added = account.reviews_created.get(unit.identifying_name, 0)
            self.stdout.write(f"{state} business unit {unit.identifying_name} ({unit.id}), {added} reviews added")

    def add_reviews(
        self, account: seed.DemoAccount, name: str, count: int, *, days: int, seed_value: int, quiet: bool
    ) -> None:
        unit, created = seed.business_unit_get_or_create(name.strip().lower(), user=account.user)
        end = timezone.now()
        began = time.monotonic()
        added = seed.seed_reviews(unit, count, start=end - timedelta(days=days), end=end, seed=seed_value)
        if not quiet:
            state = "Created" if created else "Found"
            self.stdout.write(
                f"{state} business unit {unit.identifying_name} ({unit.id}): "
                f"{added} reviews added in {time.monotonic() - began:.1f}s"
            )
