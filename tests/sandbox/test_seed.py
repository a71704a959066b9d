"""Demo data, bulk reviews for benchmarks, and the sandbox_seed command."""

from __future__ import annotations

import io
from collections import Counter
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from sandbox.trustpilot import seed
from sandbox.trustpilot.models import BusinessUnit, BusinessUser, Faults, Review
from tests.sandbox.helpers import reviews_url

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("sandbox_seed", *args, stdout=out)
    return out.getvalue()


def test_demo_seed_creates_the_demo_account_once():
    first = seed.demo_seed()
    second = seed.demo_seed()

    assert first.user_created and not second.user_created
    assert len(first.units_created) == 3 and second.units_created == []
    assert first.reviews_created == {"shop.example": 60, "boutique.example": 60, "outlet.example": 60}
    assert second.reviews_created == {}
    user = BusinessUser.objects.get()
    assert (user.email, user.name) == ("demo@trustdesk.test", "Demo Business")
    assert user.check_password("sandbox")
    assert sorted(BusinessUnit.objects.values_list("identifying_name", "display_name")) == [
        ("boutique.example", "Boutique Démo"),
        ("outlet.example", "Demo Outlet"),
        ("shop.example", "Demo Shop"),
    ]
    assert all(unit.users.get() == user for unit in BusinessUnit.objects.all())
    assert Review.objects.count() == 180


def test_demo_reviews_cover_what_a_demo_needs_to_show():
    now = timezone.now()
    seed.demo_seed(now=now)
    reviews = list(Review.objects.all())

    assert {review.stars for review in reviews} == {1, 2, 3, 4, 5}
    assert {review.language for review in reviews} == {"en", "fr", "de", "es", "da"}
    assert 30 <= sum(review.has_reply for review in reviews) <= 90
    assert 5 <= sum(review.updated_at is not None for review in reviews) <= 40
    assert all(review.updated_at > review.created_at for review in reviews if review.updated_at)
    assert 0 < sum(bool(review.reference_id) for review in reviews) < len(reviews)
    assert all(review.is_verified == bool(review.referral_email) for review in reviews)
    assert sum(review.created_at > now - timedelta(hours=24) for review in reviews) >= 9
    assert min(review.created_at for review in reviews) >= now - timedelta(days=120)
    texts = " ".join(f"{review.title} {review.text} {review.consumer_name}" for review in reviews)
    assert all(char in texts for char in "éüø😊")
    assert "<script>alert(1)</script>" in texts and "<b>" in texts


def test_the_boutique_is_mostly_french():
    seed.demo_seed()

    languages = Counter(
        Review.objects.filter(business_unit__identifying_name="boutique.example").values_list("language", flat=True)
    )

    assert languages.most_common(1)[0][0] == "fr"
    assert languages["fr"] > 30


def test_the_same_seed_gives_the_same_reviews():
    now = datetime(2024, 6, 1, tzinfo=UTC)
    seed.demo_seed(seed=7, now=now)
    first = sorted(Review.objects.values_list("id", "stars", "title", "created_at", "reply_text"))
    Review.objects.all().delete()

    seed.demo_seed(seed=7, now=now)

    assert sorted(Review.objects.values_list("id", "stars", "title", "created_at", "reply_text")) == first


def test_seed_reviews_bulk_creates_exactly_that_many_with_unique_ids_and_even_spread():
    unit = seed.demo_account_get_or_create().units[0]
    start, end = datetime(2024, 1, 1, tzinfo=UTC), datetime(2024, 12, 31, tzinfo=UTC)

    created = seed.seed_reviews(unit, 5000, start=start, end=end, seed=1)

    assert created == 5000
    assert Review.objects.filter(business_unit=unit).count() == 5000
    assert Review.objects.values("id").distinct().count() == 5000
    times = sorted(Review.objects.values_list("created_at", flat=True))
    assert (times[0], times[-1]) == (start, end)
    gaps = {later - earlier for earlier, later in pairwise(times)}
    assert max(gaps) - min(gaps) <= timedelta(seconds=1)


def test_seed_reviews_called_again_adds_new_reviews(demo):
    unit = demo.units[0]
    now = timezone.now()

    seed.seed_reviews(unit, 100, start=now - timedelta(days=1), end=now, seed=1)
    seed.seed_reviews(unit, 100, start=now - timedelta(days=1), end=now, seed=1)

    assert Review.objects.filter(business_unit=unit).count() == 200


def test_5000_seeded_reviews_list_page_by_page_each_exactly_once(api, unit):
    now = timezone.now()
    seed.seed_reviews(unit, 5000, start=now - timedelta(days=365), end=now, seed=3)

    seen: list[str] = []
    page = 1
    while True:
        body = api.get(reviews_url(unit.id), {"perPage": 100, "page": page, "orderBy": "createdat.asc"}).json()
        seen += [review["id"] for review in body["reviews"]]
        if not body["links"]:
            break
        page += 1

    assert page == 51
    assert len(seen) == 5000
    assert set(seen) == set(Review.objects.filter(business_unit=unit).values_list("id", flat=True))


def test_the_command_is_idempotent_and_prints_the_login():
    first = run()
    second = run()

    assert "Created business user demo@trustdesk.test" in first
    assert "Created business unit shop.example" in first
    assert "Found business user demo@trustdesk.test" in second
    assert "Demo login: demo@trustdesk.test / sandbox" in second
    assert (BusinessUser.objects.count(), BusinessUnit.objects.count(), Review.objects.count()) == (1, 3, 180)


def test_the_command_prints_the_control_header_and_token(settings):
    settings.TRUSTDESK_SANDBOX_CONTROL_TOKEN = "printed-control-token"

    out = run("--reviews-per-unit", "0")

    assert "/sandbox/trustpilot/_control/" in out
    assert "X-Sandbox-Control-Token: printed-control-token" in out


def test_the_command_adds_reviews_to_one_unit_and_sets_live_reviews():
    out = run("--reviews-per-unit", "5", "--business-unit", "Big.Example", "--reviews", "250", "--live-every", "30")

    unit = BusinessUnit.objects.get(identifying_name="big.example")
    assert unit.reviews.count() == 250
    assert unit.users.get().email == "demo@trustdesk.test"
    assert "250 reviews added" in out
    assert Faults.objects.get().new_review_every_seconds == 30
    assert Review.objects.count() == 15 + 250


def test_the_command_is_silent_when_quiet():
    assert run("--quiet", "--reviews-per-unit", "1") == ""
    assert Review.objects.count() == 3


def test_the_command_needs_reviews_with_a_business_unit():
    with pytest.raises(CommandError, match="go together"):
        run("--business-unit", "big.example")
