"""Demo data for the sandbox, deterministic for a given seed, and bulk reviews for benchmarks."""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import islice

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

from sandbox.trustpilot.models import BusinessUnit, BusinessUser, Review
from sandbox.trustpilot.seed_content import DEFAULT_LANGUAGE_WEIGHTS, build_review, derived_id

DEMO_EMAIL = "demo@trustdesk.test"
DEMO_PASSWORD = "sandbox"  # noqa: S105 (the documented demo login of a fake)
DEMO_NAME = "Demo Business"
DEFAULT_SEED = 20240131
BATCH_SIZE = 5000
ANALYZE_FROM = 10_000
DEMO_PERIOD = timedelta(days=120)
RECENT = 3  # demo reviews in the last 24 hours, so a first sync finds something new


@dataclass(frozen=True)
class DemoUnit:
    identifying_name: str
    display_name: str
    country: str
    languages: Sequence[tuple[str, int]]


DEMO_UNITS = (
    DemoUnit("shop.example", "Demo Shop", "GB", (("en", 88), ("fr", 3), ("de", 3), ("es", 3), ("da", 3))),
    DemoUnit("boutique.example", "Boutique Démo", "FR", (("fr", 75), ("en", 10), ("de", 5), ("es", 5), ("da", 5))),
    DemoUnit("outlet.example", "Demo Outlet", "DK", DEFAULT_LANGUAGE_WEIGHTS),
)


@dataclass
class DemoAccount:
    user: BusinessUser
    units: list[BusinessUnit]
    user_created: bool = False
    units_created: list[BusinessUnit] = field(default_factory=list)
    reviews_created: dict[str, int] = field(default_factory=dict)


def demo_account_get_or_create() -> DemoAccount:
    """The demo business user and its three business units, created the first time only."""
    user = BusinessUser.objects.filter(email=DEMO_EMAIL).first()
    user_created = user is None
    if user is None:
        user = BusinessUser.objects.create(
            id=derived_id("user", DEMO_EMAIL), email=DEMO_EMAIL, name=DEMO_NAME, password=make_password(DEMO_PASSWORD)
        )
    account = DemoAccount(user=user, units=[], user_created=user_created)
    for demo in DEMO_UNITS:
        unit, created = business_unit_get_or_create(
            demo.identifying_name, user=user, display_name=demo.display_name, country=demo.country
        )
        account.units.append(unit)
        if created:
            account.units_created.append(unit)
    return account


def business_unit_get_or_create(
    identifying_name: str, *, user: BusinessUser, display_name: str = "", country: str = "GB"
) -> tuple[BusinessUnit, bool]:
    """A business unit the user can access; an existing one only gains the user."""
    unit, created = BusinessUnit.objects.get_or_create(
        identifying_name=identifying_name,
        defaults={
            "id": derived_id("unit", identifying_name),
            "display_name": display_name or identifying_name,
            "website_url": f"https://{identifying_name}",
            "country": country,
        },
    )
    unit.users.add(user)
    return unit, created


@transaction.atomic
def demo_seed(*, reviews_per_unit: int = 60, seed: int = DEFAULT_SEED, now: datetime | None = None) -> DemoAccount:
    """The demo account, with `reviews_per_unit` reviews in each unit that has none yet. Safe to run again."""
    now = (now or timezone.now()).replace(microsecond=0)
    account = demo_account_get_or_create()
    for demo, unit in zip(DEMO_UNITS, account.units, strict=True):
        if reviews_per_unit and not unit.reviews.exists():
            rng = random.Random(f"{seed}/{unit.identifying_name}")  # noqa: S311 (repeatable demo content)
            times = _demo_times(rng, reviews_per_unit, now)
            reviews = (
                build_review(
                    rng,
                    unit=unit,
                    review_id=derived_id("demo", seed, unit.identifying_name, index),
                    created_at=created_at,
                    now=now,
                    index=index,
                    languages=demo.languages,
                    reply_author=account.user,
                )
                for index, created_at in enumerate(times)
            )
            account.reviews_created[unit.identifying_name] = _insert(reviews)
    return account


def seed_reviews(business_unit: BusinessUnit, count: int, *, start: datetime, end: datetime, seed: int) -> int:
    """Bulk-create `count` reviews with createdAt evenly spread from `start` to `end` (both included).

    Ids derive from the unit, the seed and the position after the reviews already there, so calling
    again adds new reviews instead of colliding with the earlier ones.
    """
    if count <= 0:
        return 0
    now = timezone.now()
    first_index = Review.objects.filter(business_unit=business_unit).count()
    author = business_unit.users.order_by("created_at").first()
    rng = random.Random(f"{seed}/{business_unit.id}/{first_index}")  # noqa: S311 (repeatable demo content)
    span, last = end - start, max(count - 1, 1)
    reviews = (
        build_review(
            rng,
            unit=business_unit,
            review_id=derived_id("bulk", business_unit.id, seed, first_index + position),
            created_at=(start + span * position / last).replace(microsecond=0),
            now=now,
            index=first_index + position,
            reply_author=author,
        )
        for position in range(count)
    )
    with transaction.atomic():
        created = _insert(reviews)
    if created >= ANALYZE_FROM:
        # Fresh statistics, or PostgreSQL plans the first listings as for a tiny table (seq scan and sort)
        # until autovacuum gets to it.
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(Review._meta.db_table)}")
    return created


def _demo_times(rng: random.Random, count: int, now: datetime) -> list[datetime]:
    recent = min(RECENT, count)
    older = [now - DEMO_PERIOD + (DEMO_PERIOD - timedelta(days=1)) * rng.random() for _ in range(count - recent)]
    newer = [now - timedelta(hours=rng.uniform(1, 23)) for _ in range(recent)]
    return sorted(moment.replace(microsecond=0) for moment in older + newer)


def _insert(reviews: Iterator[Review]) -> int:
    created = 0
    while batch := list(islice(reviews, BATCH_SIZE)):
        Review.objects.bulk_create(batch, batch_size=BATCH_SIZE)
        created += len(batch)
    return created
