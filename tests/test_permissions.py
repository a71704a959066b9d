"""Who can see and do what in the admin: superuser, support manager, plain staff, anonymous."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.urls import reverse

from integrations.models import ChannelInstance, ZendeskAccount
from reviews.models import Domain, TrustpilotAccount
from tests import factories
from tests.admin_models import ADMIN_MODELS
from trustdesk import permissions
from trustdesk.permissions import SUPPORT_MANAGER_PERMISSIONS, SUPPORT_MANAGERS

pytestmark = pytest.mark.django_db

VIEWABLE = ADMIN_MODELS


@pytest.fixture
def data(db):
    link = factories.ReviewTicketLinkFactory()
    reply = factories.ReplyFactory(review=link.review)
    restriction = factories.AccessRestrictionFactory(zendesk_account=link.instance.zendesk_account)
    run = factories.SyncRunFactory(domain=link.review.domain)
    event = factories.ChannelEventFactory(instance=link.instance)
    return {
        "reviews_trustpilotaccount": link.instance.trustpilot_account,
        "reviews_domain": link.review.domain,
        "reviews_review": link.review,
        "reviews_reply": reply,
        "reviews_syncrun": run,
        "integrations_zendeskaccount": link.instance.zendesk_account,
        "integrations_channelinstance": link.instance,
        "integrations_reviewticketlink": link,
        "integrations_accessrestriction": restriction,
        "integrations_channelevent": event,
    }


# What "Roles" in docs/zendesk-admin.md says a support manager may do, permission by permission: written out here, not
# read from trustdesk.permissions, so that widening the group takes a change to this list too.
DOCUMENTED = {
    "reviews.view_trustpilotaccount",
    "reviews.view_domain",
    "reviews.view_review",
    "reviews.view_reviewedit",
    "reviews.view_reply",
    "reviews.view_syncrun",
    "reviews.disconnect_trustpilotaccount",
    "reviews.sync_domain",
    "integrations.view_zendeskaccount",
    "integrations.view_channelinstance",
    "integrations.view_reviewticketlink",
    "integrations.view_channelevent",
    "integrations.view_refusedrequest",
    "integrations.view_accessrestriction",
    "integrations.add_accessrestriction",
    "integrations.change_accessrestriction",
    "integrations.disconnect_zendeskaccount",
    "integrations.disconnect_channelinstance",
    "integrations.sync_channelinstance",
}


def test_the_support_managers_group_holds_exactly_its_documented_permissions():
    group = Group.objects.get(name=SUPPORT_MANAGERS)

    granted = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}

    assert granted == DOCUMENTED
    assert SUPPORT_MANAGER_PERMISSIONS == DOCUMENTED


@pytest.mark.parametrize("model", VIEWABLE)
def test_anonymous_is_sent_to_the_login_page(client_for, data, model):
    for url in (reverse(f"admin:{model}_changelist"), reverse(f"admin:{model}_change", args=[data[model].pk])):
        response = client_for(None).get(url)

        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))


@pytest.mark.parametrize("model", VIEWABLE)
def test_plain_staff_cannot_see_any_model(client_for, plain_staff, data, model):
    client = client_for(plain_staff)

    assert client.get(reverse(f"admin:{model}_changelist")).status_code == 403
    assert client.get(reverse(f"admin:{model}_change", args=[data[model].pk])).status_code == 403


def test_plain_staff_sees_an_empty_admin_index(client_for, plain_staff):
    response = client_for(plain_staff).get(reverse("admin:index"))

    assert response.status_code == 200
    assert "have permission to view or edit anything" in response.content.decode()


@pytest.mark.parametrize("model", VIEWABLE)
@pytest.mark.parametrize("role", ["superuser", "support_manager"])
def test_superuser_and_support_manager_see_every_model(client_for, data, request, role, model):
    client = client_for(request.getfixturevalue(role))

    assert client.get(reverse(f"admin:{model}_changelist")).status_code == 200
    assert client.get(reverse(f"admin:{model}_change", args=[data[model].pk])).status_code == 200


@pytest.mark.parametrize("model", ["reviews_review", "reviews_reply", "integrations_reviewticketlink"])
@pytest.mark.parametrize("role", ["support_manager", "plain_staff"])
def test_ticket_data_cannot_be_deleted_by_managers_or_staff(client_for, data, request, role, model):
    client = client_for(request.getfixturevalue(role))
    url = reverse(f"admin:{model}_delete", args=[data[model].pk])

    assert client.get(url).status_code == 403
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert type(data[model]).objects.filter(pk=data[model].pk).exists()


@pytest.mark.parametrize("model", ["reviews_review", "reviews_reply", "integrations_reviewticketlink"])
def test_ticket_data_is_read_only_even_for_a_superuser(client_for, superuser, data, model):
    response = client_for(superuser).get(reverse(f"admin:{model}_change", args=[data[model].pk]))

    assert response.status_code == 200
    assert b'name="_save"' not in response.content
    assert client_for(superuser).get(reverse(f"admin:{model}_add")).status_code == 403


def test_support_manager_edits_access_restrictions(client_for, support_manager, data):
    restriction = data["integrations_accessrestriction"]
    url = reverse("admin:integrations_accessrestriction_change", args=[restriction.pk])

    response = client_for(support_manager).post(
        url,
        {
            "role_restriction_enabled": "on",
            "allowed_roles": ["360001", "360002"],
            "group_restriction_enabled": "on",
            "allowed_groups": ["7"],
        },
    )

    assert response.status_code == 302
    restriction.refresh_from_db()
    assert restriction.allowed_roles == [
        {"id": 360001, "name": "Team lead"},
        {"id": 360002, "name": "Review responder"},
    ]
    assert restriction.allowed_groups == [{"id": 7, "name": "Tier 2"}]


@pytest.mark.parametrize("model", ["integrations_zendeskaccount", "reviews_domain", "integrations_channelinstance"])
def test_support_manager_cannot_change_accounts_domains_or_instances(client_for, support_manager, data, model):
    response = client_for(support_manager).get(reverse(f"admin:{model}_change", args=[data[model].pk]))

    assert response.status_code == 200
    assert b'name="_save"' not in response.content


def test_plain_staff_cannot_edit_access_restrictions(client_for, plain_staff, data):
    restriction = data["integrations_accessrestriction"]
    url = reverse("admin:integrations_accessrestriction_change", args=[restriction.pk])

    response = client_for(plain_staff).post(url, {"allowed_roles": [], "allowed_groups": []})

    assert response.status_code == 403
    restriction.refresh_from_db()
    assert restriction.role_restriction_enabled is True


@pytest.mark.parametrize(
    ("role", "allowed"),
    [("superuser", True), ("support_manager", True), ("plain_staff", False)],
)
def test_disconnect_sync_and_restriction_rights_by_role(request, role, allowed):
    user = request.getfixturevalue(role)

    for model in (TrustpilotAccount, ZendeskAccount, ChannelInstance):
        assert permissions.can_disconnect(user, model) is allowed
    for model in (Domain, ChannelInstance):
        assert permissions.can_start_sync(user, model) is allowed
    assert permissions.can_edit_restrictions(user) is allowed
    assert permissions.is_support_manager(user) is (role == "support_manager")


def test_an_inactive_support_manager_has_no_rights(support_manager):
    support_manager.is_active = False
    support_manager.save()

    assert permissions.can_disconnect(support_manager, TrustpilotAccount) is False
    assert permissions.can_edit_restrictions(support_manager) is False


def test_every_migrate_gives_the_support_managers_group_what_it_lacks_and_keeps_what_was_granted_by_hand():
    group = Group.objects.get(name=SUPPORT_MANAGERS)
    group.permissions.remove(Permission.objects.get(codename="change_accessrestriction"))
    group.permissions.add(Permission.objects.get(codename="view_ratebudgetwindow"))

    call_command("migrate", verbosity=0)

    held = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}
    assert held == SUPPORT_MANAGER_PERMISSIONS | {"reviews.view_ratebudgetwindow"}
