"""The dashboard's poll schedule: each domain's interval, their range, and the call budget in use per API key."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from reviews.models import RateBudgetWindow
from reviews.ratebudget import DatabaseBudget, configured_limits, configured_shares
from reviews.schedule import Priority
from reviews.services import polling
from tests import factories
from tests.test_dashboard import INDEX, figures, manager  # noqa: F401 (the fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def knobs(settings):
    settings.TRUSTPILOT_POLL_INTERVAL = 60
    settings.TRUSTPILOT_WEBHOOK_POLL_FACTOR = 10
    settings.TRUSTPILOT_RATE_LIMIT_5MIN = 833
    settings.TRUSTPILOT_RATE_LIMIT_HOUR = 10_000
    settings.TRUSTPILOT_RESERVE_PERCENT = 15
    settings.TRUSTPILOT_BACKFILL_PERCENT = 30


def test_each_domain_shows_its_effective_interval(manager):  # noqa: F811
    now = timezone.now()
    polled = factories.DomainFactory(name="polled.example")
    hooked = factories.DomainFactory(name="hooked.example", last_webhook_at=now - timedelta(minutes=5))
    refused = factories.DomainFactory(name="refused.example", access_denied_at=now)

    polls = {poll.name: poll for poll, _ in figures(manager)["polls"]}

    assert polls[polled.name].interval == 60
    assert polls[hooked.name].interval == 600
    assert polls[refused.name].interval is None
    html = manager.get(INDEX).content.decode()
    assert "10\xa0minutes" in html
    assert "not polled" in html


def test_a_domain_on_a_long_interval_is_not_overdue_before_missing_a_few_of_its_polls(manager, settings):  # noqa: F811
    settings.TRUSTPILOT_POLL_INTERVAL = 600
    now = timezone.now()
    factories.DomainFactory(name="slow.example", last_successful_poll_at=now - timedelta(minutes=25))
    factories.DomainFactory(name="stopped.example", last_successful_poll_at=now - timedelta(minutes=35))

    polls = {poll.name: poll for poll, _ in figures(manager)["polls"]}

    assert not polls["slow.example"].overdue
    assert polls["stopped.example"].overdue


def test_the_interval_range_and_the_budget_in_use_are_shown(manager, settings):  # noqa: F811
    now = timezone.now()
    factories.DomainFactory()
    factories.DomainFactory(last_webhook_at=now)
    budget = DatabaseBudget(
        api_key=settings.TRUSTPILOT_API_KEY,
        limits=configured_limits(),
        priority=Priority.BACKFILL,
        shares=configured_shares(),
    )
    for _ in range(7):
        budget.acquire()

    schedule = figures(manager)["schedule"]

    assert (schedule.domains, schedule.shortest, schedule.longest) == (2, 60, 600)
    five, hour = schedule.windows
    assert (five.seconds, five.used, five.limit, five.poll_ceiling) == (300, 7, 833, 833 - 125)
    assert (five.backfill_used, five.backfill_ceiling) == (7, 249)
    assert (hour.seconds, hour.used, hour.limit, hour.poll_ceiling) == (3600, 7, 10_000, 8500)
    html = manager.get(INDEX).content.decode()
    assert "Trustpilot call budget" in html
    assert "1\xa0minute to 10\xa0minutes for 2 domains" in html
    assert "Last 5 minutes" in html and "Last hour" in html


def test_the_budget_shows_a_digest_of_the_api_key_never_the_key(manager, settings):  # noqa: F811
    settings.TRUSTPILOT_API_KEY = "secret-api-key-value"
    index = int(time.time() * 10 // 300)
    RateBudgetWindow.objects.create(key=polling.poll_budget().key, window_seconds=300, window_index=index, count=800)

    page = manager.get(INDEX).content.decode()

    assert "secret-api-key-value" not in page
    assert polling.poll_budget().key[:8] in page
    assert figures(manager)["schedule"].windows[0].used == 800


def test_without_domains_the_schedule_says_so(manager):  # noqa: F811
    schedule = figures(manager)["schedule"]

    assert schedule.shortest is None
    assert "No domain is polled." in manager.get(INDEX).content.decode()


def test_the_domain_list_shows_each_domains_interval(manager):  # noqa: F811
    factories.DomainFactory(name="polled.example")
    factories.DomainFactory(name="hooked.example", last_webhook_at=timezone.now())
    factories.DomainFactory(name="off.example", enabled=False)

    page = manager.get("/admin/reviews/domain/")

    assert page.status_code == 200
    html = page.content.decode()
    assert "Polled every" in html
    assert "1\xa0minute" in html and "10\xa0minutes" in html
