"""Publishing replies on the sandbox over real HTTP: once each, the latest winning."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from unittest import mock

import pytest
from celery.exceptions import Retry
from django.utils import timezone

from reviews import tasks
from reviews.models import Reply, Review
from reviews.services import replies, sync
from reviews.services.accounts import account_connect, domains_enable
from reviews.trustpilot import get_client
from reviews.trustpilot.client import TrustpilotClient
from reviews.trustpilot.errors import BadRequest, NotFound, OutcomeUnknown, Unavailable
from reviews.trustpilot.types import BusinessUnit, BusinessUser
from sandbox.trustpilot import faults, oauth, seed
from sandbox.trustpilot.auth import API_KEY
from sandbox.trustpilot.models import Review as SandboxReview
from tests.conftest import CALLBACK

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def review(connected) -> Review:
    sync.domain_poll(domain=connected.domain, client=connected.client)
    return Review.objects.filter(domain=connected.domain, company_reply_text="").first()


def on_trustpilot(review: Review) -> str:
    return SandboxReview.objects.get(pk=review.trustpilot_id).reply_text


def test_a_reply_is_published_and_becomes_the_company_reply(connected, review):
    reply, created = replies.reply_create(review=review, message="  Thank you, Anna!  ", zendesk_request_id="zd-1")

    published = replies.reply_publish(reply_id=reply.pk, client=connected.client)

    assert created is True
    assert (published.status, published.attempts, published.message) == (Reply.Status.SENT, 1, "Thank you, Anna!")
    assert published.sent_at is not None
    assert on_trustpilot(review) == "Thank you, Anna!"
    assert Review.objects.get(pk=review.pk).company_reply_text == "Thank you, Anna!"


def test_the_latest_reply_wins_and_supersedes_the_earlier_one(connected, review):
    first, _ = replies.reply_create(review=review, message="First answer", zendesk_request_id="zd-1")
    replies.reply_publish(reply_id=first.pk, client=connected.client)
    second, _ = replies.reply_create(review=review, message="Better answer", zendesk_request_id="zd-2")

    replies.reply_publish(reply_id=second.pk, client=connected.client)

    assert Reply.objects.get(pk=first.pk).status == Reply.Status.SUPERSEDED
    assert Reply.objects.get(pk=second.pk).status == Reply.Status.SENT
    assert on_trustpilot(review) == "Better answer"


def test_the_same_zendesk_request_is_one_reply_posted_once(connected, review):
    reply, _ = replies.reply_create(review=review, message="Thanks!", zendesk_request_id="zd-1")
    replies.reply_publish(reply_id=reply.pk, client=connected.client)
    calls = connected.client.calls

    again, created = replies.reply_create(review=review, message="Thanks!", zendesk_request_id="zd-1")
    replies.reply_publish(reply_id=again.pk, client=connected.client)

    assert (again.pk, created) == (reply.pk, False)
    assert connected.client.calls == calls
    assert Reply.objects.filter(origin=Reply.Origin.ZENDESK).count() == 1


def test_a_request_id_reused_for_another_review_is_refused(connected, review):
    replies.reply_create(review=review, message="Thanks!", zendesk_request_id="zd-1")
    other = Review.objects.exclude(pk=review.pk).first()

    with pytest.raises(replies.ReplyConflict):
        replies.reply_create(review=other, message="Thanks!", zendesk_request_id="zd-1")


@pytest.mark.parametrize(
    ("message", "error"),
    [("", "The reply is empty"), ("   \n ", "The reply is empty"), ("x" * 5001, "Trustpilot accepts at most 5000")],
)
def test_an_empty_or_too_long_reply_is_refused_before_any_call(connected, review, message, error):
    calls = connected.client.calls

    with pytest.raises(replies.ReplyRejected, match=error):
        replies.reply_create(review=review, message=message, zendesk_request_id="zd-1")

    assert not Reply.objects.filter(origin=Reply.Origin.ZENDESK).exists()
    assert connected.client.calls == calls


def test_a_timed_out_post_is_read_back_before_any_retry_so_it_is_never_posted_twice(connected, review):
    reply, _ = replies.reply_create(review=review, message="Sorry for the wait.", zendesk_request_id="zd-1")
    faults.faults_set(latency_ms=1500)
    impatient = get_client(timeout=0.5, sleep=lambda _: None)

    with pytest.raises(OutcomeUnknown):
        replies.reply_publish(reply_id=reply.pk, client=impatient)
    pending = Reply.objects.get(pk=reply.pk)
    assert (pending.status, pending.attempts) == (Reply.Status.PENDING, 1)
    faults.faults_reset()
    # The slow request still lands on Trustpilot after TrustDesk gave up on it (the task's retry waits too).
    deadline = time.monotonic() + 10
    while on_trustpilot(review) != "Sorry for the wait." and time.monotonic() < deadline:
        time.sleep(0.1)

    with mock.patch.object(connected.client, "post_reply", wraps=connected.client.post_reply) as post:
        published = replies.reply_publish(reply_id=reply.pk, client=connected.client)

    assert published.status == Reply.Status.SENT
    assert published.attempts == 2
    post.assert_not_called()
    assert on_trustpilot(review) == "Sorry for the wait."


def test_a_retry_after_a_post_that_did_not_arrive_posts_it(connected, review):
    reply, _ = replies.reply_create(review=review, message="Second try", zendesk_request_id="zd-1")
    faults.faults_set(fail_next=1, fail_status=503)

    with pytest.raises(Unavailable):
        replies.reply_publish(reply_id=reply.pk, client=connected.client)
    assert "Unavailable" in Reply.objects.get(pk=reply.pk).last_error

    assert replies.reply_publish(reply_id=reply.pk, client=connected.client).status == Reply.Status.SENT
    assert on_trustpilot(review) == "Second try"


def test_a_reply_trustpilot_refuses_fails_with_trustpilots_message(connected, review, settings):
    settings.TRUSTPILOT_REPLY_MAX_LENGTH = 6000
    reply, _ = replies.reply_create(review=review, message="y" * 5500, zendesk_request_id="zd-1")

    with pytest.raises(BadRequest):
        replies.reply_publish(reply_id=reply.pk, client=connected.client)

    failed = Reply.objects.get(pk=reply.pk)
    assert failed.status == Reply.Status.FAILED
    assert failed.last_error.startswith("Trustpilot refused the reply:")
    assert "5000" in failed.last_error


def test_a_reply_to_a_review_gone_from_trustpilot_fails_clearly(connected, review):
    reply, _ = replies.reply_create(review=review, message="Hello", zendesk_request_id="zd-1")
    SandboxReview.objects.filter(pk=review.trustpilot_id).delete()

    with pytest.raises(NotFound):
        replies.reply_publish(reply_id=reply.pk, client=connected.client)

    assert Reply.objects.get(pk=reply.pk).last_error == "The review no longer exists on Trustpilot."


def test_the_publish_task_retries_an_outage_and_then_publishes(connected, review):
    reply, _ = replies.reply_create(review=review, message="Via the task", zendesk_request_id="zd-1")
    faults.faults_set(fail_next=1, fail_status=503)

    with pytest.raises(Retry) as retry:
        tasks.publish_reply.delay(reply.pk)
    assert retry.value.when == 15
    assert Reply.objects.get(pk=reply.pk).status == Reply.Status.PENDING
    tasks.publish_reply.delay(reply.pk)  # what the broker delivers 15 s later

    published = Reply.objects.get(pk=reply.pk)
    assert (published.status, published.attempts) == (Reply.Status.SENT, 2)
    assert on_trustpilot(review) == "Via the task"


def test_the_publish_task_reports_a_refusal_without_retrying(connected, review, settings):
    settings.TRUSTPILOT_REPLY_MAX_LENGTH = 6000
    reply, _ = replies.reply_create(review=review, message="z" * 5500, zendesk_request_id="zd-1")

    tasks.publish_reply.delay(reply.pk)

    failed = Reply.objects.get(pk=reply.pk)
    assert (failed.status, failed.attempts) == (Reply.Status.FAILED, 1)


def test_a_reply_another_process_is_publishing_is_left_to_it(connected, review):
    reply, _ = replies.reply_create(review=review, message="Mine", zendesk_request_id="zd-1")
    Reply.objects.filter(pk=reply.pk).update(claimed_until=timezone.now() + timedelta(seconds=60))
    calls = connected.client.calls

    with pytest.raises(replies.ReplyBusy):
        replies.reply_publish(reply_id=reply.pk, client=connected.client)

    assert connected.client.calls == calls
    assert Reply.objects.get(pk=reply.pk).attempts == 0


def test_replies_left_pending_by_an_outage_are_published_by_the_periodic_retry(connected, review):
    reply, _ = replies.reply_create(review=review, message="Eventually", zendesk_request_id="zd-1")
    Reply.objects.filter(pk=reply.pk).update(updated_at=timezone.now() - timedelta(minutes=5), attempts=1)

    assert tasks.retry_pending_replies.delay().get() == 1

    assert Reply.objects.get(pk=reply.pk).status == Reply.Status.SENT
    assert on_trustpilot(review) == "Eventually"


@pytest.fixture
def unknown_users_review(live_sandbox, settings) -> Iterator[tuple[Review, TrustpilotClient]]:
    """A review of shop.example, polled with an account whose Trustpilot user was never named."""
    settings.TRUSTPILOT_FIRST_POLL_DAYS = 365
    demo = seed.demo_seed(reviews_per_unit=5)
    client = get_client(sleep=lambda _: None)
    code = oauth.code_issue(user=demo.user, api_key=API_KEY, redirect_uri=CALLBACK).code
    tokens = replace(client.exchange_code(code=code, redirect_uri=CALLBACK), app_enduser="")
    account = account_connect(user=BusinessUser(id="", name="", email=""), tokens=tokens, connected_by="test")
    shop = next(unit for unit in demo.units if unit.identifying_name == "shop.example")
    unit = BusinessUnit(id=shop.id, name=shop.identifying_name, display_name=shop.display_name)
    (domain,) = domains_enable(account=account, units=[unit])
    sync.domain_poll(domain=domain, client=client)
    yield Review.objects.filter(domain=domain, company_reply_text="").first(), client
    client.session.close()


def test_a_reply_for_a_user_trustpilot_never_named_is_sent_without_an_author_id(unknown_users_review):
    review, client = unknown_users_review
    reply, _ = replies.reply_create(review=review, message="Thanks for shopping!", zendesk_request_id="zd-1")

    with mock.patch.object(client, "post_reply", wraps=client.post_reply) as post:
        published = replies.reply_publish(reply_id=reply.pk, client=client)

    assert published.status == Reply.Status.SENT
    assert post.call_args.kwargs["author_business_user_id"] is None
    on_sandbox = SandboxReview.objects.select_related("reply_author").get(pk=review.trustpilot_id)
    assert on_sandbox.reply_text == "Thanks for shopping!"
    assert on_sandbox.reply_author.email == seed.DEMO_EMAIL
