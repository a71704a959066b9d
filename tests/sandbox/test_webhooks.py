"""The sandbox sends Trustpilot's service-review webhooks (docs/trustpilot.md §4.7) to a real loopback receiver,
and its control endpoints set the subscriptions and write, edit and delete reviews."""

from __future__ import annotations

import logging
import time
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client

from sandbox.control import control_headers
from sandbox.trustpilot import faults, webhooks
from sandbox.trustpilot.live import live_reviews_arrive
from sandbox.trustpilot.models import Review, WebhookSubscription
from tests.sandbox.webhook_receiver import receiver  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db(transaction=True)

BASE = "/sandbox/trustpilot"
EVENT_DATA_KEYS = {
    "id", "language", "title", "text", "referenceId", "stars", "createdAt", "isVerified", "locationId", "link",
    "consumer", "tags",
}  # fmt: skip


def control(method: str, path: str, body: object = None, *, token: bool = True):
    headers = control_headers() if token else {}
    return getattr(Client(), method)(f"{BASE}/_control/{path}", body, content_type="application/json", headers=headers)


@pytest.fixture
def subscribed(unit, receiver):  # noqa: F811 (the fixture)
    assert control("put", "webhooks", {"business_unit_id": unit.id, "urls": [receiver.url]}).status_code == 200
    return receiver


def write(unit, **content):
    response = control("post", "reviews", {"business_unit_id": unit.id, **content})
    assert response.status_code == 201, response.content
    return response.json()


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", "webhooks"), ("put", "webhooks"), ("post", "reviews"), ("patch", "reviews/x"), ("delete", "reviews/x")],
)
def test_every_control_needs_the_control_token(unit, method, path):
    response = control(method, path, {"business_unit_id": unit.id, "urls": []}, token=False)

    assert response.status_code == 403
    assert not Review.objects.exists()
    assert not WebhookSubscription.objects.exists()


def test_subscriptions_are_set_per_unit_and_listed(demo, receiver):  # noqa: F811
    first, second = demo.units[0], demo.units[1]
    put = control("put", "webhooks", {"business_unit_id": first.id, "urls": [receiver.url, receiver.url + "2"]})
    control("put", "webhooks", {"business_unit_id": second.id, "urls": [receiver.url]})
    control("put", "webhooks", {"business_unit_id": first.id, "urls": [receiver.url + "2"]})

    assert put.json() == {
        "subscriptions": [
            {"business_unit_id": first.id, "url": receiver.url},
            {"business_unit_id": first.id, "url": receiver.url + "2"},
        ]
    }
    listed = control("get", "webhooks").json()["subscriptions"]
    assert sorted((s["business_unit_id"], s["url"]) for s in listed) == sorted(
        [(first.id, receiver.url + "2"), (second.id, receiver.url)]
    )


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"business_unit_id": "nope", "urls": []}, 404),
        ({"business_unit_id": 5, "urls": []}, 400),
        ({"business_unit_id": None, "urls": []}, 400),
        ({"urls": "http://x"}, 400),
        ({"urls": ["ftp://x"]}, 400),
        ({"urls": [12]}, 400),
    ],
)
def test_bad_subscriptions_are_refused(unit, body, status):
    body = {"business_unit_id": unit.id, **body}

    assert control("put", "webhooks", body).status_code == status
    assert not WebhookSubscription.objects.exists()


@pytest.mark.parametrize(
    "content",
    [{"stars": 0}, {"stars": 6}, {"stars": "5"}, {"stars": True}, {"title": 5}, {"text": "x" * 10_001}, {"x": 1}],
)
def test_a_bad_review_is_refused_and_nothing_is_sent(unit, subscribed, content):
    response = control("post", "reviews", {"business_unit_id": unit.id, **content})

    assert response.status_code == 400
    assert not Review.objects.exists()
    assert webhooks.webhooks_flush()
    assert subscribed.posts == []


def test_a_written_review_is_sent_as_service_review_created(unit, subscribed):
    written = write(unit, stars=2, title="Late", text="Two weeks <b>late</b>")

    (post,) = subscribed.wait_for(1)
    assert post["path"] == "/hooks/secret-part"
    assert post["content_type"] == "application/json"
    (event,) = post["body"]["events"]
    assert (event["eventName"], event["version"]) == ("service-review-created", "1")
    data = event["eventData"]
    assert set(data) == EVENT_DATA_KEYS
    assert (data["id"], data["stars"], data["title"], data["text"]) == (
        written["id"],
        2,
        "Late",
        "Two weeks <b>late</b>",
    )
    assert data["createdAt"] == written["createdAt"]
    assert set(data["consumer"]) == {"id", "name", "link"}
    assert Review.objects.get(pk=written["id"]).business_unit == unit


def test_an_edit_and_a_deletion_are_sent_and_the_deleted_review_is_gone(unit, subscribed, api):
    written = write(unit, stars=5)

    edited = control("patch", f"reviews/{written['id']}", {"stars": 1, "text": "Broke."})
    deleted = control("delete", f"reviews/{written['id']}")

    assert (edited.status_code, edited.json()["stars"], edited.json()["updatedAt"] is not None) == (200, 1, True)
    assert (deleted.status_code, deleted.json()["removed"]) == (200, True)
    posts = subscribed.wait_for(3)
    names = [post["body"]["events"][0]["eventName"] for post in posts]
    assert names == ["service-review-created", "service-review-updated", "service-review-deleted"]
    assert posts[1]["body"]["events"][0]["eventData"]["stars"] == 1
    assert api.get(f"{BASE}/v1/private/reviews/{written['id']}").status_code == 404
    assert control("delete", f"reviews/{written['id']}").status_code == 404
    assert control("patch", f"reviews/{written['id']}", {"stars": 2}).status_code == 404


def test_an_edit_needs_something_to_change(unit):
    written = write(unit)

    assert control("patch", f"reviews/{written['id']}", {}).status_code == 400
    assert control("patch", "reviews/unknown", {"stars": 2}).status_code == 404


def test_a_deleted_event_may_carry_only_the_id(unit, subscribed):
    faults.faults_set(webhook_deleted_id_only=True)
    written = write(unit)
    control("delete", f"reviews/{written['id']}")

    deleted = subscribed.wait_for(2)[1]["body"]["events"][0]
    assert deleted == {"eventName": "service-review-deleted", "version": "1", "eventData": {"id": written["id"]}}


def test_the_reviewer_may_be_named_as_in_the_api(unit, subscribed):
    faults.faults_set(webhook_consumer_display_name=True)
    write(unit)

    consumer = subscribed.wait_for(1)[0]["body"]["events"][0]["eventData"]["consumer"]
    assert set(consumer) == {"id", "displayName", "link"}


@pytest.mark.parametrize(("batches", "posts"), [(True, 1), (False, 3)])
def test_live_arrivals_are_sent_batched_or_one_per_post(unit, subscribed, batches, posts):
    faults.faults_set(webhook_batches=batches)
    live_reviews_arrive(unit, every_seconds=60)  # the first arrival
    later = Review.objects.get().created_at + timedelta(minutes=3, seconds=1)
    subscribed.wait_for(1)
    subscribed.posts.clear()

    live_reviews_arrive(unit, every_seconds=60, now=later)
    live_reviews_arrive(unit, every_seconds=60, now=later)  # nothing new: nothing sent again

    assert webhooks.webhooks_flush()
    assert len(subscribed.posts) == posts
    assert len(subscribed.events()) == 3
    assert {e["eventName"] for e in subscribed.events()} == {"service-review-created"}


def test_a_slow_receiver_does_not_slow_the_write(unit, subscribed):
    subscribed.delay = 1.5
    started = time.monotonic()

    write(unit)

    assert time.monotonic() - started < 1.0
    assert len(subscribed.wait_for(1)) == 1


def test_a_failing_or_unreachable_receiver_is_logged_not_raised(unit, receiver, caplog):  # noqa: F811
    receiver.status = 500
    dead = "http://127.0.0.1:9/nowhere/secret-in-path"
    control("put", "webhooks", {"business_unit_id": unit.id, "urls": [receiver.url, dead]})

    with caplog.at_level(logging.WARNING, logger="sandbox.trustpilot.webhooks"):
        write(unit)
        assert webhooks.webhooks_flush()

    messages = " ".join(record.getMessage() for record in caplog.records)
    assert "answered 500" in messages
    assert "failed" in messages
    assert "secret" not in messages


def test_a_person_can_write_a_review_from_the_command_line(unit, subscribed, capsys):
    call_command("sandbox_review", unit.identifying_name, "--stars", "1", "--text", "Never arrived")

    assert "its webhook was sent" in capsys.readouterr().out
    (event,) = subscribed.events()
    assert (event["eventData"]["stars"], event["eventData"]["text"]) == (1, "Never arrived")
