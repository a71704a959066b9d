"""Write a review in the Trustpilot sandbox, as a consumer would, and send its webhook (sandbox only)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from sandbox.trustpilot import webhooks, writing
from sandbox.trustpilot.errors import ApiError
from sandbox.trustpilot.models import BusinessUnit


class Command(BaseCommand):
    help = "Writes a review of a sandbox business unit and sends service-review-created to its webhook URLs."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("domain", help="The business unit's domain, e.g. shop.example, or its id.")
        parser.add_argument("--stars", type=int, help="1 to 5; made up if left out.")
        parser.add_argument("--title")
        parser.add_argument("--text")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.TRUSTDESK_SANDBOX:
            raise CommandError("TRUSTDESK_SANDBOX is off: the Trustpilot sandbox is not running.")
        name = options["domain"]
        unit = (
            BusinessUnit.objects.filter(identifying_name=name).first() or BusinessUnit.objects.filter(pk=name).first()
        )
        if unit is None:
            raise CommandError(f"No sandbox business unit {name!r}; run manage.py sandbox_seed first.")
        given = {key: options[key] for key in writing.CONTENT if options[key] is not None}
        try:
            review = writing.review_write(unit, **writing.content_parse(given))
        except ApiError as exc:
            raise CommandError(exc.message) from exc
        sent = webhooks.webhooks_flush(timeout=webhooks.SEND_TIMEOUT * 2)
        self.stdout.write(
            f"Wrote {review.stars}★ review {review.id} of {unit}"
            + ("; its webhook was sent." if sent else "; its webhook is still being sent.")
        )
