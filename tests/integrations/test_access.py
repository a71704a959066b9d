"""Role and group access: choices loaded from Zendesk, saved in the admin, written to the app installation."""

from __future__ import annotations

import json

import pytest
import responses
from django.contrib.admin.models import LogEntry
from django.urls import reverse

from integrations import tasks
from integrations.models import AccessRestriction, ZendeskAccount
from tests import factories
from tests.fixtures import load_fixture

BASE = "https://acme.zendesk.com"
INSTALLATION = f"{BASE}/api/v2/apps/installations/360001234.json"
# A list Zendesk answers in one page.
LAST_PAGE = {
    "meta": {"has_more": False, "after_cursor": None, "before_cursor": None},
    "links": {"next": None, "prev": None},
}
# Tasks are queued on commit: these tests commit for real.
committing = pytest.mark.django_db(transaction=True)


@pytest.fixture
def account() -> ZendeskAccount:
    return factories.ZendeskAccountFactory(
        subdomain="acme", installation_id=360001234, zendesk_roles=[], zendesk_groups=[], directory_loaded_at=None
    )


@pytest.fixture
def zendesk():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.get(f"{BASE}/api/v2/custom_roles.json", json=load_fixture("zendesk", "custom_roles_synthetic"))
        mock.get(
            f"{BASE}/api/v2/groups.json",
            json={"groups": load_fixture("zendesk", "groups_page1_synthetic")["groups"], **LAST_PAGE},
            match=[responses.matchers.query_param_matcher({"exclude_deleted": "true", "page[size]": "100"})],
        )
        yield mock


def echo_installation(request):
    body = json.loads(request.body)
    return 200, {}, json.dumps({**load_fixture("zendesk", "installation_synthetic"), **body})


def change_url(restriction: AccessRestriction) -> str:
    return reverse("admin:integrations_accessrestriction_change", args=[restriction.pk])


@pytest.mark.parametrize(
    ("roles", "groups", "role_id", "group_ids", "allowed"),
    [
        (None, None, None, [], True),
        ([1, 2], None, 2, [], True),
        ([1, 2], None, 3, [7], False),
        ([1, 2], None, None, [7], False),
        (None, [7, 8], None, [8, 9], True),
        (None, [7, 8], 1, [9], False),
        ([1], [7], 1, [7], True),
        ([1], [7], 1, [8], False),
        ([1], [7], 2, [7], False),
    ],
)
def test_several_roles_or_several_groups_and_both_need_one_of_each(roles, groups, role_id, group_ids, allowed):
    restriction = AccessRestriction(
        role_restriction_enabled=roles is not None,
        allowed_roles=[{"id": r, "name": f"role {r}"} for r in roles or []],
        group_restriction_enabled=groups is not None,
        allowed_groups=[{"id": g, "name": f"group {g}"} for g in groups or []],
    )

    assert restriction.allows(role_id=role_id, group_ids=group_ids) is allowed


@committing
def test_the_access_page_is_made_on_first_visit_and_loads_roles_and_groups(
    client_for, support_manager, account, zendesk
):
    response = client_for(support_manager).get(reverse("admin:integrations_zendeskaccount_access", args=[account.pk]))

    restriction = AccessRestriction.objects.get(zendesk_account=account)
    assert response.status_code == 302 and response.url == change_url(restriction)
    account.refresh_from_db()
    assert account.zendesk_roles[1] == {"id": 360002, "name": "Review responder"}
    assert [g["name"] for g in account.zendesk_groups] == ["Tier 2", "Reviews team"]
    page = client_for(support_manager).get(change_url(restriction)).content.decode()
    assert "Review responder" in page and "Reviews team" in page
    assert "3 custom roles and 2 groups, loaded from Zendesk" in page


@committing
def test_saving_writes_the_restrictions_to_the_installation_and_shows_synced(
    client_for, support_manager, account, zendesk
):
    restriction = AccessRestriction.objects.create(zendesk_account=account)
    account.zendesk_roles = [{"id": 360001, "name": "Team lead"}, {"id": 360002, "name": "Review responder"}]
    account.zendesk_groups = [{"id": 8, "name": "Reviews team"}]
    account.save()
    zendesk.put(INSTALLATION, body=None) if False else zendesk.add_callback(
        responses.PUT, INSTALLATION, callback=echo_installation
    )

    response = client_for(support_manager).post(
        change_url(restriction),
        {
            "role_restriction_enabled": "on",
            "allowed_roles": ["360002"],
            "group_restriction_enabled": "on",
            "allowed_groups": ["8"],
        },
    )

    assert response.status_code == 302
    restriction.refresh_from_db()
    assert restriction.allowed_roles == [{"id": 360002, "name": "Review responder"}]
    assert restriction.allowed_groups == [{"id": 8, "name": "Reviews team"}]
    assert restriction.sync_status == AccessRestriction.SyncStatus.SYNCED and restriction.last_synced_at
    sent = [json.loads(call.request.body) for call in zendesk.calls if call.request.method == "PUT"]
    assert sent == [{"role_restrictions": [360002], "group_restrictions": [8]}]
    assert "Synced to Zendesk" in client_for(support_manager).get(change_url(restriction)).content.decode()


@committing
def test_every_change_is_in_the_history_with_who_before_and_after(client_for, support_manager, account, zendesk):
    zendesk.add_callback(responses.PUT, INSTALLATION, callback=echo_installation)
    account.zendesk_roles = [{"id": 360001, "name": "Team lead"}, {"id": 360002, "name": "Review responder"}]
    account.save()
    restriction = AccessRestriction.objects.create(
        zendesk_account=account, role_restriction_enabled=True, allowed_roles=[{"id": 360001, "name": "Team lead"}]
    )

    client_for(support_manager).post(
        change_url(restriction), {"role_restriction_enabled": "on", "allowed_roles": ["360001", "360002"]}
    )

    entry = LogEntry.objects.get(object_id=str(restriction.pk))
    assert entry.user == support_manager and entry.action_time
    assert entry.get_change_message() == "Allowed roles: Team lead → Team lead, Review responder"


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"role_restriction_enabled": "on"}, "Choose at least one role, or turn the role restriction off."),
        ({"group_restriction_enabled": "on"}, "Choose at least one group, or turn the group restriction off."),
        ({"allowed_roles": ["999"]}, "Select a valid choice. 999 is not one of the available choices."),
    ],
)
def test_an_invalid_choice_is_refused_with_a_clear_error_and_changes_nothing(
    client_for, support_manager, form, message
):
    restriction = factories.AccessRestrictionFactory()

    response = client_for(support_manager).post(change_url(restriction), form)

    assert response.status_code == 200
    assert message in response.content.decode()
    restriction.refresh_from_db()
    assert restriction.allowed_roles == [{"id": 360001, "name": "Team lead"}]
    assert restriction.sync_status == AccessRestriction.SyncStatus.NOT_SYNCED


def test_a_role_gone_from_zendesk_stays_visible_until_unticked(client_for, support_manager):
    restriction = factories.AccessRestrictionFactory(allowed_roles=[{"id": 42, "name": "Old role"}])

    page = client_for(support_manager).get(change_url(restriction)).content.decode()

    assert "Old role (not found in Zendesk any more)" in page


@committing
def test_a_refused_write_shows_failed_with_zendesks_words_and_a_retry(client_for, support_manager, account, zendesk):
    zendesk.put(INSTALLATION, status=422, json={"error": "RecordInvalid", "description": "Role 360002 does not exist"})
    restriction = AccessRestriction.objects.create(zendesk_account=account)
    account.zendesk_roles = [{"id": 360002, "name": "Review responder"}]
    account.save()

    client_for(support_manager).post(
        change_url(restriction), {"role_restriction_enabled": "on", "allowed_roles": ["360002"]}
    )

    restriction.refresh_from_db()
    assert restriction.sync_status == AccessRestriction.SyncStatus.FAILED
    assert "Role 360002 does not exist" in restriction.last_sync_error
    page = client_for(support_manager).get(change_url(restriction)).content.decode()
    assert 'id="retry-sync"' in page and "Role 360002 does not exist" in page

    zendesk.replace(
        responses.PUT,
        INSTALLATION,
        status=200,
        json={**load_fixture("zendesk", "installation_synthetic"), "role_restrictions": [360002]},
    )
    response = client_for(support_manager).post(
        reverse("admin:integrations_accessrestriction_sync", args=[restriction.pk])
    )

    assert response.status_code == 302
    restriction.refresh_from_db()
    assert restriction.sync_status == AccessRestriction.SyncStatus.SYNCED and restriction.last_sync_error == ""


@committing
def test_zendesk_down_is_retried_then_reported(client_for, support_manager, account, zendesk):
    zendesk.put(INSTALLATION, status=503, json={"error": "ServiceUnavailable"}, headers={"Retry-After": "0"})
    restriction = AccessRestriction.objects.create(zendesk_account=account)

    client_for(support_manager).post(change_url(restriction), {})

    restriction.refresh_from_db()
    assert restriction.sync_status == AccessRestriction.SyncStatus.PENDING  # a retry is scheduled

    tasks.sync_access_restriction.apply(args=[restriction.pk], retries=tasks.RESTRICTION_RETRIES)

    restriction.refresh_from_db()
    assert restriction.sync_status == AccessRestriction.SyncStatus.FAILED
    assert restriction.last_sync_error.startswith("Gave up after 5 retries: HTTP 503 from Zendesk: ServiceUnavailable")


@committing
def test_without_an_installation_id_the_page_says_what_to_set(client_for, support_manager, account, zendesk):
    account.installation_id = None
    account.save()
    restriction = AccessRestriction.objects.create(zendesk_account=account)

    client_for(support_manager).post(change_url(restriction), {})

    restriction.refresh_from_db()
    assert restriction.sync_status == AccessRestriction.SyncStatus.FAILED
    assert "installation is not set on the Zendesk account" in restriction.last_sync_error


@committing
def test_loading_roles_on_a_plan_without_custom_roles_keeps_the_groups(client_for, support_manager, account, zendesk):
    zendesk.replace(responses.GET, f"{BASE}/api/v2/custom_roles.json", status=403, json={"error": "Forbidden"})
    restriction = AccessRestriction.objects.create(zendesk_account=account)

    client_for(support_manager).post(reverse("admin:integrations_accessrestriction_directory", args=[restriction.pk]))

    account.refresh_from_db()
    assert account.zendesk_roles == [] and len(account.zendesk_groups) == 2
    assert "need a Zendesk Enterprise plan" in account.directory_error
    assert "need a Zendesk Enterprise plan" in client_for(support_manager).get(change_url(restriction)).content.decode()


@committing
def test_a_wrong_api_token_is_shown_on_the_page(client_for, support_manager, account, zendesk):
    zendesk.replace(
        responses.GET, f"{BASE}/api/v2/groups.json", status=401, json={"error": "Couldn't authenticate you"}
    )
    restriction = AccessRestriction.objects.create(zendesk_account=account)

    client_for(support_manager).post(reverse("admin:integrations_accessrestriction_directory", args=[restriction.pk]))

    account.refresh_from_db()
    assert "Couldn't authenticate you" in account.directory_error
    assert account.directory_loaded_at is None


@pytest.mark.parametrize("name", ["integrations_accessrestriction_directory", "integrations_accessrestriction_sync"])
def test_plain_staff_cannot_reload_or_resync_and_a_get_changes_nothing(client_for, plain_staff, support_manager, name):
    restriction = factories.AccessRestrictionFactory()
    url = reverse(f"admin:{name}", args=[restriction.pk])

    assert client_for(plain_staff).post(url).status_code == 403
    assert client_for(support_manager).get(url).status_code == 403
    restriction.refresh_from_db()
    assert restriction.sync_status == AccessRestriction.SyncStatus.NOT_SYNCED


def test_the_list_refreshes_itself_only_while_a_write_is_under_way(client_for, support_manager):
    restriction = factories.AccessRestrictionFactory()
    url = reverse("admin:integrations_accessrestriction_changelist")

    assert 'http-equiv="refresh"' not in client_for(support_manager).get(url).content.decode()
    AccessRestriction.objects.filter(pk=restriction.pk).update(sync_status=AccessRestriction.SyncStatus.PENDING)
    assert 'http-equiv="refresh"' in client_for(support_manager).get(url).content.decode()


def test_zendesk_answering_the_ids_in_another_order_counts_as_synced(db, account):
    restriction = AccessRestriction.objects.create(
        zendesk_account=account,
        role_restriction_enabled=True,
        allowed_roles=[{"id": 360001, "name": "Team lead"}, {"id": 360002, "name": "Review responder"}],
    )
    with responses.RequestsMock() as zendesk:
        answer = {**load_fixture("zendesk", "installation_synthetic"), "role_restrictions": [360002, 360001]}
        zendesk.put(INSTALLATION, json=answer)

        tasks.sync_access_restriction.apply(args=[restriction.pk])

    restriction.refresh_from_db()
    assert restriction.sync_status == AccessRestriction.SyncStatus.SYNCED
