"""/trustpilot/webhooks/<secret>: attacks first. Every refusal is a clear 4xx that stores and queues nothing."""

from __future__ import annotations

import io
import json
import logging

import pytest
from django.test import Client
from django.utils import timezone
from prometheus_client import REGISTRY

from integrations.trustpilot_webhooks import webhook_url
from reviews import tasks
from reviews.models import TrustpilotAccount, WebhookDelivery
from reviews.services import webhooks
from reviews.services.accounts import account_connect
from reviews.trustpilot.types import BusinessUser, TokenSet
from tests import factories
from trustdesk.log_filters import RedactAppSecrets

pytestmark = pytest.mark.django_db

REVIEW_ID = "651e9b774c1d8b0012a3b4d6"


@pytest.fixture
def queued(monkeypatch) -> list[int]:
    """Deliveries whose task was queued; nothing is read from Trustpilot."""
    ids: list[int] = []
    monkeypatch.setattr(tasks.process_webhook_delivery, "delay", ids.append)
    return ids


@pytest.fixture
def account():
    return factories.TrustpilotAccountFactory()


def path_of(account: TrustpilotAccount) -> str:
    return webhook_url(account).removeprefix("https://trustdesk.test")


def event(review_id: str = REVIEW_ID, name: str = "service-review-created", **data: object) -> dict[str, object]:
    return {"eventName": name, "version": "1", "eventData": {"id": review_id, **data}}


def post(path: str, body: object, **extra):
    data = body if isinstance(body, bytes | str) else json.dumps(body)
    return Client(enforce_csrf_checks=True).post(path, data, content_type="application/json", **extra)


def deliveries_total(outcome: str) -> float:
    return REGISTRY.get_sample_value("trustdesk_trustpilot_webhook_deliveries_total", {"outcome": outcome}) or 0.0


@pytest.mark.parametrize("secret", ["", "x", "A" * 43, "A" * 200, "..%2F..%2Fadmin", "%00", "not a secret at all"])
def test_an_unknown_or_garbled_secret_is_404_and_stores_nothing(
    account, queued, secret, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post(f"/trustpilot/webhooks/{secret}", {"events": [event()]})

    assert response.status_code == 404
    assert not WebhookDelivery.objects.exists()
    assert queued == []


def test_another_accounts_secret_never_names_this_account(queued, django_capture_on_commit_callbacks):
    mine, theirs = factories.TrustpilotAccountFactory(), factories.TrustpilotAccountFactory()
    with django_capture_on_commit_callbacks(execute=True):
        assert post(path_of(theirs), {"events": [event()]}).status_code == 200

    assert WebhookDelivery.objects.get().account == theirs
    assert not mine.webhook_deliveries.exists()


def test_a_rotated_url_is_refused_and_the_new_one_works(account, queued, django_capture_on_commit_callbacks):
    old = path_of(account)
    webhooks.webhook_secret_rotate(account=account)

    with django_capture_on_commit_callbacks(execute=True):
        assert post(old, {"events": [event()]}).status_code == 404
        assert post(path_of(account), {"events": [event()]}).status_code == 200
    assert old != path_of(account)
    assert WebhookDelivery.objects.count() == 1


@pytest.mark.parametrize(
    "status", [TrustpilotAccount.Status.DISCONNECTED, TrustpilotAccount.Status.NEEDS_REAUTHORIZATION]
)
def test_an_account_not_connected_is_404_and_nothing_is_queued(account, queued, status):
    path = path_of(account)
    TrustpilotAccount.objects.filter(pk=account.pk).update(status=status)

    response = post(path, {"events": [event()]})

    assert response.status_code == 404
    assert not WebhookDelivery.objects.exists()
    assert queued == []


@pytest.mark.parametrize("method", ["get", "put", "patch", "delete", "head", "options"])
def test_only_post_is_allowed(account, method):
    response = getattr(Client(), method)(path_of(account))

    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert not WebhookDelivery.objects.exists()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{not json", "not JSON"),
        (b"\xff\xfe\x00", "not JSON"),
        (b"", "not JSON"),
        (b"[]", '"events"'),
        (b'"events"', '"events"'),
        (b'{"events": {"eventName": "service-review-created"}}', '"events"'),
        (b'{"event": []}', '"events"'),
        (b"[" * 200_000, "not JSON"),  # deep enough to exhaust the parser's stack
        (b'{"events": [' + b"9" * 5000 + b"]}", "not JSON"),  # more digits than Python converts
    ],
)
def test_a_body_that_is_not_a_delivery_is_400_with_a_clear_message(account, queued, body, message):
    before = deliveries_total("malformed")

    response = post(path_of(account), body)

    assert response.status_code == 400
    assert message in response.json()["error"]
    assert not WebhookDelivery.objects.exists()
    assert deliveries_total("malformed") == before + 1


def test_an_oversized_body_is_413_without_being_stored(account, queued, settings):
    settings.TRUSTPILOT_WEBHOOK_MAX_BYTES = 1024
    body = json.dumps({"events": [event(text="x" * 2000)]})

    response = post(path_of(account), body)

    assert response.status_code == 413
    assert not WebhookDelivery.objects.exists()


def test_a_body_longer_than_its_content_length_claims_is_cut_and_refused(account, queued, settings):
    settings.TRUSTPILOT_WEBHOOK_MAX_BYTES = 1024
    body = json.dumps({"events": [event(text="x" * 2000)]}).encode()
    client = Client()
    request = client.post(path_of(account), body, content_type="application/json", CONTENT_LENGTH="100")

    assert request.status_code == 400  # 100 bytes read: not JSON, and the rest never read
    assert not WebhookDelivery.objects.exists()


def test_no_csrf_token_no_session_and_no_cookie_are_needed(account, queued, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = post(path_of(account), {"events": [event()]})

    assert response.status_code == 200
    assert not response.cookies
    assert queued == [WebhookDelivery.objects.get().pk]


def test_the_body_is_only_a_hint_the_ids_are_deduplicated_bounded_and_checked(
    account, queued, django_capture_on_commit_callbacks
):
    other = "751e9b774c1d8b0012a3b4d7"
    events = [
        event(REVIEW_ID),
        event(other, "service-review-updated", stars=1),
        event(REVIEW_ID, "service-review-deleted"),
        event("../../business-units/46d6a890000064000500e0c3"),  # would walk out of the review path
        event("a" * 65),
        {"eventName": "service-review-created", "eventData": {"id": 12}},
        {"eventName": "product-review-created", "eventData": {"id": "851e9b774c1d8b0012a3b4d8"}},
        {"eventName": "service-review-created"},
        "nonsense",
        None,
    ]
    with django_capture_on_commit_callbacks(execute=True):
        response = post(path_of(account), {"events": events})

    assert response.status_code == 200
    assert response.json() == {"received": len(events), "reviews": 2}
    delivery = WebhookDelivery.objects.get()
    assert delivery.reviews == [["service-review-updated", other], ["service-review-deleted", REVIEW_ID]]
    assert delivery.events == len(events)
    assert queued == [delivery.pk]


def test_a_huge_batch_reads_at_most_the_bound(account, queued, django_capture_on_commit_callbacks):
    events = [event(f"{number:024x}") for number in range(webhooks.MAX_REVIEWS_PER_DELIVERY + 50)]
    with django_capture_on_commit_callbacks(execute=True):
        assert post(path_of(account), {"events": events}).status_code == 200

    assert len(WebhookDelivery.objects.get().reviews) == webhooks.MAX_REVIEWS_PER_DELIVERY


def test_an_empty_batch_is_recorded_done_and_queues_nothing(account, queued, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert post(path_of(account), {"events": []}).status_code == 200

    assert WebhookDelivery.objects.get().status == WebhookDelivery.Status.DONE
    assert queued == []


def test_each_account_keeps_only_its_latest_deliveries_but_never_drops_a_queued_one(account, queued):
    path = path_of(account)
    for _ in range(webhooks.DELIVERIES_KEPT + 5):
        assert post(path, {"events": []}).status_code == 200
    waiting = post(path, {"events": [event()]})

    assert waiting.status_code == 200
    assert account.webhook_deliveries.count() == webhooks.DELIVERIES_KEPT
    assert account.webhook_deliveries.filter(status=WebhookDelivery.Status.QUEUED).count() == 1


def test_accepted_deliveries_are_counted_for_prometheus(account, queued):
    before = deliveries_total("accepted"), deliveries_total("unknown_url")

    post(path_of(account), {"events": [event()]})
    post("/trustpilot/webhooks/forged", {"events": [event()]})

    assert (deliveries_total("accepted"), deliveries_total("unknown_url")) == (before[0] + 1, before[1] + 1)


def test_no_log_line_holds_the_webhook_secret(account):
    """Django logs the path of every 4xx; the console handler writes it without the secret."""
    console = next(h for h in logging.getLogger().handlers if any(isinstance(f, RedactAppSecrets) for f in h.filters))
    written = io.StringIO()
    original = console.setStream(written)  # type: ignore[attr-defined]
    try:
        response = Client().get(path_of(account))
    finally:
        console.setStream(original)  # type: ignore[attr-defined]

    assert response.status_code == 405
    assert "/trustpilot/webhooks/…" in written.getvalue()
    assert account.webhook_secret.reveal() not in written.getvalue()


def test_every_account_has_a_long_random_secret_stored_encrypted_and_found_by_digest(account):
    secret = account.webhook_secret.reveal()

    assert len(secret) >= 43
    assert secret not in repr(account.webhook_secret)
    assert webhooks.account_for_webhook_secret(secret) == account
    assert webhooks.account_for_webhook_secret(secret[:-1]) is None
    raw = TrustpilotAccount.objects.filter(pk=account.pk).values_list("webhook_secret_digest", flat=True).get()
    assert len(raw) == 64
    assert secret not in raw


def test_an_account_stored_before_webhooks_gets_its_secret_when_first_shown(account):
    TrustpilotAccount.objects.filter(pk=account.pk).update(
        webhook_secret=None, webhook_secret_digest=None, webhook_secret_created_at=None
    )
    legacy = TrustpilotAccount.objects.get(pk=account.pk)

    url = webhook_url(legacy)

    assert url.startswith("https://trustdesk.test/trustpilot/webhooks/")
    assert url == webhook_url(TrustpilotAccount.objects.get(pk=account.pk))


def test_connecting_an_account_stored_before_webhooks_gives_it_a_secret(account):
    TrustpilotAccount.objects.filter(pk=account.pk).update(webhook_secret=None, webhook_secret_digest=None)
    tokens = TokenSet(
        access_token="tpa-new", refresh_token="tpr-new", access_expires_at=timezone.now(), refresh_expires_at=None
    )

    account_connect(user=BusinessUser(id=account.business_user_id, name="", email=""), tokens=tokens, connected_by="t")

    reconnected = TrustpilotAccount.objects.get(pk=account.pk)
    assert reconnected.webhook_secret is not None
    assert webhooks.account_for_webhook_secret(reconnected.webhook_secret.reveal()) == reconnected


def test_deliveries_show_on_the_metrics_endpoint(account, queued, settings):
    settings.TRUSTDESK_METRICS_TOKEN = "metrics-token-0123456789abcdef"
    settings.TRUSTDESK_METRICS_ALLOWED_IPS = []
    post(path_of(account), b"not json")

    scraped = Client().get("/metrics", HTTP_AUTHORIZATION="Bearer metrics-token-0123456789abcdef")

    assert scraped.status_code == 200
    assert 'trustdesk_trustpilot_webhook_deliveries_total{outcome="malformed"}' in scraped.content.decode()
