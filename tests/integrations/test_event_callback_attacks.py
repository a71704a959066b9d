"""event_callback as a stranger would use it: anonymous POSTs that try to disconnect, purge, relink or crash.

Zendesk signs no event (reference §7), so each test posts what anyone who knows a subdomain could post,
and checks the answer, then that the database holds what it held before (nothing purged, nothing
disconnected), then what the stored event says about its refusal.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from integrations.events import HANDLERS
from integrations.models import ChannelEvent, ChannelInstance, ReviewTicketLink, ZendeskAccount
from reviews.models import Review
from tests import factories
from tests.fixtures import load_fixture
from tests.zendesk_schemas import validate

pytestmark = pytest.mark.django_db
URL = "/zendesk/event_callback"
REVIEWER = "5d2f8e1a7b3c4d5e6f7081a3"


def event_of(type_id: str, **changes: Any) -> dict[str, Any]:
    """One synthetic event of this type, valid against Zendesk's schema, with top-level keys replaced."""
    event = load_fixture("zendesk", f"event_callback_{type_id}_synthetic")["events"][0]
    event.update(changes)
    return event


def stranger_posts(*events: dict[str, Any]) -> Any:
    for event in events:
        validate("event_callback_any.json", event)  # nothing Zendesk's own schema would reject
    return Client().post(URL, data=json.dumps({"events": list(events)}), content_type="application/json")


def refreshed(obj: Any) -> Any:
    obj.refresh_from_db()
    return obj


@pytest.fixture
def instance() -> ChannelInstance:
    """acme's instance, set up without an API token or installation id: Zendesk cannot be asked."""
    account = factories.ZendeskAccountFactory(subdomain="acme", api_token=None, api_user="", installation_id=None)
    return factories.ChannelInstanceFactory(zendesk_account=account, name="Trustpilot — Demo")


# --- Requests that are unusable as a whole: a 4xx JSON error, nothing stored --------------------


def test_json_nested_5000_deep_is_400_and_nothing_is_stored():
    response = Client().post(URL, data='{"events": ' + "[" * 5000 + "]" * 5000 + "}", content_type="application/json")

    assert response.status_code == 400
    assert response.json()["error"] == "parse_error"
    assert "nested" in response.json()["message"]
    assert not ChannelEvent.objects.exists()


def test_json_nested_deeper_than_any_zendesk_event_is_400_even_when_python_could_parse_it():
    deep = {"events": [event_of("create_integration", data={"x": json.loads("[" * 200 + "]" * 200)})]}

    response = Client().post(URL, data=json.dumps(deep), content_type="application/json")

    assert response.status_code == 400
    assert not ChannelEvent.objects.exists()
    assert not ZendeskAccount.objects.exists()


def test_more_than_100_events_in_one_request_is_400_and_none_is_stored_or_acted_on():
    events = [event_of("create_integration", subdomain=f"shop{n}") for n in range(101)]

    response = stranger_posts(*events)

    assert response.status_code == 400
    assert response.json() == {"error": "bad_request", "message": "At most 100 events per request; got 101"}
    assert not ZendeskAccount.objects.exists()
    assert not ChannelEvent.objects.exists()


def test_a_body_over_the_size_cap_is_413_and_nothing_is_stored(settings):
    settings.ZENDESK_MAX_REQUEST_BYTES = 4096
    padded = event_of("create_integration", error="x" * 4096)

    response = stranger_posts(padded)

    assert response.status_code == 413
    assert response.json()["error"] == "request_too_large"
    assert "4096 bytes" in response.json()["message"]
    assert not ZendeskAccount.objects.exists()
    assert not ChannelEvent.objects.exists()


@pytest.mark.parametrize("url", ["/zendesk/pull", "/zendesk/channelback", "/zendesk/event_callback"])
def test_a_multipart_body_is_415_on_every_channel_endpoint(url):
    response = Client().post(url, {"metadata": "x", "events": "[]"})  # the test client's default is multipart

    assert response.status_code == 415
    assert response.json()["error"] == "unsupported_media_type"
    assert not ChannelEvent.objects.exists()


# --- Events that are refused or not acted on: 200, the reason kept on the stored event ----------


@pytest.mark.parametrize("subdomain", ["evil.example", "acme/../other", "-acme", "a" * 64, "acme\n", ""])
def test_an_event_naming_no_zendesk_subdomain_is_stored_as_refused_and_changes_nothing(instance, subdomain):
    response = stranger_posts(event_of("create_integration", subdomain=subdomain), event_of("destroy_integration"))

    assert response.status_code == 200
    assert list(ZendeskAccount.objects.values_list("subdomain", flat=True)) == ["acme"]
    assert refreshed(instance).status == ChannelInstance.Status.ACTIVE
    refused = ChannelEvent.objects.get(type_id="create_integration")
    assert refused.outcome == ChannelEvent.Outcome.REFUSED
    assert "subdomain" in refused.outcome_reason
    assert refused.zendesk_account is None


def test_destroy_integration_without_api_credentials_only_records_an_uninstall_report(instance, revoked):
    response = stranger_posts(event_of("destroy_integration"))

    assert response.status_code == 200
    account = refreshed(instance.zendesk_account)
    assert account.status == ZendeskAccount.Status.ACTIVE
    assert refreshed(instance).status == ChannelInstance.Status.ACTIVE
    assert refreshed(instance).push_token is not None
    assert revoked == []
    assert account.uninstall_reported_at is not None
    event = ChannelEvent.objects.get()
    assert event.outcome == ChannelEvent.Outcome.UNINSTALL_REPORTED
    assert "confirm" in event.outcome_reason


def test_destroy_integration_reported_again_keeps_the_first_report(instance, revoked):
    stranger_posts(event_of("destroy_integration"))
    first = refreshed(instance.zendesk_account).uninstall_reported_at

    stranger_posts(event_of("destroy_integration"))

    assert refreshed(instance.zendesk_account).uninstall_reported_at == first
    assert refreshed(instance).status == ChannelInstance.Status.ACTIVE


def reviewer_review(**fields: Any) -> Review:
    return factories.ReviewFactory(reviewer_id=REVIEWER, reference_id="ORD-1", **fields)


def purge_request() -> dict[str, Any]:
    event = event_of("destroy_user_identity")
    del event["data"]["metadata"]  # optional in Zendesk's schema, and a stranger has none
    return event


def test_destroy_user_identity_for_a_reviewer_this_account_never_received_purges_nothing(instance):
    domain = factories.DomainFactory()
    instance.domains.add(domain)
    undelivered = reviewer_review(domain=domain)  # in acme's domain, never sent to acme's Zendesk
    elsewhere = factories.ReviewTicketLinkFactory(
        review=reviewer_review(), instance__zendesk_account__subdomain="other"
    ).review

    response = stranger_posts(purge_request())

    assert response.status_code == 200
    for review in (undelivered, elsewhere):
        review.refresh_from_db()
        assert (review.reviewer_name != "", review.reference_id, review.personal_data_purged_at) == (
            True,
            "ORD-1",
            None,
        )
    event = ChannelEvent.objects.get()
    assert event.outcome == ChannelEvent.Outcome.REFUSED
    assert "never delivered" in event.outcome_reason


def test_destroy_user_identity_for_a_reviewer_this_account_received_purges_their_data(instance):
    domain = factories.DomainFactory()
    instance.domains.add(domain)
    delivered = factories.ReviewTicketLinkFactory(instance=instance, review=reviewer_review(domain=domain)).review
    same_reviewer_same_domain = reviewer_review(domain=domain)

    response = stranger_posts(purge_request())

    assert response.status_code == 200
    assert (refreshed(delivered).reviewer_name, refreshed(same_reviewer_same_domain).reviewer_name) == ("", "")
    assert ChannelEvent.objects.get().outcome == ChannelEvent.Outcome.ACTED_ON


def ticket_event(external_id: str, ticket_id: int, comment_id: int) -> dict[str, Any]:
    event = event_of("resources_created_from_external_ids")
    event["data"]["resource_events"] = [
        {
            "type_id": "comment_on_new_ticket",
            "external_id": external_id,
            "ticket_id": ticket_id,
            "comment_id": comment_id,
        }
    ]
    return event


def test_resources_created_never_moves_a_review_to_another_ticket(instance):
    link = factories.ReviewTicketLinkFactory(instance=instance, zendesk_ticket_id=18342, zendesk_comment_id=4721)

    response = stranger_posts(ticket_event(link.external_id, 99999, 1))

    assert response.status_code == 200
    assert ReviewTicketLink.objects.filter(pk=link.pk).values_list("zendesk_ticket_id", "zendesk_comment_id").get() == (
        18342,
        4721,
    )
    event = ChannelEvent.objects.get()
    assert event.outcome == ChannelEvent.Outcome.CONFLICT
    assert event.outcome_reason == f"{link.external_id} is on ticket 18342, not 99999: kept on 18342"


def test_resources_created_fills_an_empty_ticket_id_and_a_repeat_changes_nothing(instance):
    link = factories.ReviewTicketLinkFactory(instance=instance)

    assert stranger_posts(ticket_event(link.external_id, 18342, 4721)).status_code == 200
    assert stranger_posts(ticket_event(link.external_id, 18342, 5555)).status_code == 200

    assert ReviewTicketLink.objects.filter(pk=link.pk).values_list("zendesk_ticket_id", "zendesk_comment_id").get() == (
        18342,
        4721,
    )
    assert [e.outcome for e in ChannelEvent.objects.order_by("pk")] == [ChannelEvent.Outcome.ACTED_ON] * 2


def test_an_instance_event_with_forged_metadata_is_answered_200_and_stored_as_refused(instance, revoked):
    forged = event_of("destroy_integration_instance")
    forged["data"]["metadata"] = "forged"

    response = stranger_posts(forged)

    assert response.status_code == 200
    assert response.json() == {"received": 1}
    assert refreshed(instance).status == ChannelInstance.Status.ACTIVE
    assert revoked == []
    event = ChannelEvent.objects.get()
    assert (event.outcome, event.outcome_reason) == (
        ChannelEvent.Outcome.REFUSED,
        "metadata is not signed by this TrustDesk",
    )


def test_a_handler_that_fails_is_answered_200_and_the_event_kept_as_failed(instance, monkeypatch):
    def broken(event, data):
        raise RuntimeError("database went away")

    monkeypatch.setitem(HANDLERS, "pull_request", broken)

    response = stranger_posts(event_of("pull_request"))

    assert response.status_code == 200
    assert ChannelEvent.objects.get().outcome == ChannelEvent.Outcome.FAILED


def test_a_conflict_shows_in_the_admins_event_list_and_page(instance, client_for, support_manager):
    link = factories.ReviewTicketLinkFactory(instance=instance, zendesk_ticket_id=18342)
    stranger_posts(ticket_event(link.external_id, 99999, 1))
    event = ChannelEvent.objects.get()
    manager = client_for(support_manager)

    listed = manager.get(reverse("admin:integrations_channelevent_changelist"), {"outcome__exact": "conflict"})
    page = manager.get(reverse("admin:integrations_channelevent_change", args=[event.pk]))

    assert [row.pk for row in listed.context["cl"].result_list] == [event.pk]
    assert f"{link.external_id} is on ticket" in listed.content.decode()  # shortened in the list
    assert "is on ticket 18342, not 99999: kept on 18342" in page.content.decode()
    assert "Conflict" in page.content.decode()
