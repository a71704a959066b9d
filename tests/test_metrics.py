"""/metrics: off by default, guarded by a bearer token and/or client addresses, and true to the database."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from integrations.metrics import DatabaseCollector
from integrations.models import ChannelInstance
from reviews.models import Domain, RateBudgetWindow, Reply
from reviews.ratebudget import DatabaseBudget
from tests import factories
from trustdesk.metrics import api_key_label

pytestmark = pytest.mark.django_db
TOKEN = "metrics-token-0123456789abcdef"


@pytest.fixture
def metrics_on(settings):
    settings.TRUSTDESK_METRICS_TOKEN = TOKEN
    settings.TRUSTDESK_METRICS_ALLOWED_IPS = []
    settings.TRUSTPILOT_API_KEY = "tp-live-key"
    return settings


def scrape(client, token: str | None = TOKEN, **extra):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token is not None else {}
    return client.get("/metrics", **headers, **extra)


def samples(response) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    families = text_string_to_metric_families(response.content.decode())
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in families
        for sample in family.samples
    }


def value(found, name: str, **labels: str) -> float:
    return found[(name, tuple(sorted(labels.items())))]


def test_metrics_are_off_unless_configured(client, settings):
    settings.TRUSTDESK_METRICS_TOKEN = ""
    settings.TRUSTDESK_METRICS_ALLOWED_IPS = []

    assert scrape(client).status_code == 404


@pytest.mark.parametrize("token", [None, "wrong-token-0123456789abcdef", TOKEN[:-1]])
def test_a_missing_or_wrong_token_is_refused(client, metrics_on, token):
    response = scrape(client, token)

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json() == {"error": "a valid bearer token is required"}
    assert b"trustdesk_" not in response.content


def test_a_basic_authorization_is_not_a_bearer_token(client, metrics_on):
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Basic {TOKEN}")

    assert response.status_code == 401


def test_only_the_allowed_addresses_may_scrape(client, settings):
    settings.TRUSTDESK_METRICS_TOKEN = ""
    settings.TRUSTDESK_METRICS_ALLOWED_IPS = ["10.0.0.0/8", "192.0.2.7/32"]

    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="192.0.2.7").status_code == 200
    refused = client.get("/metrics", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="10.1.2.3")
    assert refused.status_code == 403
    assert refused.json() == {"error": "this address may not read the metrics"}


def test_with_both_set_a_scrape_needs_the_address_and_the_token(client, metrics_on):
    metrics_on.TRUSTDESK_METRICS_ALLOWED_IPS = ["10.0.0.0/8"]

    assert scrape(client, REMOTE_ADDR="10.1.2.3").status_code == 200
    assert scrape(client, None, REMOTE_ADDR="10.1.2.3").status_code == 401
    assert scrape(client, REMOTE_ADDR="203.0.113.9").status_code == 403


def test_a_scrape_reports_polls_backlog_replies_and_budget_from_the_database(client, metrics_on):
    now = timezone.now()
    polled = factories.DomainFactory(name="acme.example", last_successful_poll_at=now - timedelta(seconds=600))
    factories.DomainFactory(name="paused.example", enabled=False, last_successful_poll_at=now - timedelta(days=9))
    instance = factories.ChannelInstanceFactory(name="Reviews", zendesk_account__subdomain="acme")
    for _ in range(3):
        factories.ReviewTicketLinkFactory(instance=instance, review__domain=polled, sequence=_ + 1)
    factories.ReviewTicketLinkFactory(instance=instance, review__domain=polled, sequence=4, first_delivered_at=now)
    factories.ReplyFactory.create_batch(2, status=Reply.Status.PENDING)
    factories.ReplyFactory(status=Reply.Status.FAILED)
    factories.ReplyFactory(status=Reply.Status.SENT)
    key = api_key_label("tp-live-key")

    response = scrape(client)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    found = samples(response)
    age = value(
        found, "trustdesk_domain_poll_age_seconds", domain="acme.example", business_unit_id=polled.business_unit_id
    )
    assert 600 <= age < 660
    assert not [name for name, labels in found if dict(labels).get("domain") == "paused.example"]
    assert value(found, "trustdesk_poll_interval_seconds") == metrics_on.TRUSTPILOT_POLL_INTERVAL
    assert (
        value(
            found,
            "trustdesk_instance_backlog",
            subdomain="acme",
            channel_instance=str(instance.pk),
            instance_name="Reviews",
        )
        == 3
    )
    assert value(found, "trustdesk_replies", status="pending") == 2
    assert value(found, "trustdesk_replies", status="failed") == 1
    assert (
        value(found, "trustdesk_trustpilot_budget_limit", window_seconds="300") == metrics_on.TRUSTPILOT_RATE_LIMIT_5MIN
    )
    # The configured key is reported before its first call, so a budget alert has a series to watch.
    assert value(found, "trustdesk_trustpilot_budget_calls", key=key, window_seconds="3600") == 0
    assert value(found, "trustdesk_trustpilot_budget_used_ratio", key=key, window_seconds="300") == 0


def test_budget_in_use_counts_the_buckets_of_the_sliding_window(settings):
    settings.TRUSTPILOT_RATE_LIMIT_5MIN = 1000
    settings.TRUSTPILOT_RATE_LIMIT_HOUR = 10_000
    digest = DatabaseBudget(api_key="partner-key", limits=[]).key
    clock = 300.0 * 1000 + 75  # in 30 s bucket 10002 of the 5-minute limit: buckets 9992 to 10002 count
    RateBudgetWindow.objects.create(key=digest, window_seconds=300, window_index=9992, count=300)
    RateBudgetWindow.objects.create(key=digest, window_seconds=300, window_index=10002, count=620)
    RateBudgetWindow.objects.create(key=digest, window_seconds=300, window_index=9991, count=999)  # out of it
    RateBudgetWindow.objects.create(key=digest + ":backfill", window_seconds=300, window_index=10002, count=5)
    RateBudgetWindow.objects.create(key=digest, window_seconds=3600, window_index=int(clock * 10 // 3600), count=1234)

    found = {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in DatabaseCollector(clock=clock).collect()
        for sample in family.samples
    }

    key = api_key_label("partner-key")
    assert value(found, "trustdesk_trustpilot_budget_calls", key=key, window_seconds="300") == 620 + 300
    assert value(found, "trustdesk_trustpilot_budget_used_ratio", key=key, window_seconds="300") == pytest.approx(0.92)
    assert value(found, "trustdesk_trustpilot_budget_calls", key=key, window_seconds="3600") == 1234
    assert value(found, "trustdesk_trustpilot_budget_used_ratio", key=key, window_seconds="3600") == pytest.approx(
        0.1234
    )


def test_a_never_polled_domain_ages_from_when_it_was_added():
    domain = factories.DomainFactory(last_successful_poll_at=None)
    Domain.objects.filter(pk=domain.pk).update(created_at=timezone.now() - timedelta(hours=1))

    family = next(f for f in DatabaseCollector().collect() if f.name == "trustdesk_domain_poll_age_seconds")

    assert 3600 <= family.samples[0].value < 3660


def scrape_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert scrape(client).status_code == 200
    return len(queries)


def test_a_scrape_takes_the_same_few_queries_for_one_domain_or_twenty(client, metrics_on):
    instance = factories.ChannelInstanceFactory()
    factories.ReviewTicketLinkFactory(instance=instance, sequence=1)
    factories.DomainFactory()
    one = scrape_queries(client)

    for number in range(19):
        domain = factories.DomainFactory()
        other = factories.ChannelInstanceFactory()
        factories.ReviewTicketLinkFactory(instance=other, review__domain=domain, sequence=number + 1)
    twenty = scrape_queries(client)

    assert Domain.objects.count() >= 20
    assert ChannelInstance.objects.count() == 20
    assert one == twenty == 6  # polls (2 for the plan), backlog, replies, budget


def test_each_domain_reports_the_interval_the_scheduler_plans(client, metrics_on):
    metrics_on.TRUSTPILOT_WEBHOOK_POLL_FACTOR = 10
    polled = factories.DomainFactory(name="polled.example")
    hooked = factories.DomainFactory(name="hooked.example", last_webhook_at=timezone.now())

    found = samples(scrape(client))

    name = "trustdesk_domain_poll_interval_seconds"
    shortest = metrics_on.TRUSTPILOT_POLL_INTERVAL
    assert value(found, name, domain="polled.example", business_unit_id=polled.business_unit_id) == shortest
    assert value(found, name, domain="hooked.example", business_unit_id=hooked.business_unit_id) == 10 * shortest
