"""channelback in Zendesk's time: answered within the budget, published once, and a later failure told to the agent."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
import requests
from django.db import connection
from django.utils import timezone

from integrations.models import AccessRestriction, ChannelInstance, ReviewTicketLink, TicketNote
from reviews import tasks
from reviews.models import Reply, Review
from reviews.services import sync
from sandbox.control import control_headers
from sandbox.trustpilot import faults
from sandbox.trustpilot.models import Review as SandboxReview
from sandbox.trustpilot.models import Token
from sandbox.zendesk import faults as zendesk_faults
from sandbox.zendesk.models import SandboxZendesk
from sandbox.zendesk.push_tokens import push_token_issue
from tests.conftest import let_go_of_the_database
from tests.zendesk_requests import ZendeskClient as Client  # posts form-encoded, as Zendesk does
from tests.zendesk_requests import keyed
from tests.zendesk_schemas import validate
from trustdesk.tasks import MAX_RETRIES

pytestmark = pytest.mark.django_db(transaction=True)
MESSAGE = "Thank you for your feedback!"
BUDGET = 2  # seconds: ZENDESK_CHANNELBACK_TIME_BUDGET for these tests, so a slow Trustpilot costs little time


@pytest.fixture(autouse=True)
def budget(settings):
    settings.ZENDESK_CHANNELBACK_TIME_BUDGET = BUDGET


@pytest.fixture
def review(connected, channel, monkeypatch) -> Review:
    sync.domain_poll(domain=connected.domain, client=connected.client)
    Client().post(keyed("pull", channel.metadata), {"metadata": channel.metadata})
    # The retry task's client, without real sleeps between its attempts.
    monkeypatch.setattr("reviews.services.replies.get_client", lambda: connected.client)
    return ReviewTicketLink.objects.filter(instance=channel.instance).first().review


def form(channel, review, **changes) -> dict[str, str]:
    return {
        "metadata": channel.metadata,
        "message": MESSAGE,
        "parent_id": f"tp-review-{review.trustpilot_id}",
        "thread_id": f"tp-thread-{review.trustpilot_id}",
        "recipient_id": f"tp-consumer-{review.reviewer_id}",
        "request_unique_identifier": "zd-req-1",
        **changes,
    }


def channelback(channel, review, **changes):
    return Client().post(keyed("channelback", channel.metadata), form(channel, review, **changes))


def run_retry_task() -> None:
    """The periodic task, once the pending replies are old enough for it."""
    Reply.objects.filter(status=Reply.Status.PENDING).update(updated_at=timezone.now() - timedelta(minutes=5))
    tasks.retry_pending_replies()


def give_up(reply: Reply) -> None:
    """The retry task's last retry, with Trustpilot still down."""
    tasks.publish_reply.apply(args=(reply.pk,), retries=MAX_RETRIES)


def trustpilot_reply(review: Review) -> str:
    return SandboxReview.objects.get(pk=review.trustpilot_id).reply_text


# --- Trustpilot slow or down: 200 at once, published by the retry task ------------------------


def test_trustpilot_down_is_answered_200_with_the_external_id_and_the_retry_task_publishes_it(
    channel, review, posted_replies
):
    faults.faults_set(fail_next=1000, fail_status=503)

    response = channelback(channel, review)

    assert response.status_code == 200
    body = response.json()
    validate("channelback_payload_v2.json", body)
    reply = Reply.objects.get(zendesk_request_id="zd-req-1")
    assert body == {"external_id": f"tp-reply-{review.trustpilot_id}-{reply.pk}", "allow_channelback": True}
    assert (reply.status, reply.accepted_at is not None) == (Reply.Status.PENDING, True)
    faults.faults_reset()

    run_retry_task()

    assert Reply.objects.get(pk=reply.pk).status == Reply.Status.SENT
    assert trustpilot_reply(review) == MESSAGE
    assert channelback(channel, review).json() == body  # Zendesk's late retry: the same answer


def test_a_slow_trustpilot_is_answered_within_the_time_budget_and_the_reply_is_posted_once(
    channel, review, posted_replies
):
    faults.faults_set(latency_ms=(BUDGET + 1) * 1000)

    started = time.monotonic()
    response = channelback(channel, review)
    elapsed = time.monotonic() - started

    assert response.status_code == 200
    assert elapsed < BUDGET + 0.5
    reply = Reply.objects.get(zendesk_request_id="zd-req-1")
    assert reply.status == Reply.Status.PENDING
    let_go_of_the_database()  # the sandbox finishes the post TrustDesk stopped waiting for
    faults.faults_reset()

    run_retry_task()

    # The retry read the review back, found the reply there, and posted nothing again.
    assert Reply.objects.get(pk=reply.pk).status == Reply.Status.SENT
    assert posted_replies == [review.trustpilot_id]
    assert trustpilot_reply(review) == MESSAGE


def test_a_slow_zendesk_during_the_author_check_is_answered_within_the_time_budget(
    channel, review, live_zendesk, settings
):
    settings.ZENDESK_ENFORCE_ACCESS_ON_CHANNELBACK = True
    account = channel.instance.zendesk_account
    account.api_user, account.api_token = live_zendesk.email, live_zendesk.token
    account.save()
    AccessRestriction.objects.create(
        zendesk_account=account, group_restriction_enabled=True, allowed_groups=[{"id": 8, "name": "Reviews"}]
    )
    ReviewTicketLink.objects.filter(review=review, kind="review").update(zendesk_ticket_id=42)
    zendesk_faults.faults_slow(SandboxZendesk.objects.get(subdomain="acme"), latency_ms=(BUDGET + 1) * 1000)

    started = time.monotonic()
    response = channelback(channel, review)

    assert time.monotonic() - started < BUDGET + 0.5
    assert (response.status_code, response.json()["error"]) == (503, "zendesk_unavailable")
    assert not Reply.objects.filter(origin=Reply.Origin.ZENDESK).exists()


def test_eight_concurrent_retries_of_one_request_get_the_same_external_id_and_post_once(
    live_server, channel, review, posted_replies
):
    if connection.vendor != "postgresql":
        pytest.skip("needs a database with concurrent connections: runs on PostgreSQL in .ci/run")
    faults.faults_set(latency_ms=300)  # the first post is still under way when the others arrive
    data = form(channel, review)
    address = keyed("channelback", channel.metadata)
    answers: list[tuple[int, dict[str, object]]] = []
    lock = threading.Lock()

    def zendesk_retry() -> None:
        answer = requests.post(f"{live_server.url}{address}", data=data, timeout=BUDGET + 5)
        with lock:
            answers.append((answer.status_code, answer.json()))

    threads = [threading.Thread(target=zendesk_retry) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    reply = Reply.objects.get(zendesk_request_id="zd-req-1")
    expected = {"external_id": f"tp-reply-{review.trustpilot_id}-{reply.pk}", "allow_channelback": True}
    assert answers == [(200, expected)] * 8
    assert posted_replies == [review.trustpilot_id]
    assert reply.status == Reply.Status.SENT
    assert Reply.objects.filter(origin=Reply.Origin.ZENDESK).count() == 1


# --- Failures the agent must act on: answered at once, never retried --------------------------


def test_a_review_removed_from_trustpilot_is_answered_at_once_and_never_retried(channel, review, posted_replies):
    SandboxReview.objects.filter(pk=review.trustpilot_id).delete()

    response = channelback(channel, review)

    assert response.status_code == 404
    assert response.json() == {
        "error": "review_removed",
        "message": "The review was removed from Trustpilot, so the reply cannot be published there. "
        "The reply was not published.",
    }
    reply = Reply.objects.get(zendesk_request_id="zd-req-1")
    assert (reply.status, reply.failure) == (Reply.Status.FAILED, Reply.Failure.REVIEW_REMOVED)
    assert channelback(channel, review).json()["error"] == "review_removed"  # a repeat: the same answer
    run_retry_task()
    tasks.publish_reply(reply.pk)
    assert posted_replies == [review.trustpilot_id]


def test_an_account_trustpilot_no_longer_authorizes_is_answered_at_once_with_what_to_do(
    channel, review, posted_replies
):
    Token.objects.all().delete()  # the grant is gone at Trustpilot: the token and its refresh are refused

    response = channelback(channel, review)

    assert response.status_code == 403
    body = response.json()
    assert body["error"] == "trustpilot_authorization"
    assert "reconnect the Trustpilot account in Zendesk" in body["message"]
    assert "The reply was not published." in body["message"]
    reply = Reply.objects.get(zendesk_request_id="zd-req-1")
    assert (reply.status, reply.failure) == (Reply.Status.FAILED, Reply.Failure.REAUTHORIZATION)
    run_retry_task()
    assert posted_replies == [review.trustpilot_id]


def test_a_reply_too_long_is_answered_at_once_and_stores_nothing(channel, review, posted_replies):
    response = channelback(channel, review, message="x" * 5001)

    assert response.status_code == 400
    assert "Trustpilot accepts at most 5000" in response.json()["message"]
    assert not Reply.objects.filter(origin=Reply.Origin.ZENDESK).exists()
    assert posted_replies == []


# --- A reply that fails after Zendesk was answered 200 is told to the agent -------------------


@pytest.fixture
def push_token(channel, live_zendesk, settings) -> str:
    """The instance as Zendesk's admin_ui set it up with a push client: a push id and a token Zendesk issued."""
    settings.ZENDESK_PUSH_CLIENT_ID = "trustdesk-push"
    token = push_token_issue("acme", "push-id-1")
    instance = ChannelInstance.objects.get(pk=channel.instance.pk)
    instance.instance_push_id, instance.push_token = "push-id-1", token
    instance.save(update_fields=["instance_push_id", "push_token"])
    return token


def test_a_reply_that_finally_fails_is_reported_with_report_error_and_never_published(
    channel, review, push_token, live_zendesk, posted_replies
):
    faults.faults_set(fail_next=1000, fail_status=503)
    external_id = channelback(channel, review).json()["external_id"]
    reply = Reply.objects.get(zendesk_request_id="zd-req-1")

    give_up(reply)

    reports = requests.get(
        f"{live_zendesk.base_url}/_control/reported_errors", headers=control_headers(), timeout=5
    ).json()["reported_errors"]
    assert [(r["status"], r["body"]) for r in reports] == [
        (
            200,
            {
                "instance_push_id": "push-id-1",
                "external_id": external_id,
                "description": "Gave up after 8 retries: Service Unavailable (injected by the sandbox). "
                "The reply was not published; send it again to retry.",
            },
        )
    ]
    reply.refresh_from_db()
    assert (reply.status, reply.failure, reply.failure_reported_by) == (
        Reply.Status.FAILED,
        Reply.Failure.GAVE_UP,
        "report_error",
    )
    assert not TicketNote.objects.exists()
    attempts = len(posted_replies)
    faults.faults_reset()

    run_retry_task()
    tasks.publish_reply(reply.pk)

    assert len(posted_replies) == attempts
    assert trustpilot_reply(review) == ""


def test_without_a_push_client_a_failed_reply_is_an_internal_note_on_the_next_pull_and_on_the_dashboard(
    channel, review, settings, client_for, support_manager
):
    settings.ZENDESK_PUSH_CLIENT_ID = ""
    state = str(ChannelInstance.objects.get(pk=channel.instance.pk).last_sequence)
    faults.faults_set(fail_next=1000, fail_status=503)
    channelback(channel, review)
    reply = Reply.objects.get(zendesk_request_id="zd-req-1")

    give_up(reply)

    body = Client().post(keyed("pull", channel.metadata), {"metadata": channel.metadata, "state": state}).json()
    validate("pull_payload.json", body)
    note = TicketNote.objects.get()
    [resource] = body["external_resources"]
    assert resource["external_id"] == f"tp-note-{review.trustpilot_id}-{note.pk}"
    assert (resource["thread_id"], resource["internal_note"]) == (f"tp-thread-{review.trustpilot_id}", True)
    assert resource["allow_channelback"] is False
    assert "was not published on Trustpilot" in resource["message"]
    assert MESSAGE in resource["message"]
    assert Reply.objects.get(pk=reply.pk).failure_reported_by == "internal_note"
    pull = keyed("pull", channel.metadata)
    again = Client().post(pull, {"metadata": channel.metadata, "state": body["state"]}).json()
    assert again["external_resources"] == []
    figures = dict(client_for(support_manager).get("/admin/").context["figures"])
    failed = {figure.label: figure for figure in figures["replies"]}["Failed"]
    assert failed.value == 1
    assert client_for(support_manager).get(failed.url).context["cl"].result_list[0].pk == reply.pk


def test_a_refused_report_error_falls_back_to_an_internal_note(channel, review, push_token, monkeypatch):
    # The note would be pushed at once; the sandbox serves no push endpoint, and pull delivers it anyway.
    monkeypatch.setattr("integrations.tasks.push_instance.delay", lambda instance_id: None)
    ChannelInstance.objects.filter(pk=channel.instance.pk).update(instance_push_id="another-push-id")
    faults.faults_set(fail_next=1000, fail_status=503)
    channelback(channel, review)

    give_up(Reply.objects.get(zendesk_request_id="zd-req-1"))

    assert TicketNote.objects.get().key.startswith("reply-failed-")
    assert ReviewTicketLink.objects.filter(kind=ReviewTicketLink.Kind.NOTE).count() == 1
