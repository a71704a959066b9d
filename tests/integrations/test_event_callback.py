"""event_callback at acme's app address: every event is stored; each type changes what it should, once;
forged metadata changes nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import responses
from django.core import signing
from django.test import Client

from integrations.app_address import account_for_app
from integrations.event_handlers import HANDLERS, IGNORED
from integrations.metadata import SALT, metadata_for
from integrations.models import AccessRestriction, ChannelEvent, ChannelInstance, ReviewTicketLink, ZendeskAccount
from integrations.services.disconnect import instance_disconnect
from reviews.models import Reply, Review, TrustpilotAccount
from tests import factories
from tests.fixtures import FIXTURES_DIR, load_fixture
from tests.zendesk_requests import keyed
from tests.zendesk_schemas import SCHEMA_DIR, needs_schemas, validate

pytestmark = pytest.mark.django_db
FIXTURES = sorted(path.name for path in (FIXTURES_DIR / "zendesk").glob("event_callback_*_synthetic.json"))
TYPES = [
    "create_integration",
    "destroy_integration",
    "create_integration_instance",
    "activate_integration_instance",
    "deactivate_integration_instance",
    "destroy_integration_instance",
    "destroy_user_identity",
    "pull_request",
    "channelback",
    "resources_created_from_external_ids",
]


@pytest.fixture
def instance() -> ChannelInstance:
    return factories.ChannelInstanceFactory(zendesk_account__subdomain="acme", name="Trustpilot — Demo")


@pytest.fixture
def acme() -> ZendeskAccount:
    """acme's Zendesk account as building its app made it, before any instance."""
    return account_for_app("acme")


def body_of(type_id: str, **data: Any) -> dict[str, Any]:
    """The synthetic fixture for one event type, with `data` keys replaced (e.g. real signed metadata)."""
    body = load_fixture("zendesk", f"event_callback_{type_id}_synthetic")
    for event in body["events"]:
        event["data"].update(data)
    return body


def address() -> str:
    """acme's app address for events: the fixtures' events all name acme."""
    return keyed("event_callback", ZendeskAccount.objects.get(subdomain="acme"))


def post(body: Any) -> Any:
    return Client().post(address(), data=json.dumps(body), content_type="application/json")


def refreshed(obj: Any) -> Any:
    obj.refresh_from_db()
    return obj


# --- Contract ----------------------------------------------------------------------------------


@needs_schemas
@pytest.mark.parametrize("name", FIXTURES)
def test_every_fixture_event_matches_zendesks_schema(name):
    for event in load_fixture("zendesk", name)["events"]:
        validate("event_callback_any.json", event)


@needs_schemas
def test_every_event_type_in_zendesks_schema_has_a_fixture_and_a_handler_or_is_ignored():
    schema = json.loads(Path(SCHEMA_DIR / "event_callback_base.json").read_text())
    types = set(schema["definitions"]["event_callback_base"]["properties"]["type_id"]["enum"])

    assert types == set(TYPES)
    assert set(HANDLERS) | IGNORED == types
    assert not set(HANDLERS) & IGNORED
    assert {f"event_callback_{type_id}_synthetic.json" for type_id in types} <= set(FIXTURES)


# --- Storage -----------------------------------------------------------------------------------


def test_an_event_is_stored_as_sent_with_its_account_time_and_error():
    account = factories.ZendeskAccountFactory(subdomain="acme")
    body = body_of("pull_request")

    response = post(body)

    assert response.status_code == 200
    assert response.json() == {"received": 1}
    event = ChannelEvent.objects.get()
    assert event.payload == body["events"][0]
    assert (event.subdomain, event.type_id, event.zendesk_account) == ("acme", "pull_request", account)
    assert event.occurred_at.isoformat() == "2026-11-03T07:45:09+00:00"
    assert event.error == body["events"][0]["error"]


@pytest.mark.parametrize("type_id", ["pull_request", "channelback"])
def test_pull_and_channelback_reports_are_stored_with_the_instance_they_name(instance, type_id):
    factories.ChannelInstanceFactory(zendesk_account__subdomain="other", name="Trustpilot — Demo")

    response = post(body_of(type_id))

    assert response.status_code == 200
    event = ChannelEvent.objects.get()
    assert event.instance == instance
    assert event.zendesk_account == instance.zendesk_account
    assert event.error.startswith(("Error while parsing pull response", "Channelback failed"))


def test_an_unknown_event_type_is_stored_and_answered_200(acme):
    event = {**body_of("channelback")["events"][0], "type_id": "update_integration_instance", "timestamp": "soon"}

    response = post({"events": [event]})

    assert response.status_code == 200
    assert response.json() == {"received": 1}
    stored = ChannelEvent.objects.get()
    assert (stored.type_id, stored.payload, stored.occurred_at) == ("update_integration_instance", event, None)


# --- Malformed requests ------------------------------------------------------------------------


def test_a_body_that_is_not_json_gets_400(acme):
    response = Client().post(address(), data="{events: [", content_type="application/json")

    assert response.status_code == 400
    assert response.json()["error"] == "parse_error"
    assert not ChannelEvent.objects.exists()


def test_a_form_body_gets_415_with_a_json_error(acme):
    response = Client().post(address(), {"events": "[]"})

    assert response.status_code == 415
    assert response.json()["error"] == "unsupported_media_type"
    assert not ChannelEvent.objects.exists()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, 'Expected a JSON object with an "events" list'),
        ([{"type_id": "pull_request"}], 'Expected a JSON object with an "events" list'),
        ({"events": {"type_id": "pull_request"}}, '"events" must be a list'),
        ({"events": None}, '"events" must be a list'),
    ],
)
def test_a_body_without_an_events_list_gets_400(acme, body, message):
    response = post(body)

    assert response.status_code == 400
    assert response.json() == {"error": "bad_request", "message": message}
    assert not ChannelEvent.objects.exists()


def test_an_event_that_is_not_an_object_is_stored_as_not_acted_on_and_the_others_are_handled(acme):
    ZendeskAccount.objects.filter(pk=acme.pk).update(status=ZendeskAccount.Status.DISCONNECTED)
    body = {"events": [body_of("create_integration")["events"][0], "create_integration", {"type_id": 7}]}

    response = post(body)

    assert response.status_code == 200
    assert response.json() == {"received": 3}
    assert refreshed(acme).status == ZendeskAccount.Status.ACTIVE  # create_integration was handled
    assert list(ChannelEvent.objects.order_by("pk").values_list("outcome", "outcome_reason")) == [
        ("acted_on", ""),
        ("not_acted_on", "an event must be a JSON object"),
        ("not_acted_on", "type_id is missing"),
    ]
    assert ChannelEvent.objects.get(payload="create_integration").error.startswith("TrustDesk: not acted on")


def test_a_handler_that_fails_is_answered_200_with_the_event_kept_as_failed_and_the_others_handled(acme, monkeypatch):
    ZendeskAccount.objects.filter(pk=acme.pk).update(status=ZendeskAccount.Status.DISCONNECTED)

    def broken(event, data):
        raise RuntimeError("database went away")

    monkeypatch.setitem(HANDLERS, "pull_request", broken)
    body = {"events": [body_of("pull_request")["events"][0], body_of("create_integration")["events"][0]]}

    response = post(body)

    assert response.status_code == 200
    assert response.json() == {"received": 2}
    assert refreshed(acme).status == ZendeskAccount.Status.ACTIVE  # create_integration was handled
    failed = ChannelEvent.objects.get(type_id="pull_request")
    assert failed.outcome == ChannelEvent.Outcome.FAILED
    assert "TrustDesk: handling failed unexpectedly" in failed.error


# --- Installation ------------------------------------------------------------------------------


def test_create_integration_keeps_the_zendesk_account_its_app_was_built_for_active(acme):
    response = post(body_of("create_integration"))

    assert response.status_code == 200
    assert list(ZendeskAccount.objects.all()) == [acme]
    assert refreshed(acme).status == ZendeskAccount.Status.ACTIVE
    event = ChannelEvent.objects.get()
    assert (event.zendesk_account, event.outcome) == (acme, ChannelEvent.Outcome.ACTED_ON)


def test_create_integration_reactivates_an_account_disconnected_by_an_uninstall():
    account = factories.ZendeskAccountFactory(
        subdomain="acme", status=ZendeskAccount.Status.DISCONNECTED, disconnected_by="Zendesk acme"
    )

    assert post(body_of("create_integration")).status_code == 200

    account.refresh_from_db()
    assert (account.status, account.disconnected_by, account.disconnected_at) == ("active", "", None)


def test_destroy_integration_confirmed_by_zendesk_disconnects_the_account_its_instances_and_restrictions(
    instance, revoked
):
    account = instance.zendesk_account
    ZendeskAccount.objects.filter(pk=account.pk).update(installation_id=360001234)
    second = factories.ChannelInstanceFactory(zendesk_account=account)
    factories.AccessRestrictionFactory(zendesk_account=account)

    with responses.RequestsMock() as zendesk:
        zendesk.get("https://acme.zendesk.com/api/v2/apps/installations/360001234.json", status=404, json={})
        response = post(body_of("destroy_integration"))

    assert response.status_code == 200
    account.refresh_from_db()
    assert account.status == ZendeskAccount.Status.DISCONNECTED
    assert account.api_token is None
    assert account.disconnected_by == "Zendesk acme (destroy_integration)"
    assert account.disconnected_at is not None
    assert not AccessRestriction.objects.filter(zendesk_account=account).exists()
    assert {refreshed(i).status for i in (instance, second)} == {ChannelInstance.Status.DISCONNECTED}
    assert {refreshed(i).trustpilot_account.status for i in (instance, second)} == {"disconnected"}
    assert len(revoked) == 2
    assert ChannelEvent.objects.get().outcome == ChannelEvent.Outcome.ACTED_ON


@pytest.mark.parametrize(
    ("status", "body", "note"),
    [
        (200, {"id": 360001234, "app_id": 1, "enabled": True}, "still installed in Zendesk (installation 360001234)"),
        (503, {"error": "ServiceUnavailable"}, "Zendesk could not confirm the uninstall (HTTP 503"),
        (401, {"error": "Couldn't authenticate you"}, "Zendesk could not confirm the uninstall (HTTP 401"),
    ],
)
def test_destroy_integration_is_ignored_unless_zendesk_confirms_the_app_is_gone(instance, revoked, status, body, note):
    ZendeskAccount.objects.filter(pk=instance.zendesk_account_id).update(installation_id=360001234)
    with responses.RequestsMock() as zendesk:
        zendesk.get("https://acme.zendesk.com/api/v2/apps/installations/360001234.json", status=status, json=body)

        assert post(body_of("destroy_integration")).status_code == 200

    assert refreshed(instance).status == ChannelInstance.Status.ACTIVE
    assert refreshed(instance.zendesk_account).api_token is not None
    assert revoked == []
    assert note in ChannelEvent.objects.get().error


def test_destroy_integration_confirmed_by_zendesk_disconnects(instance, revoked):
    ZendeskAccount.objects.filter(pk=instance.zendesk_account_id).update(installation_id=360001234)
    with responses.RequestsMock() as zendesk:
        zendesk.get(
            "https://acme.zendesk.com/api/v2/apps/installations/360001234.json",
            status=404,
            json={"error": "RecordNotFound", "description": "Not found"},
        )

        assert post(body_of("destroy_integration")).status_code == 200

    assert refreshed(instance).status == ChannelInstance.Status.DISCONNECTED
    assert refreshed(instance.zendesk_account).status == ZendeskAccount.Status.DISCONNECTED


def test_destroy_integration_naming_another_subdomain_than_the_addresss_changes_nothing(instance):
    body = body_of("destroy_integration")
    body["events"][0]["subdomain"] = "nobody"

    assert post(body).status_code == 200

    assert refreshed(instance).status == ChannelInstance.Status.ACTIVE
    assert refreshed(instance.zendesk_account).uninstall_reported_at is None
    assert not ZendeskAccount.objects.filter(subdomain="nobody").exists()
    event = ChannelEvent.objects.get()
    assert (event.outcome, event.outcome_reason) == (
        ChannelEvent.Outcome.REFUSED,
        "subdomain 'nobody' is not acme, the Zendesk account this address belongs to",
    )


# --- Instances ---------------------------------------------------------------------------------


@pytest.mark.parametrize("type_id", ["create_integration_instance", "activate_integration_instance"])
def test_an_instance_event_activates_the_instance_its_metadata_names(instance, type_id):
    ChannelInstance.objects.filter(pk=instance.pk).update(status="deactivated", deactivated_at="2026-11-04T23:59Z")

    response = post(body_of(type_id, metadata=metadata_for(instance)))

    assert response.status_code == 200
    instance.refresh_from_db()
    assert (instance.status, instance.deactivated_at) == (ChannelInstance.Status.ACTIVE, None)
    assert ChannelEvent.objects.get().instance == instance


def test_deactivation_keeps_who_deactivated_the_instance_and_why(instance):
    response = post(body_of("deactivate_integration_instance", metadata=metadata_for(instance)))

    assert response.status_code == 200
    instance.refresh_from_db()
    assert instance.status == ChannelInstance.Status.DEACTIVATED
    assert instance.deactivated_at is not None
    assert ChannelEvent.objects.get().error == (
        "Integration instance deactivated after repeated pull failures\n"
        "TrustDesk: deactivated by error: Pull failed 10 times in a row: HTTP 503 from https://trustdesk.test/zendesk/pull"
    )


def test_a_disconnected_instance_is_not_reactivated(instance):
    ChannelInstance.objects.filter(pk=instance.pk).update(status="disconnected")

    response = post(body_of("activate_integration_instance", metadata=metadata_for(instance)))

    assert response.status_code == 200
    assert refreshed(instance).status == ChannelInstance.Status.DISCONNECTED
    assert "was not reactivated" in ChannelEvent.objects.get().error


def test_destroying_an_instance_keeps_its_history_and_disconnects_its_unused_trustpilot_account(instance, revoked):
    link = factories.ReviewTicketLinkFactory(instance=instance, review__domain__account=instance.trustpilot_account)
    factories.ReplyFactory(review=link.review)
    refresh_token = instance.trustpilot_account.refresh_token.reveal()

    response = post(body_of("destroy_integration_instance", metadata=metadata_for(instance)))

    assert response.status_code == 200
    instance.refresh_from_db()
    assert instance.status == ChannelInstance.Status.DISCONNECTED
    assert (instance.push_token, instance.instance_push_id) == (None, "")
    assert instance.disconnected_at is not None
    assert ReviewTicketLink.objects.filter(instance=instance).count() == 1
    assert (Review.objects.count(), Reply.objects.count()) == (1, 1)
    account = instance.trustpilot_account
    assert account.status == TrustpilotAccount.Status.DISCONNECTED
    assert (account.access_token, account.refresh_token) == (None, None)
    assert account.disconnected_by == "Zendesk acme (destroy_integration_instance)"
    assert revoked == [refresh_token]
    assert link.review.domain.account == account  # the domain stays, no longer polled


@pytest.mark.parametrize("other_status", ["active", "deactivated"])
def test_destroying_an_instance_keeps_a_trustpilot_account_another_instance_uses(instance, revoked, other_status):
    factories.ChannelInstanceFactory(trustpilot_account=instance.trustpilot_account, status=other_status)

    assert post(body_of("destroy_integration_instance", metadata=metadata_for(instance))).status_code == 200

    assert refreshed(instance).status == ChannelInstance.Status.DISCONNECTED
    account = refreshed(instance.trustpilot_account)
    assert account.status == TrustpilotAccount.Status.CONNECTED
    assert account.refresh_token is not None
    assert revoked == []


def unknown_instance_metadata() -> str:
    return signing.dumps({"instance": 987654}, salt=SALT, compress=True)


@pytest.mark.parametrize(
    ("metadata", "reason"),
    [
        ("forged", "metadata is not signed by this TrustDesk"),
        ("", "metadata is missing"),
        (None, "metadata is missing"),
        (unknown_instance_metadata, "metadata names a channel instance TrustDesk does not know"),
    ],
)
def test_an_instance_event_with_bad_metadata_is_stored_as_refused_while_the_others_are_handled(
    instance, revoked, metadata, reason
):
    metadata = metadata() if callable(metadata) else metadata
    refused = body_of("destroy_integration_instance", metadata=metadata)["events"][0]
    body = {"events": [body_of("create_integration")["events"][0], refused, body_of("channelback")["events"][0]]}

    response = post(body)

    assert response.status_code == 200
    assert response.json() == {"received": 3}
    assert refreshed(instance).status == ChannelInstance.Status.ACTIVE
    assert refreshed(instance).push_token is not None
    assert revoked == []
    assert ChannelEvent.objects.count() == 3
    stored = ChannelEvent.objects.get(type_id="destroy_integration_instance")
    assert stored.instance is None
    assert (stored.outcome, stored.outcome_reason) == (ChannelEvent.Outcome.REFUSED, reason)
    assert stored.error == f"TrustDesk: refused, nothing was changed: {reason}"
    assert ChannelEvent.objects.get(type_id="channelback").instance == instance


def reconnected(instance: ChannelInstance) -> str:
    """Disconnect the instance for real, then bring it back as a finished setup would; its new metadata."""
    instance_disconnect(instance=instance, by="admin@trustdesk.test")
    ChannelInstance.objects.filter(pk=instance.pk).update(status=ChannelInstance.Status.ACTIVE, disconnected_at=None)
    return metadata_for(refreshed(instance))


@pytest.mark.parametrize("type_id", ["deactivate_integration_instance", "destroy_integration_instance"])
def test_an_instance_event_with_metadata_kept_from_before_a_disconnect_is_refused(instance, revoked, type_id):
    kept = metadata_for(instance)
    fresh = reconnected(instance)
    reason = f"metadata of channel instance {instance.pk} is out of date: the instance was disconnected since"

    response = post(body_of(type_id, metadata=kept))

    assert response.status_code == 200
    after = refreshed(instance)
    assert (after.status, after.metadata_version) == (ChannelInstance.Status.ACTIVE, 2)
    stored = ChannelEvent.objects.get()
    assert (stored.type_id, stored.instance, stored.outcome) == (type_id, None, ChannelEvent.Outcome.REFUSED)
    assert stored.error.endswith(f"TrustDesk: refused, nothing was changed: {reason}")
    assert post(body_of(type_id, metadata=fresh)).status_code == 200
    assert refreshed(instance).status != ChannelInstance.Status.ACTIVE


@pytest.mark.parametrize(
    "type_id", ["activate_integration_instance", "deactivate_integration_instance", "destroy_integration_instance"]
)
def test_zendesks_copy_from_before_a_disconnect_changes_nothing_while_the_instance_stays_disconnected(
    instance, revoked, type_id
):
    kept = metadata_for(instance)
    instance_disconnect(instance=instance, by="admin@trustdesk.test")  # in TrustDesk's admin: Zendesk never knew
    before = ChannelInstance.objects.filter(pk=instance.pk).values().get()

    response = post(body_of(type_id, metadata=kept))

    assert response.status_code == 200
    assert ChannelInstance.objects.filter(pk=instance.pk).values().get() == before
    stored = ChannelEvent.objects.get()
    assert stored.instance == instance
    assert stored.error.endswith(
        f"TrustDesk: not acted on: metadata of channel instance {instance.pk} is out of date: "
        "the instance was disconnected since, and it still is"
    )


def test_a_batch_is_handled_in_order(instance):
    body = load_fixture("zendesk", "event_callback_batch_synthetic")
    body["events"][1]["data"]["metadata"] = metadata_for(instance)
    ChannelInstance.objects.filter(pk=instance.pk).update(status="deactivated")

    response = post(body)

    assert response.status_code == 200
    assert response.json() == {"received": 4}
    assert refreshed(instance).status == ChannelInstance.Status.ACTIVE
    assert list(ChannelEvent.objects.order_by("pk").values_list("type_id", flat=True)) == [
        event["type_id"] for event in body["events"]
    ]


# --- Personal data -----------------------------------------------------------------------------


def reviewer_raw(review_id: str) -> dict[str, Any]:
    raw = load_fixture("trustpilot", "review_synthetic")
    raw["id"] = review_id
    return raw


def test_destroy_user_identity_purges_also_with_metadata_from_before_a_disconnect(instance, revoked):
    domain = factories.DomainFactory()
    instance.domains.add(domain)
    review = factories.ReviewFactory(domain=domain, reviewer_id="5d2f8e1a7b3c4d5e6f7081a3", raw=reviewer_raw("1"))
    factories.ReviewTicketLinkFactory(instance=instance, review=review)
    kept = metadata_for(instance)
    reconnected(instance)

    response = post(body_of("destroy_user_identity", metadata=kept))

    assert response.status_code == 200
    assert refreshed(review).reviewer_name == ""
    assert ChannelEvent.objects.get().error == (
        "TrustDesk: personal data of tp-consumer-5d2f8e1a7b3c4d5e6f7081a3 removed from 1 review(s)"
    )


def test_destroy_user_identity_purges_that_reviewers_personal_data_in_this_zendesk_account(instance):
    domain = factories.DomainFactory()
    instance.domains.add(domain)
    elsewhere = factories.ChannelInstanceFactory(zendesk_account__subdomain="other")
    elsewhere.domains.add(foreign_domain := factories.DomainFactory())
    reviewer = "5d2f8e1a7b3c4d5e6f7081a3"
    mine = [
        factories.ReviewFactory(domain=domain, reviewer_id=reviewer, reference_id="ORD-1", raw=reviewer_raw(str(n)))
        for n in range(2)
    ]
    factories.ReviewTicketLinkFactory(instance=instance, review=mine[0])  # the other review is not sent yet
    someone_else = factories.ReviewFactory(domain=domain, reference_id="ORD-2", raw=reviewer_raw("x"))
    other_account = factories.ReviewFactory(domain=foreign_domain, reviewer_id=reviewer, raw=reviewer_raw("y"))
    factories.ReviewTicketLinkFactory(instance=elsewhere, review=other_account)

    response = post(body_of("destroy_user_identity", metadata=metadata_for(instance)))

    assert response.status_code == 200
    for review in mine:
        review.refresh_from_db()
        assert (review.reviewer_name, review.reviewer_email, review.reference_id) == ("", "", "")
        assert (review.stars, review.title, review.reviewer_id) == (4, review.title, reviewer)
        assert review.raw["consumer"]["displayName"] == ""
        assert (review.raw["referralEmail"], review.raw["referenceId"]) == ("", "")
        assert review.raw["text"] == reviewer_raw("")["text"]
        assert review.raw["consumer"]["id"] == reviewer
    for untouched in (someone_else, other_account):
        assert refreshed(untouched).reviewer_name.startswith("Reviewer")
        assert untouched.raw["consumer"]["displayName"] == "Jørgen Sørensen"
    event = ChannelEvent.objects.get()
    assert event.error == "TrustDesk: personal data of tp-consumer-5d2f8e1a7b3c4d5e6f7081a3 removed from 2 review(s)"
    assert event.instance == instance


def test_destroy_user_identity_matches_a_reviewer_known_only_by_review_id(instance):
    domain = factories.DomainFactory()
    instance.domains.add(domain)
    review = factories.ReviewFactory(domain=domain, trustpilot_id="651e9b774c1d8b0012a3b4d6", reviewer_id="")
    factories.ReviewTicketLinkFactory(instance=instance, review=review)

    body = body_of("destroy_user_identity", author={"external_id": "tp-consumer-651e9b774c1d8b0012a3b4d6"})
    del body["events"][0]["data"]["metadata"]
    assert post(body).status_code == 200

    assert refreshed(review).reviewer_name == ""


def test_destroy_user_identity_with_forged_metadata_is_refused(instance):
    domain = factories.DomainFactory()
    instance.domains.add(domain)
    review = factories.ReviewFactory(domain=domain, reviewer_id="5d2f8e1a7b3c4d5e6f7081a3")
    factories.ReviewTicketLinkFactory(instance=instance, review=review)

    response = post(body_of("destroy_user_identity", metadata="forged"))

    assert response.status_code == 200
    assert refreshed(review).reviewer_name != ""
    assert ChannelEvent.objects.get().outcome == ChannelEvent.Outcome.REFUSED


# --- Ticket ids --------------------------------------------------------------------------------


def test_resources_created_fill_ticket_and_comment_ids_and_record_unknown_external_ids(instance):
    review = factories.ReviewFactory(trustpilot_id="651e9b774c1d8b0012a3b4d6")
    other = factories.ReviewFactory(trustpilot_id="651e9b774c1d8b0012a3b4d7")
    new = factories.ReviewTicketLinkFactory(instance=instance, review=review)
    follow_up = factories.ReviewTicketLinkFactory(instance=instance, review=other)
    reply = factories.ReviewTicketLinkFactory(
        instance=instance, review=review, kind="reply", external_id="tp-reply-651e9b774c1d8b0012a3b4d6-3"
    )
    elsewhere = factories.ReviewTicketLinkFactory(review=review, instance__zendesk_account__subdomain="other")

    response = post(body_of("resources_created_from_external_ids"))

    assert response.status_code == 200
    assert (refreshed(new).zendesk_ticket_id, new.zendesk_comment_id) == (18342, 47211098001)
    assert (refreshed(follow_up).zendesk_ticket_id, follow_up.zendesk_comment_id) == (18343, 47211098230)
    assert (refreshed(reply).zendesk_ticket_id, reply.zendesk_comment_id) == (18342, 47211098302)
    assert refreshed(elsewhere).zendesk_ticket_id is None
    assert ChannelEvent.objects.get().error == (
        "TrustDesk: external ids TrustDesk did not send: tp-edit-651e9b774c1d8b0012a3b4d6-7"
    )


def test_unreadable_resource_events_are_recorded_not_fatal(instance):
    link = factories.ReviewTicketLinkFactory(instance=instance)
    items = [
        {"type_id": "comment_on_new_ticket", "external_id": link.external_id, "ticket_id": 5.0, "comment_id": 9},
        {"type_id": "comment_on_new_ticket", "external_id": "tp-review-x", "ticket_id": "five", "comment_id": 9},
        "nonsense",
    ]

    response = post(body_of("resources_created_from_external_ids", resource_events=items))

    assert response.status_code == 200
    assert (refreshed(link).zendesk_ticket_id, link.zendesk_comment_id) == (5, 9)
    assert ChannelEvent.objects.get().error == "TrustDesk: unreadable resource events (by index): 1, 2"


def test_resources_created_without_a_list_is_stored_as_not_acted_on(acme):
    response = post(body_of("resources_created_from_external_ids", resource_events="none"))

    assert response.status_code == 200
    event = ChannelEvent.objects.get()
    assert (event.outcome, event.outcome_reason) == ("not_acted_on", "data.resource_events must be a list")


# --- Idempotence -------------------------------------------------------------------------------


def state() -> list[Any]:
    return [
        list(ZendeskAccount.objects.order_by("pk").values()),
        list(ChannelInstance.objects.order_by("pk").values()),
        list(TrustpilotAccount.objects.order_by("pk").values()),
        list(ReviewTicketLink.objects.order_by("pk").values()),
        list(Review.objects.order_by("pk").values()),
        list(AccessRestriction.objects.order_by("pk").values()),
    ]


@pytest.mark.parametrize("type_id", TYPES)
def test_the_same_event_again_changes_nothing_more(instance, revoked, type_id):
    domain = factories.DomainFactory(account=instance.trustpilot_account)
    instance.domains.add(domain)
    review = factories.ReviewFactory(
        domain=domain, trustpilot_id="651e9b774c1d8b0012a3b4d6", reviewer_id="5d2f8e1a7b3c4d5e6f7081a3"
    )
    factories.ReviewTicketLinkFactory(instance=instance, review=review)
    factories.AccessRestrictionFactory(zendesk_account=instance.zendesk_account)
    body = body_of(type_id, **({"metadata": metadata_for(instance)} if type_id in HAS_METADATA else {}))
    assert post(body).status_code == 200
    before = state()

    response = post(body)

    assert response.status_code == 200
    assert state() == before
    assert len(revoked) <= 1
    assert ChannelEvent.objects.count() == 2  # each delivery is kept


HAS_METADATA = {t for t in TYPES if t.endswith("_instance")} | {"destroy_user_identity"}
