"""A review Trustpilot hides, reports as not active, or removes becomes an internal note on its ticket (and one
that shows again, another note); never a new ticket. Over HTTP against the Trustpilot sandbox."""

from __future__ import annotations

from datetime import timedelta

import pytest
import requests
from django.utils import timezone

from integrations.models import ReviewTicketLink
from reviews.models import Reply, Review, ReviewStatusChange, SyncRun
from reviews.services import replies, sync
from reviews.trustpilot.client import TrustpilotClient
from reviews.trustpilot.errors import NotFound, Unavailable
from reviews.trustpilot.moderation import ACTIVE, HIDDEN, REMOVED, REPORTED, review_status
from sandbox.control import control_headers
from sandbox.trustpilot import faults
from sandbox.trustpilot.models import Review as SandboxReview
from tests.zendesk_requests import ZendeskClient, keyed
from tests.zendesk_schemas import validate

pytestmark = pytest.mark.django_db(transaction=True)
HIDDEN_REPORT = {
    "source": "Business",
    "publicComment": None,
    "createdAt": "2025-05-12T09:00:00Z",
    "reasons": ["consumerIsCompetitor"],
    "reason": "consumer_is_competitor",
    "reviewVisibility": "hidden",
}


def pull(channel) -> dict:
    response = ZendeskClient().post(keyed("pull", channel.metadata), {"metadata": channel.metadata, "state": ""})
    assert response.status_code == 200
    body = response.json()
    validate("pull_payload.json", body)
    return body


def notes(channel) -> list[str]:
    return [resource["message"] for resource in pull(channel)["external_resources"] if resource.get("internal_note")]


def delivered_ids(channel) -> list[str]:
    return [resource["external_id"] for resource in pull(channel)["external_resources"]]


def moderate(live_sandbox: str, review: Review, **changes: object) -> dict:
    response = requests.post(
        f"{live_sandbox}/_control/reviews/{review.trustpilot_id}", json=changes, headers=control_headers(), timeout=5
    )
    assert response.status_code == 200, response.text
    return response.json()


def rescan(connected) -> SyncRun:
    return sync.domain_poll(domain=connected.domain, kind=SyncRun.Kind.RESCAN, client=connected.client)


@pytest.fixture
def ticketed(connected, channel) -> Review:
    """A recent review (inside the re-scan window) whose ticket the channel delivers."""
    sync.domain_poll(domain=connected.domain, client=connected.client)
    review = Review.objects.filter(domain=connected.domain, company_reply_text="").order_by("-created_at_trustpilot")[0]
    assert ReviewTicketLink.objects.filter(review=review, kind=ReviewTicketLink.Kind.REVIEW).exists()
    return review


def test_a_review_trustpilot_hides_after_a_report_becomes_one_internal_note(connected, channel, ticketed, live_sandbox):
    moderate(live_sandbox, ticketed, report_data=HIDDEN_REPORT)

    rescan(connected)
    rescan(connected)

    ticketed.refresh_from_db()
    assert ticketed.trustpilot_status == HIDDEN
    (note,) = notes(channel)
    assert note.startswith("Trustpilot reports this review as hidden after a report (noticed on ")
    assert "consumerIsCompetitor" in note


def test_a_status_other_than_active_and_back_again_are_two_notes(connected, channel, ticketed, live_sandbox):
    moderate(live_sandbox, ticketed, status="archived")
    rescan(connected)
    moderate(live_sandbox, ticketed, status="active")
    rescan(connected)

    first, second = notes(channel)
    assert first.startswith("Trustpilot reports this review as archived, not active (noticed on ")
    assert second.startswith("Trustpilot shows this review as active again (noticed on ")
    ticketed.refresh_from_db()
    assert ticketed.trustpilot_status == ACTIVE


def test_a_review_gone_from_the_rescan_is_confirmed_removed_by_its_404(connected, channel, ticketed, live_sandbox):
    moderate(live_sandbox, ticketed, removed=True)
    reads: list[str] = []
    get_review = TrustpilotClient.get_review

    def counting(self: TrustpilotClient, **kwargs: str):
        reads.append(kwargs["review_id"])
        return get_review(self, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(TrustpilotClient, "get_review", counting)
        run = rescan(connected)

    assert (run.status, reads) == (SyncRun.Status.SUCCEEDED, [ticketed.trustpilot_id])
    ticketed.refresh_from_db()
    assert ticketed.trustpilot_status == REMOVED
    (note,) = notes(channel)
    assert note.startswith("This review was removed from Trustpilot (noticed on ")


def test_a_removed_review_that_comes_back_is_noted_as_active_again(connected, channel, ticketed, live_sandbox):
    moderate(live_sandbox, ticketed, removed=True)
    rescan(connected)
    moderate(live_sandbox, ticketed, removed=False)
    rescan(connected)

    removed, back = notes(channel)
    assert "removed from Trustpilot" in removed and "active again" in back
    assert list(ReviewStatusChange.objects.filter(review=ticketed).values_list("status", flat=True)) == [
        ACTIVE,
        REMOVED,
    ]  # newest first


def test_an_outage_while_confirming_marks_nothing(connected, channel, ticketed, live_sandbox):
    moderate(live_sandbox, ticketed, removed=True)
    get_review = TrustpilotClient.get_review

    def during_an_outage(self: TrustpilotClient, **kwargs: str):
        faults.faults_set(fail_next=20, fail_status=503)
        return get_review(self, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(TrustpilotClient, "get_review", during_an_outage)
        run = rescan(connected)

    assert run.status == SyncRun.Status.SUCCEEDED
    ticketed.refresh_from_db()
    assert ticketed.trustpilot_status == ACTIVE
    faults.faults_reset()
    assert notes(channel) == []


def test_an_outage_during_the_rescan_list_confirms_nothing(connected, channel, ticketed, live_sandbox):
    moderate(live_sandbox, ticketed, removed=True)
    faults.faults_set(fail_next=50, fail_status=503)

    with pytest.raises(Unavailable):
        rescan(connected)

    faults.faults_reset()
    ticketed.refresh_from_db()
    assert ticketed.trustpilot_status == ACTIVE
    assert notes(channel) == []


def test_confirmations_per_run_are_bounded(connected, channel, ticketed, live_sandbox, monkeypatch):
    monkeypatch.setattr(sync, "REMOVAL_CHECKS_PER_RUN", 2)
    recent = Review.objects.filter(
        domain=connected.domain, created_at_trustpilot__gte=timezone.now() - timedelta(days=10)
    ).order_by("created_at_trustpilot")[:3]
    assert len(recent) == 3
    for review in recent:
        moderate(live_sandbox, review, removed=True)

    rescan(connected)
    assert Review.objects.filter(trustpilot_status=REMOVED).count() == 2
    rescan(connected)
    assert Review.objects.filter(trustpilot_status=REMOVED).count() == 3


def test_a_review_that_arrives_already_hidden_opens_no_ticket(connected, channel, live_sandbox):
    newest = SandboxReview.objects.filter(business_unit__identifying_name="shop.example", reply_text="")
    hidden = newest.order_by("-created_at")[0]
    SandboxReview.objects.filter(pk=hidden.pk).update(report_data=HIDDEN_REPORT)
    reported = newest.order_by("-created_at")[1]
    SandboxReview.objects.filter(pk=reported.pk).update(status="pending")

    sync.domain_poll(domain=connected.domain, client=connected.client)
    rescan(connected)

    stored = dict(
        Review.objects.filter(trustpilot_id__in=[hidden.pk, reported.pk]).values_list(
            "trustpilot_id", "trustpilot_status"
        )
    )
    assert stored == {hidden.pk: HIDDEN, reported.pk: "pending"}
    delivered = delivered_ids(channel)
    assert delivered and not any(hidden.pk in ext or reported.pk in ext for ext in delivered)
    assert notes(channel) == []
    assert ReviewStatusChange.objects.count() == 0


def test_a_reply_to_a_review_trustpilot_removed_marks_it_removed(connected, channel, ticketed, live_sandbox):
    moderate(live_sandbox, ticketed, removed=True)
    reply, _ = replies.reply_create(review=ticketed, message="Thanks!", zendesk_request_id="zd-1")

    with pytest.raises(NotFound):
        replies.reply_publish(reply_id=reply.pk, client=connected.client)

    assert Reply.objects.get(pk=reply.pk).failure == Reply.Failure.REVIEW_REMOVED
    ticketed.refresh_from_db()
    assert ticketed.trustpilot_status == REMOVED
    (note,) = notes(channel)
    assert "removed from Trustpilot" in note


def test_the_sandbox_hides_a_removed_review_from_its_list_and_single_review_endpoints(
    connected, ticketed, live_sandbox
):
    token = connected.account.access_token.reveal()
    headers = {"Authorization": f"Bearer {token}", "apikey": connected.client.api_key}
    url = f"{live_sandbox}/v1/private/reviews/{ticketed.trustpilot_id}"
    assert requests.get(url, headers=headers, timeout=5).json()["status"] == "active"

    state = moderate(live_sandbox, ticketed, removed=True, status="active", report_data=None)

    assert state == {"id": ticketed.trustpilot_id, "status": "active", "report_data": None, "removed": True}
    assert requests.get(url, headers=headers, timeout=5).status_code == 404
    listed = requests.get(
        f"{live_sandbox}/v1/private/business-units/{connected.domain.business_unit_id}/reviews",
        params={"perPage": 100}, headers=headers, timeout=5,
    ).json()["reviews"]  # fmt: skip
    assert ticketed.trustpilot_id not in {review["id"] for review in listed}


def test_the_sandbox_control_refuses_unknown_or_wrong_settings(live_sandbox, ticketed):
    url = f"{live_sandbox}/_control/reviews/{ticketed.trustpilot_id}"
    for body in ({"hidden": True}, {"removed": "yes"}, {"report_data": []}, {"status": 3}):
        assert requests.post(url, json=body, headers=control_headers(), timeout=5).status_code == 400
    nope = requests.post(f"{live_sandbox}/_control/reviews/nope", json={}, headers=control_headers(), timeout=5)
    assert nope.status_code == 404


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        ({"status": "active", "reportData": None}, ACTIVE),
        ({}, ACTIVE),
        ({"status": None}, ACTIVE),
        ({"status": "Active"}, ACTIVE),
        ({"status": "archived"}, "archived"),
        ({"status": "active", "reportData": HIDDEN_REPORT}, HIDDEN),
        ({"status": "active", "reportData": {"reasons": ["spam"], "reviewVisibility": "visible"}}, REPORTED),
        ({"status": "active", "reportData": {}}, ACTIVE),
    ],
)
def test_the_rule_for_not_active(raw, status):
    assert review_status(raw) == status
