"""event_callback as a stranger would use it: POSTs that try to disconnect, purge, relink or crash.

Zendesk signs no event (docs/zendesk.md §7.1); only the secret in acme's app address says an event comes from
acme's Zendesk. So each attack is posted at acme's own address with a forged field, as anyone who got
hold of that address could (the attack the secret does not stop), and checks the answer, then that the
database holds what it held before (nothing purged, nothing disconnected), then what the stored event
says about its refusal. The same attacks posted anonymously at the un-keyed /zendesk/event_callback,
as before each account had a secret, are answered 410 with every event stored refused and nothing changed.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from integrations.event_handlers import HANDLERS
from integrations.models import AccessRestriction, ChannelEvent, ChannelInstance, ReviewTicketLink, ZendeskAccount
from integrations.protocol_errors import AppAddressRequired
from reviews.models import Review, TrustpilotAccount
from tests import factories
from tests.fixtures import load_fixture
from tests.zendesk_requests import keyed
from tests.zendesk_schemas import validate

pytestmark = pytest.mark.django_db
URL = "/zendesk/event_callback"  # un-keyed: the address of apps built before each account's secret
OWN = "acme's address"
UNKEYED = "un-keyed"
REVIEWER = "5d2f8e1a7b3c4d5e6f7081a3"


def event_of(type_id: str, **changes: Any) -> dict[str, Any]:
    """One synthetic event of this type, valid against Zendesk's schema, with top-level keys replaced."""
    event = load_fixture("zendesk", f"event_callback_{type_id}_synthetic")["events"][0]
    event.update(changes)
    return event


def address(where: str = OWN) -> str:
    return URL if where == UNKEYED else keyed("event_callback", ZendeskAccount.objects.get(subdomain="acme"))


def stranger_posts(*events: dict[str, Any], where: str = OWN) -> Any:
    for event in events:
        validate("event_callback_any.json", event)  # nothing Zendesk's own schema would reject
    return Client().post(address(where), data=json.dumps({"events": list(events)}), content_type="application/json")


def subdomains() -> list[str]:
    return list(ZendeskAccount.objects.values_list("subdomain", flat=True))


def refreshed(obj: Any) -> Any:
    obj.refresh_from_db()
    return obj


@pytest.fixture
def instance() -> ChannelInstance:
    """acme's instance, set up without an API token or installation id: Zendesk cannot be asked."""
    account = factories.ZendeskAccountFactory(subdomain="acme", api_token=None, api_user="", installation_id=None)
    return factories.ChannelInstanceFactory(zendesk_account=account, name="Trustpilot — Demo")


# --- Requests that are unusable as a whole: a 4xx JSON error, nothing stored --------------------


@pytest.mark.parametrize("where", [OWN, UNKEYED])
def test_json_nested_5000_deep_is_400_and_nothing_is_stored(instance, where):
    body = '{"events": ' + "[" * 5000 + "]" * 5000 + "}"

    response = Client().post(address(where), data=body, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["error"] == "parse_error"
    assert "nested" in response.json()["message"]
    assert not ChannelEvent.objects.exists()


@pytest.mark.parametrize("where", [OWN, UNKEYED])
def test_json_nested_deeper_than_any_zendesk_event_is_400_even_when_python_could_parse_it(instance, where):
    deep = {"events": [event_of("destroy_integration", data={"x": json.loads("[" * 200 + "]" * 200)})]}

    response = Client().post(address(where), data=json.dumps(deep), content_type="application/json")

    assert response.status_code == 400
    assert not ChannelEvent.objects.exists()
    assert refreshed(instance.zendesk_account).uninstall_reported_at is None


@pytest.mark.parametrize("where", [OWN, UNKEYED])
def test_more_than_100_events_in_one_request_is_400_and_none_is_stored_or_acted_on(instance, where):
    events = [event_of("destroy_integration") for _ in range(101)]

    response = stranger_posts(*events, where=where)

    assert response.status_code == 400
    assert response.json() == {"error": "bad_request", "message": "At most 100 events per request; got 101"}
    assert refreshed(instance.zendesk_account).uninstall_reported_at is None
    assert not ChannelEvent.objects.exists()


@pytest.mark.parametrize("where", [OWN, UNKEYED])
def test_a_body_over_the_size_cap_is_413_and_nothing_is_stored(instance, settings, where):
    settings.ZENDESK_MAX_REQUEST_BYTES = 4096
    padded = event_of("destroy_integration", error="x" * 4096)

    response = stranger_posts(padded, where=where)

    assert response.status_code == 413
    assert response.json()["error"] == "request_too_large"
    assert "4096 bytes" in response.json()["message"]
    assert refreshed(instance.zendesk_account).uninstall_reported_at is None
    assert not ChannelEvent.objects.exists()


@pytest.mark.parametrize("view", ["pull", "channelback", "event_callback", "un-keyed event_callback"])
def test_a_multipart_body_is_415_on_every_channel_endpoint(instance, view):
    url = URL if view == "un-keyed event_callback" else keyed(view, instance)

    response = Client().post(url, {"metadata": "x", "events": "[]"})  # the test client's default is multipart

    assert response.status_code == 415
    assert response.json()["error"] == "unsupported_media_type"
    assert not ChannelEvent.objects.exists()


# --- Events that are refused or not acted on: 200, the reason kept on the stored event ----------


@pytest.mark.parametrize("subdomain", ["evil.example", "acme/../other", "-acme", "a" * 64, "acme\n", ""])
def test_an_event_naming_no_zendesk_subdomain_is_stored_as_refused_and_changes_nothing(instance, subdomain):
    response = stranger_posts(event_of("create_integration", subdomain=subdomain), event_of("destroy_integration"))

    assert response.status_code == 200
    assert subdomains() == ["acme"]
    assert refreshed(instance).status == ChannelInstance.Status.ACTIVE
    refused = ChannelEvent.objects.get(type_id="create_integration")
    assert refused.outcome == ChannelEvent.Outcome.REFUSED
    assert "subdomain" in refused.outcome_reason
    assert refused.zendesk_account == instance.zendesk_account  # the account whose address it came to


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


# --- The same attacks at the un-keyed address: 410, every event stored refused, nothing changed -


def state() -> list[Any]:
    return [
        list(model.objects.order_by("pk").values())
        for model in (ZendeskAccount, ChannelInstance, TrustpilotAccount, ReviewTicketLink, Review, AccessRestriction)
    ]


def forged_destroy(instance: ChannelInstance) -> list[dict[str, Any]]:
    forged = event_of("destroy_integration_instance")
    forged["data"]["metadata"] = "forged"
    return [forged]


def purge_of_a_reviewer_never_received(instance: ChannelInstance) -> list[dict[str, Any]]:
    domain = factories.DomainFactory()
    instance.domains.add(domain)
    reviewer_review(domain=domain)
    factories.ReviewTicketLinkFactory(review=reviewer_review(), instance__zendesk_account__subdomain="other")
    return [purge_request()]


def purge_of_a_reviewer_received(instance: ChannelInstance) -> list[dict[str, Any]]:
    domain = factories.DomainFactory()
    instance.domains.add(domain)
    factories.ReviewTicketLinkFactory(instance=instance, review=reviewer_review(domain=domain))
    reviewer_review(domain=domain)
    return [purge_request()]


def ticket_moved(instance: ChannelInstance) -> list[dict[str, Any]]:
    link = factories.ReviewTicketLinkFactory(instance=instance, zendesk_ticket_id=18342, zendesk_comment_id=4721)
    return [ticket_event(link.external_id, 99999, 1)]


def ticket_filled(instance: ChannelInstance) -> list[dict[str, Any]]:
    link = factories.ReviewTicketLinkFactory(instance=instance)
    return [ticket_event(link.external_id, 18342, 4721)]


ATTACKS: dict[str, Callable[[ChannelInstance], list[dict[str, Any]]]] = {
    "no zendesk subdomain": lambda instance: [
        event_of("create_integration", subdomain="evil.example"),
        event_of("destroy_integration"),
    ],
    "uninstall without api credentials": lambda instance: [event_of("destroy_integration")],
    "purge of a reviewer never received": purge_of_a_reviewer_never_received,
    "purge of a reviewer received": purge_of_a_reviewer_received,
    "ticket moved": ticket_moved,
    "ticket filled": ticket_filled,
    "forged metadata": forged_destroy,
    "failing handler": lambda instance: [event_of("pull_request")],
}


@pytest.mark.parametrize("attack", ATTACKS)
def test_an_attack_at_the_unkeyed_address_is_410_stored_refused_and_changes_nothing(
    instance, revoked, monkeypatch, attack
):
    def broken(event, data):
        raise RuntimeError("database went away")

    monkeypatch.setitem(HANDLERS, "pull_request", broken)
    events = ATTACKS[attack](instance)
    before = state()

    response = stranger_posts(*events, where=UNKEYED)

    assert response.status_code == 410
    assert response.json()["error"] == "app_address_required"
    assert state() == before
    assert revoked == []
    stored = ChannelEvent.objects.order_by("pk")
    assert [(event.outcome, event.outcome_reason) for event in stored] == [
        (ChannelEvent.Outcome.REFUSED, AppAddressRequired().message)
    ] * len(events)
