"""pull: reviews, edits and direct replies reach Zendesk in order, from the database, once each."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from integrations.metadata import metadata_for
from integrations.models import ChannelInstance, ReviewTicketLink
from integrations.services import pull as pull_service
from integrations.services.disconnect import instance_disconnect
from reviews.models import Review, SyncRun, TrustpilotAccount
from reviews.services import sync
from sandbox.trustpilot.models import Review as SandboxReview
from tests import factories
from tests.zendesk_requests import ZendeskClient as Client  # posts form-encoded, as Zendesk does
from tests.zendesk_requests import keyed
from tests.zendesk_schemas import validate

pytestmark = pytest.mark.django_db(transaction=True)


def pull(metadata: str, state: str = ""):
    response = Client().post(keyed("pull", metadata), {"metadata": metadata, "state": state})
    if response.status_code == 200:
        validate("pull_payload.json", response.json())
    return response


def test_new_reviews_arrive_as_tickets_in_the_order_they_were_written(connected, channel):
    sync.domain_poll(domain=connected.domain, client=connected.client)

    response = pull(channel.metadata)

    assert response.status_code == 200
    body = response.json()
    unanswered = Review.objects.filter(domain=connected.domain, company_reply_text="").order_by("created_at_trustpilot")
    assert [r["external_id"] for r in body["external_resources"]] == [
        f"tp-review-{r.trustpilot_id}" for r in unanswered
    ]
    first = body["external_resources"][0]
    review = unanswered[0]
    assert first["thread_id"] == f"tp-thread-{review.trustpilot_id}"
    assert first["author"]["name"] == review.reviewer_name
    assert first["fields"][0] == {"id": "subject", "value": pull_service.protocol.subject(review)}
    assert first["allow_channelback"] is True
    assert body["state"] == str(len(unanswered))
    assert not ReviewTicketLink.objects.filter(instance=channel.instance, first_delivered_at__isnull=True).exists()


def test_the_next_pull_continues_after_the_cursor_and_repeats_nothing(connected, channel):
    sync.domain_poll(domain=connected.domain, client=connected.client)
    first = pull(channel.metadata).json()

    again = pull(channel.metadata, first["state"]).json()

    assert again["external_resources"] == []
    assert again["state"] == first["state"]


def test_a_backlog_larger_than_one_pull_continues_on_the_next_call(connected, channel, monkeypatch):
    monkeypatch.setattr(pull_service, "PULL_LIMIT", 7)
    sync.domain_poll(domain=connected.domain, client=connected.client)
    total = ReviewTicketLink.objects.filter(instance=channel.instance).count()

    seen, state = [], ""
    for _ in range(20):
        body = pull(channel.metadata, state).json()
        if not body["external_resources"]:
            break
        assert len(body["external_resources"]) <= 7
        seen += [r["external_id"] for r in body["external_resources"]]
        state = body["state"]

    assert len(seen) == len(set(seen)) == total > 7


def test_an_edit_and_a_direct_reply_become_comments_in_the_review_thread(connected, channel):
    sync.domain_poll(domain=connected.domain, client=connected.client)
    state = pull(channel.metadata).json()["state"]
    delivered = Review.objects.get(
        trustpilot_id=ReviewTicketLink.objects.filter(instance=channel.instance).first().review.trustpilot_id
    )
    SandboxReview.objects.filter(pk=delivered.trustpilot_id).update(
        stars=2, text="Changed my mind.", updated_at=timezone.now(), reply_text="Sorry to hear that!",
        reply_created_at=timezone.now(),
    )  # fmt: skip

    sync.domain_poll(domain=connected.domain, kind=SyncRun.Kind.RESCAN, client=connected.client)
    body = pull(channel.metadata, state).json()

    edit, reply = body["external_resources"]
    thread = f"tp-thread-{delivered.trustpilot_id}"
    assert edit["external_id"].startswith(f"tp-edit-{delivered.trustpilot_id}-")
    assert edit["thread_id"] == thread and "Changed my mind." in edit["message"]
    assert reply["external_id"].startswith(f"tp-reply-{delivered.trustpilot_id}-")
    assert reply["thread_id"] == thread and reply["internal_note"] is True
    assert "Sorry to hear that!" in reply["message"]


def test_review_text_is_escaped_in_html_and_kept_as_is_in_plain_text(connected, channel):
    sync.domain_poll(domain=connected.domain, client=connected.client)
    review = Review.objects.filter(domain=connected.domain, company_reply_text="").first()
    Review.objects.filter(pk=review.pk).update(text="<script>alert(1)</script> Très bien")

    resource = next(
        r for r in pull(channel.metadata).json()["external_resources"] if review.trustpilot_id in r["external_id"]
    )

    assert "<script>alert(1)</script> Très bien" in resource["message"]
    assert "<script>" not in resource["html_message"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Très bien" in resource["html_message"]


def test_configured_ticket_fields_are_filled_on_new_tickets(connected, channel):
    account = channel.instance.zendesk_account
    account.ticket_field_stars, account.ticket_field_review_url = 360001, 360002
    account.save()
    sync.domain_poll(domain=connected.domain, client=connected.client)

    resource = pull(channel.metadata).json()["external_resources"][0]

    ids = {field["id"]: field["value"] for field in resource["fields"]}
    review = Review.objects.get(trustpilot_id=resource["external_id"].removeprefix("tp-review-"))
    assert ids["360001"] == str(review.stars)
    assert ids["360002"].endswith(f"/reviews/{review.trustpilot_id}")


def test_a_pull_costs_the_same_few_queries_whatever_the_backlog(connected, channel):
    sync.domain_poll(domain=connected.domain, client=connected.client)
    with CaptureQueriesContext(connection) as captured:
        pull(channel.metadata)

    assert len(captured) <= 6


def test_an_instance_needing_reauthorization_asks_zendesk_to_update_metadata(connected, channel):
    TrustpilotAccount.objects.filter(pk=connected.account.pk).update(
        status=TrustpilotAccount.Status.NEEDS_REAUTHORIZATION
    )

    body = pull(channel.metadata).json()

    assert body == {"external_resources": [], "metadata_needs_update": True}


def test_an_instance_whose_every_domain_trustpilot_refused_asks_zendesk_to_update_metadata(connected, channel):
    sync.domain_poll(domain=connected.domain, client=connected.client)
    other = factories.DomainFactory(account=connected.account)
    channel.instance.domains.add(other)
    type(other).objects.filter(pk=other.pk).update(access_denied_at=timezone.now())

    assert pull(channel.metadata).json()["external_resources"], "one usable domain is enough"

    type(other).objects.filter(pk=connected.domain.pk).update(access_denied_at=timezone.now())

    assert pull(channel.metadata).json() == {"external_resources": [], "metadata_needs_update": True}


def test_an_instance_without_domains_answers_an_empty_pull(connected, channel):
    channel.instance.domains.clear()

    assert pull(channel.metadata).json() == {"external_resources": [], "state": "0"}


def test_a_disconnected_instance_asks_zendesk_to_update_metadata(connected, channel):
    ChannelInstance.objects.filter(pk=channel.instance.pk).update(status=ChannelInstance.Status.DISCONNECTED)

    assert pull(channel.metadata).json()["metadata_needs_update"] is True


@pytest.mark.parametrize(
    ("form", "status", "error"),
    [
        ({"metadata": None}, 401, "metadata is missing"),
        ({"metadata": "forged"}, 401, "not signed"),
        ({"metadata": "x" * 5001}, 400, "longer than 5000"),
        ({"state": "not-a-cursor"}, 400, "is not a cursor"),
    ],
)
def test_bad_pull_requests_get_a_json_error(connected, channel, form, status, error):
    data = {key: value for key, value in {"metadata": channel.metadata, **form}.items() if value is not None}

    response = Client().post(keyed("pull", channel.metadata), data)

    assert response.status_code == status
    assert error in response.json()["message"]


def test_metadata_of_a_deleted_instance_is_refused(db):
    instance = factories.ChannelInstanceFactory()
    metadata = metadata_for(instance)
    address = keyed("pull", instance)
    ChannelInstance.objects.filter(pk=instance.pk).delete()

    response = Client().post(address, {"metadata": metadata})

    assert response.status_code == 401
    assert response.json()["error"] == "invalid_metadata"


def test_reviews_already_delivered_to_a_previous_instance_are_not_sent_again(connected, channel):
    sync.domain_poll(domain=connected.domain, client=connected.client)
    pull(channel.metadata)
    ChannelInstance.objects.filter(pk=channel.instance.pk).update(status=ChannelInstance.Status.DISCONNECTED)
    again = factories.ChannelInstanceFactory(
        trustpilot_account=connected.account, zendesk_account=channel.instance.zendesk_account
    )
    again.domains.add(connected.domain)

    sync.backfill_run(
        run=sync.backfill_claim(run_id=sync.backfill_start(domain=connected.domain, days=365, enqueue=False).pk),
        client=connected.client,
    )

    assert pull(metadata_for(again)).json()["external_resources"] == []


def test_zendesks_copy_from_before_a_disconnect_asks_zendesk_to_update_metadata(revoked, connected, channel):
    instance_disconnect(instance=channel.instance, by="admin@trustdesk.test")

    body = pull(channel.metadata).json()

    assert body == {"external_resources": [], "metadata_needs_update": True}


def test_metadata_kept_from_before_a_disconnect_gets_no_resources_after_the_reconnect(
    connected, channel, disconnect_and_reconnect
):
    fresh = disconnect_and_reconnect(channel)
    sync.domain_poll(domain=connected.domain, client=connected.client)
    waiting = ReviewTicketLink.objects.filter(instance=channel.instance)
    assert waiting.exists()

    response = pull(channel.metadata)

    assert response.status_code == 200
    assert response.json() == {"external_resources": [], "metadata_needs_update": True}
    assert not waiting.filter(first_delivered_at__isnull=False).exists()
    body = pull(fresh).json()
    assert len(body["external_resources"]) == waiting.count()
    assert "metadata_needs_update" not in body


def test_a_reviews_time_is_sent_to_the_second_in_utc(connected, channel):
    from datetime import UTC, datetime

    sync.domain_poll(domain=connected.domain, client=connected.client)
    review = Review.objects.filter(domain=connected.domain).first()
    moment = datetime(2024, 2, 29, 23, 59, 59, 999999, tzinfo=UTC)
    Review.objects.filter(pk=review.pk).update(created_at_trustpilot=moment)

    resources = pull(channel.metadata).json()["external_resources"]
    resource = next(r for r in resources if r["external_id"] == f"tp-review-{review.trustpilot_id}")

    assert resource["created_at"] == "2024-02-29T23:59:59Z"
    assert "Reviewed 2024-02-29" in resource["message"]


@pytest.mark.parametrize(
    ("secret", "metadata", "status"),
    [
        ("x" * 43, "forged", 404),  # the address is checked before anything of the body
        ("x" * 43, "", 404),
        ("x" * 65, None, 404),
        (None, "forged", 401),  # the instance's own address: the metadata is what is wrong
    ],
)
def test_a_pull_refuses_the_address_before_the_metadata(connected, channel, secret, metadata, status):
    path = keyed("pull", channel.metadata) if secret is None else f"/zendesk/a/{secret}/pull"
    form = {"metadata": channel.metadata if metadata is None else metadata, "state": ""}

    response = Client().post(path, form)

    assert response.status_code == status
    assert "external_resources" not in response.json()
