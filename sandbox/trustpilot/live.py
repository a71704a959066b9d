"""New reviews that "arrive" while a demo runs, one per interval since the unit's newest review."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from django.db.models import Max
from django.utils import timezone

from sandbox.trustpilot.models import BusinessUnit, Review
from sandbox.trustpilot.seed_content import build_review, derived_id
from sandbox.trustpilot.webhooks import CREATED, reviews_announce

MAX_ARRIVALS = 50


def live_reviews_arrive(unit: BusinessUnit, *, every_seconds: int, now: datetime | None = None) -> int:
    """Create the reviews due since the newest one (at most the latest 50); returns how many were due.

    Ids and content derive from the unit and the arrival time, so two processes listing at once
    insert the same rows and the second insert is ignored instead of duplicating them.
    """
    if every_seconds <= 0:
        return 0
    now = now or timezone.now()
    newest = Review.objects.filter(business_unit=unit).aggregate(newest=Max("created_at"))["newest"]
    if newest is None:
        arrivals = [now.replace(microsecond=0)]
    else:
        due = int((now - newest).total_seconds() // every_seconds)
        first = max(1, due - MAX_ARRIVALS + 1)
        arrivals = [newest + timedelta(seconds=every_seconds * step) for step in range(first, due + 1)]
    reviews = [
        build_review(
            random.Random(f"live/{unit.id}/{arrival.isoformat()}"),  # noqa: S311 (repeatable demo content)
            unit=unit,
            review_id=derived_id("live", unit.id, arrival.isoformat()),
            created_at=arrival,
            now=arrival,
        )
        for arrival in arrivals
    ]
    known = set(Review.objects.filter(pk__in=[review.id for review in reviews]).values_list("pk", flat=True))
    Review.objects.bulk_create(reviews, ignore_conflicts=True)
    # Two processes listing at once may both announce a review: Trustpilot's delivery is not exactly-once either.
    reviews_announce(CREATED, [review for review in reviews if review.id not in known])
    return len(reviews)
