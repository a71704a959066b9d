""" "Disconnect…" in the admin: one confirmation page, then the services, a report and a history entry per object."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.db import connection
from django.urls import reverse

from integrations.models import AccessRestriction, ChannelInstance, ReviewTicketLink, ZendeskAccount
from integrations.services.disconnect_plan import disconnect_plan
from reviews.models import Reply, Review, SyncRun, TrustpilotAccount
from reviews.trustpilot.client import TrustpilotClient
from reviews.trustpilot.errors import Unavailable
from tests import factories
from trustdesk import permissions

pytestmark = pytest.mark.django_db

TP_CHANGELIST = reverse("admin:reviews_trustpilotaccount_changelist")


@dataclass
class World:
    account: TrustpilotAccount
    zendesk: ZendeskAccount
    instance: ChannelInstance
    run: SyncRun


@pytest.fixture
def world(db, revoked) -> World:
    """One connected pair with history: 3 reviews, 1 reply, 2 delivered tickets and a running backfill."""
    account = factories.TrustpilotAccountFactory(name="Acme Business")
    zendesk = factories.ZendeskAccountFactory(subdomain="acme")
    instance = factories.ChannelInstanceFactory(zendesk_account=zendesk, trustpilot_account=account, name="Acme")
    domain = factories.DomainFactory(account=account, name="acme.example")
    instance.domains.add(domain)
    reviews = factories.ReviewFactory.create_batch(3, domain=domain)
    factories.ReplyFactory(review=reviews[0])
    for review in reviews[:2]:
        factories.ReviewTicketLinkFactory(instance=instance, review=review)
    factories.AccessRestrictionFactory(zendesk_account=zendesk)
    run = factories.SyncRunFactory(domain=domain, status=SyncRun.Status.RUNNING)
    return World(account=account, zendesk=zendesk, instance=instance, run=run)


def raw(table: str, columns: str, pk: int) -> tuple:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns} FROM {table} WHERE id = %s", [pk])  # noqa: S608
        return cursor.fetchone()


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def action_post(client, changelist: str, objects, **extra):
    data = {"action": "disconnect_selected", "_selected_action": [obj.pk for obj in objects], **extra}
    return client.post(changelist, data, follow="post" in extra)


def test_the_confirmation_lists_what_goes_and_what_is_kept_and_changes_nothing(client_for, superuser, world):
    response = action_post(client_for(superuser), TP_CHANGELIST, [world.account])

    html = response.content.decode()
    assert response.status_code == 200
    assert "admin/base_site.html" in [t.name for t in response.templates]
    assert "Trustpilot account Acme Business: tokens revoked at Trustpilot and deleted" in html
    assert "1 channel instance marked disconnected" in html
    assert "metadata_needs_update" in html
    assert "Polling stopped for 1 domain: acme.example" in html
    assert "1 queued or running sync of unanswered reviews cancelled" in html
    assert "3 reviews, 1 reply, 2 review-ticket links are kept" in html
    assert 'name="post" value="yes"' in html
    assert TrustpilotAccount.objects.get(pk=world.account.pk).status == TrustpilotAccount.Status.CONNECTED


def test_kept_counts_are_written_with_thousands_separators(superuser, world):
    plan = disconnect_plan(world.account)
    plan.reviews, plan.replies, plan.links = 1234, 56, 1290

    assert plan.kept[0] == "1,234 reviews, 56 replies, 1,290 review-ticket links are kept"


def test_confirming_disconnects_the_trustpilot_account_and_keeps_its_history(client_for, superuser, world, revoked):
    response = action_post(client_for(superuser), TP_CHANGELIST, [world.account], post="yes")

    assert response.status_code == 200
    assert messages_of(response) == [
        "Acme Business: Disconnected: tokens revoked, 1 instance disconnected, 1 sync cancelled."
    ]
    assert raw("reviews_trustpilotaccount", "access_token, refresh_token", world.account.pk) == (None, None)
    assert len(revoked) == 1
    instance = ChannelInstance.objects.get(pk=world.instance.pk)
    assert (instance.status, instance.push_token) == (ChannelInstance.Status.DISCONNECTED, None)
    run = SyncRun.objects.get(pk=world.run.pk)
    assert run.status == SyncRun.Status.CANCELLED
    assert run.error == "Cancelled: the Trustpilot account was disconnected by root"
    assert (Review.objects.count(), Reply.objects.count(), ReviewTicketLink.objects.count()) == (3, 1, 2)
    entry = LogEntry.objects.get(object_id=str(world.account.pk))
    assert (entry.action_flag, entry.user, entry.get_change_message()) == (
        CHANGE,
        superuser,
        "Disconnected: tokens revoked, 1 instance disconnected, 1 sync cancelled",
    )


def test_the_zendesk_account_page_has_a_disconnect_button_leading_to_the_same_confirmation(
    client_for, support_manager, world
):
    client = client_for(support_manager)
    url = reverse("admin:integrations_zendeskaccount_disconnect", args=[world.zendesk.pk])

    change_page = client.get(reverse("admin:integrations_zendeskaccount_change", args=[world.zendesk.pk]))
    confirmation = client.get(url)

    assert f'href="{url}"' in change_page.content.decode()
    html = confirmation.content.decode()
    assert confirmation.status_code == 200
    assert "Zendesk API token deleted" in html
    assert "Access restrictions (allowed roles and groups) deleted" in html
    assert "1 channel instance marked disconnected" in html
    assert "3 reviews, 1 reply, 2 review-ticket links are kept" in html


def test_confirming_on_the_zendesk_account_page_removes_token_instances_and_restrictions(
    client_for, support_manager, world
):
    url = reverse("admin:integrations_zendeskaccount_disconnect", args=[world.zendesk.pk])

    response = client_for(support_manager).post(url, {"post": "yes"})

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:integrations_zendeskaccount_change", args=[world.zendesk.pk])
    assert raw("integrations_zendeskaccount", "api_token, status", world.zendesk.pk) == (None, "disconnected")
    assert raw("integrations_channelinstance", "push_token, status", world.instance.pk) == (None, "disconnected")
    assert raw("reviews_trustpilotaccount", "refresh_token", world.account.pk) == (None,)
    assert not AccessRestriction.objects.exists()
    assert (Review.objects.count(), Reply.objects.count(), ReviewTicketLink.objects.count()) == (3, 1, 2)
    entry = LogEntry.objects.get(object_id=str(world.zendesk.pk))
    assert entry.get_change_message() == (
        "Disconnected: tokens revoked, 1 instance disconnected, API token deleted, restrictions deleted, "
        "1 sync cancelled"
    )


def test_an_instance_sharing_its_trustpilot_account_leaves_the_account_connected(client_for, superuser, world):
    factories.ChannelInstanceFactory(trustpilot_account=world.account, name="Other")
    url = reverse("admin:integrations_channelinstance_disconnect", args=[world.instance.pk])
    client = client_for(superuser)

    confirmation = client.get(url).content.decode()
    client.post(url, {"post": "yes"})

    assert "Trustpilot account Acme Business stays connected: used by 1 other channel instance" in confirmation
    assert "tokens revoked" not in confirmation
    assert ChannelInstance.objects.get(pk=world.instance.pk).status == ChannelInstance.Status.DISCONNECTED
    account = TrustpilotAccount.objects.get(pk=world.account.pk)
    assert (account.status, account.has_tokens) == (TrustpilotAccount.Status.CONNECTED, True)
    assert LogEntry.objects.get().get_change_message() == "Disconnected: 1 instance disconnected"


def test_trustpilot_being_down_still_disconnects_and_says_so(client_for, superuser, world, monkeypatch):
    def down(self, *, token):
        raise Unavailable("cannot reach Trustpilot: connection refused")

    monkeypatch.setattr(TrustpilotClient, "revoke", down)

    response = action_post(client_for(superuser), TP_CHANGELIST, [world.account], post="yes")

    said = messages_of(response)
    assert said[0].startswith("Acme Business: Disconnected: tokens deleted without Trustpilot confirming")
    assert said[1] == (
        "Trustpilot account Acme Business: Trustpilot could not be told to revoke the tokens "
        "(cannot reach Trustpilot: connection refused); TrustDesk deleted them."
    )
    assert raw("reviews_trustpilotaccount", "access_token, refresh_token", world.account.pk) == (None, None)


def test_already_disconnected_objects_are_listed_with_nothing_to_do(client_for, superuser, world, revoked):
    client = client_for(superuser)
    fresh = factories.TrustpilotAccountFactory(name="Fresh Business")
    action_post(client, TP_CHANGELIST, [world.account], post="yes")
    LogEntry.objects.all().delete()

    confirmation = action_post(client, TP_CHANGELIST, [world.account, fresh]).content.decode()
    done = action_post(client, TP_CHANGELIST, [world.account], post="yes")

    assert "Acme Business: already disconnected, nothing to do" in confirmation
    assert "Trustpilot account Fresh Business: tokens revoked at Trustpilot and deleted" in confirmation
    assert messages_of(done) == ["Acme Business was already disconnected: nothing to do."]
    assert not LogEntry.objects.exists()
    assert len(revoked) == 1


@pytest.mark.parametrize("role", ["superuser", "support_manager"])
def test_superusers_and_support_managers_see_the_action(client_for, request, world, role):
    page = client_for(request.getfixturevalue(role)).get(TP_CHANGELIST).content.decode()

    assert 'value="disconnect_selected"' in page


@pytest.fixture
def staff_with_the_permission(plain_staff):
    """Staff granted the view and disconnect permissions directly, outside the support managers group."""
    for codename in ("view_trustpilotaccount", "disconnect_trustpilotaccount"):
        plain_staff.user_permissions.add(Permission.objects.get(codename=codename))
    return type(plain_staff).objects.get(pk=plain_staff.pk)


def test_plain_staff_may_not_disconnect_even_with_the_model_permission(client_for, staff_with_the_permission, world):
    client = client_for(staff_with_the_permission)
    url = reverse("admin:reviews_trustpilotaccount_disconnect", args=[world.account.pk])

    changelist = client.get(TP_CHANGELIST)
    change_page = client.get(reverse("admin:reviews_trustpilotaccount_change", args=[world.account.pk]))

    assert changelist.status_code == 200
    assert 'value="disconnect_selected"' not in changelist.content.decode()
    assert url not in change_page.content.decode()
    assert client.get(url).status_code == 403
    assert client.post(url, {"post": "yes"}).status_code == 403
    action_post(client, TP_CHANGELIST, [world.account], post="yes")
    assert TrustpilotAccount.objects.get(pk=world.account.pk).status == TrustpilotAccount.Status.CONNECTED
    assert permissions.can_disconnect(staff_with_the_permission, TrustpilotAccount) is False
