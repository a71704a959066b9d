"""Each Zendesk account's secret app address, tried as a stranger would: someone who knows the victim's
subdomain (acme) and even holds TrustDesk's app for a Zendesk account of their own (evil), but not acme's
app. Every request goes without a secret, with a made-up one, with evil's own secret, or at evil's
address naming acme; each is refused with a clear 4xx (or, in an event batch, a stored refusal), and the
database holds afterwards what it held before.
"""

from __future__ import annotations

import io
import json
import logging
from typing import Any

import pytest
from django.test import Client

from integrations.app_address import account_for_app, secret_rotate
from integrations.metadata import metadata_for
from integrations.models import (
    ChannelEvent,
    ChannelInstance,
    RefusedRequest,
    ReviewTicketLink,
    SetupSession,
    ZendeskAccount,
)
from reviews.models import Reply
from reviews.services import sync
from sandbox.trustpilot.models import Review as SandboxReview
from tests import factories
from tests.fixtures import load_fixture
from tests.zendesk_requests import ZendeskClient, keyed
from tests.zendesk_schemas import validate
from trustdesk.log_filters import RedactAppSecrets

pytestmark = pytest.mark.django_db(transaction=True)
MADE_UP = "x" * 43
UNKEYED = {
    "pull": "/zendesk/pull",
    "channelback": "/zendesk/channelback",
    "event_callback": "/zendesk/event_callback",
    "admin_ui": "/zendesk/admin_ui",
    "manifest": "/zendesk/manifest.json",
    "clickthrough": "/zendesk/clickthrough",
    "about": "/zendesk/about",
}


@pytest.fixture
def evil(db) -> ZendeskAccount:
    """The stranger's own Zendesk account, for which they downloaded TrustDesk's app."""
    return account_for_app("evil")


def address(view: str, how: str, evil: ZendeskAccount) -> str:
    if how == "no secret":
        return UNKEYED[view]
    if how == "made-up secret":
        return f"/zendesk/a/{MADE_UP}/{'manifest.json' if view == 'manifest' else view}"
    return keyed(view, evil)  # another account's secret: the stranger's own


def expected_refusal(how: str) -> tuple[int, str]:
    return {
        "no secret": (410, "app_address_required"),
        "made-up secret": (404, "unknown_app_address"),
        "another account's secret": (403, "wrong_zendesk_account"),
    }[how]


HOW = ["no secret", "made-up secret", "another account's secret"]


def delivered(channel) -> bool:
    return ReviewTicketLink.objects.filter(instance=channel.instance, first_delivered_at__isnull=False).exists()


@pytest.mark.parametrize("how", HOW)
def test_a_pull_for_someone_elses_instance_is_refused_and_delivers_nothing(connected, channel, evil, how):
    sync.domain_poll(domain=connected.domain, client=connected.client)

    response = ZendeskClient().post(address("pull", how, evil), {"metadata": channel.metadata, "state": ""})

    assert (response.status_code, response.json()["error"]) == expected_refusal(how)
    assert "external_resources" not in response.json()
    assert not delivered(channel)
    refused = RefusedRequest.objects.get()
    assert (refused.endpoint, refused.code) == ("pull", expected_refusal(how)[1])
    assert refused.zendesk_account == (evil if how == "another account's secret" else None)
    own = ZendeskClient().post(keyed("pull", channel.metadata), {"metadata": channel.metadata, "state": ""})
    assert own.status_code == 200 and own.json()["external_resources"]  # what the stranger did not get


@pytest.mark.parametrize("how", HOW)
def test_a_channelback_for_someone_elses_instance_publishes_nothing(connected, channel, evil, how):
    sync.domain_poll(domain=connected.domain, client=connected.client)
    resources = ZendeskClient().post(keyed("pull", channel.metadata), {"metadata": channel.metadata}).json()
    review_external_id = resources["external_resources"][0]["external_id"]
    replies_before = Reply.objects.count()

    response = ZendeskClient().post(
        address("channelback", how, evil),
        {
            "metadata": channel.metadata,
            "message": "Written by a stranger",
            "parent_id": review_external_id,
            "thread_id": review_external_id.replace("tp-review-", "tp-thread-"),
            "request_unique_identifier": "stranger-1",
        },
    )

    assert (response.status_code, response.json()["error"]) == expected_refusal(how)
    assert Reply.objects.count() == replies_before
    assert RefusedRequest.objects.get().code == expected_refusal(how)[1]
    review_id = review_external_id.removeprefix("tp-review-")
    assert SandboxReview.objects.get(pk=review_id).reply_text != "Written by a stranger"


def event_of(type_id: str, **changes: Any) -> dict[str, Any]:
    event = load_fixture("zendesk", f"event_callback_{type_id}_synthetic")["events"][0]
    event.update(changes)
    validate("event_callback_any.json", event)
    return event


def post_events(url: str, *events: dict[str, Any]) -> Any:
    return Client().post(url, data=json.dumps({"events": list(events)}), content_type="application/json")


@pytest.mark.parametrize("how", ["no secret", "made-up secret"])
def test_events_at_no_accounts_address_are_stored_refused_and_change_nothing(db, evil, how):
    instance = factories.ChannelInstanceFactory(zendesk_account__subdomain="acme")
    destroy = event_of("destroy_integration_instance", subdomain="acme", data={"metadata": metadata_for(instance)})

    response = post_events(address("event_callback", how, evil), destroy)

    assert (response.status_code, response.json()["error"]) == expected_refusal(how)
    instance.refresh_from_db()
    assert instance.status == ChannelInstance.Status.ACTIVE
    event = ChannelEvent.objects.get()
    assert event.outcome == ChannelEvent.Outcome.REFUSED
    assert "TrustDesk address" in event.outcome_reason or "secret" in event.outcome_reason


def test_an_event_naming_another_subdomain_at_the_strangers_address_is_refused(db, evil):
    instance = factories.ChannelInstanceFactory(zendesk_account__subdomain="acme")
    destroy = event_of("destroy_integration_instance", subdomain="acme", data={"metadata": metadata_for(instance)})

    response = post_events(keyed("event_callback", evil), destroy)

    assert response.status_code == 200  # a usable batch: the refusal is on the stored event
    instance.refresh_from_db()
    assert instance.status == ChannelInstance.Status.ACTIVE
    event = ChannelEvent.objects.get()
    assert (event.outcome, event.zendesk_account) == (ChannelEvent.Outcome.REFUSED, evil)
    assert "'acme' is not evil" in event.outcome_reason


def test_an_event_with_someone_elses_metadata_under_the_strangers_own_subdomain_is_refused(db, evil):
    instance = factories.ChannelInstanceFactory(zendesk_account__subdomain="acme")
    destroy = event_of("destroy_integration_instance", subdomain="evil", data={"metadata": metadata_for(instance)})

    response = post_events(keyed("event_callback", evil), destroy)

    assert response.status_code == 200
    instance.refresh_from_db()
    assert instance.status == ChannelInstance.Status.ACTIVE
    event = ChannelEvent.objects.get()
    assert event.outcome == ChannelEvent.Outcome.REFUSED
    assert "another Zendesk account" in event.outcome_reason


def test_an_uninstall_naming_another_subdomain_disconnects_nothing(db, evil):
    acme = factories.ZendeskAccountFactory(subdomain="acme")
    uninstall = event_of("destroy_integration", subdomain="ACME")

    response = post_events(keyed("event_callback", evil), uninstall)

    assert response.status_code == 200
    acme.refresh_from_db()
    assert (acme.status, acme.uninstall_reported_at) == (ZendeskAccount.Status.ACTIVE, None)
    assert ChannelEvent.objects.get().outcome == ChannelEvent.Outcome.REFUSED


def admin_ui_form(subdomain: str, **fields: str) -> dict[str, str]:
    return {
        "name": "",
        "metadata": "",
        "state": "",
        "return_url": f"https://{subdomain}.zendesk.com/zendesk/channels/integration_service_instances/editor_finalizer",
        "subdomain": subdomain,
        "locale": "en-US",
        **fields,
    }


@pytest.mark.parametrize(
    ("how", "status"), [("no secret", 410), ("made-up secret", 404), ("another account's secret", 403)]
)
def test_an_admin_ui_post_for_another_account_opens_no_setup(db, evil, how, status):
    factories.ZendeskAccountFactory(subdomain="acme")

    response = Client().post(address("admin_ui", how, evil), admin_ui_form("acme"))

    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    assert not SetupSession.objects.exists()
    assert RefusedRequest.objects.get().endpoint == "admin_ui"


def test_an_admin_ui_post_with_someone_elses_metadata_at_the_strangers_address_opens_nothing(db, evil):
    instance = factories.ChannelInstanceFactory(zendesk_account__subdomain="acme")

    response = Client().post(keyed("admin_ui", evil), admin_ui_form("evil", metadata=metadata_for(instance)))

    assert response.status_code == 401
    assert not SetupSession.objects.exists()


def test_the_accounts_own_admin_ui_post_opens_the_setup(db):
    account = account_for_app("acme")

    response = Client().post(keyed("admin_ui", account), admin_ui_form("acme"))

    assert response.status_code == 200
    assert SetupSession.objects.get().subdomain == "acme"


@pytest.mark.parametrize("view", ["manifest", "pull", "channelback", "clickthrough"])
def test_old_unkeyed_addresses_say_what_to_do(client, view):
    response = client.post(UNKEYED[view]) if view in {"pull", "channelback"} else client.get(UNKEYED[view])

    assert response.status_code == 410
    body = response.json()
    assert body["error"] == "app_address_required"
    assert "downloads the Zendesk app for this Zendesk account" in body["message"]


def test_the_old_unkeyed_account_page_says_what_to_do_in_french(client):
    response = client.post(UNKEYED["admin_ui"], admin_ui_form("acme", locale="fr-FR"))

    assert response.status_code == 410
    assert "Zendesk app" in response.content.decode() or "application Zendesk" in response.content.decode()
    assert response["Content-Language"] == "fr"


def test_the_plain_healthcheck_reveals_nothing(client, db):
    account_for_app("acme")

    response = client.get("/zendesk/healthcheck")

    assert (response.status_code, response.json()) == (200, {"status": "ok"})


def test_a_rotated_secret_is_refused_and_the_new_one_works(db):
    account = account_for_app("acme")
    old = keyed("manifest", account)

    secret_rotate(account=account)

    assert Client().get(old).status_code == 404
    manifest = Client().get(keyed("manifest", account)).json()
    secret = account.url_secret.reveal()
    assert secret not in old
    assert len(manifest["urls"]) == 7
    assert all(f"/zendesk/a/{secret}/" in url for url in manifest["urls"].values())


def test_no_log_line_holds_an_accounts_secret(db, evil):
    """Django logs the path of every 4xx; the console handler of settings.LOGGING writes it without the secret."""
    instance = factories.ChannelInstanceFactory(zendesk_account__subdomain="acme")
    console = next(h for h in logging.getLogger().handlers if any(isinstance(f, RedactAppSecrets) for f in h.filters))
    written = io.StringIO()
    original = console.setStream(written)  # type: ignore[attr-defined]
    try:
        response = ZendeskClient().post(keyed("pull", evil), {"metadata": metadata_for(instance)})
    finally:
        console.setStream(original)  # type: ignore[attr-defined]

    assert response.status_code == 403
    assert "Forbidden: /zendesk/a/…/pull" in written.getvalue()
    assert evil.url_secret.reveal() not in written.getvalue()
