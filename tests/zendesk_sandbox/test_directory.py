"""Custom roles, groups, users and their group memberships (pagination itself: test_pagination.py)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from sandbox.zendesk import seed_content as ids
from sandbox.zendesk.seed import zendesk_sandbox_seed
from tests.zendesk_sandbox.helpers import TIMEOUT, get

pytestmark = pytest.mark.django_db(transaction=True)

ROLE_KEYS = {"id", "name", "description", "role_type", "team_member_count", "created_at", "updated_at"}
GROUP_KEYS = {"id", "name", "description", "default", "deleted", "is_public", "created_at", "updated_at", "url"}
MEMBERSHIP_KEYS = {"id", "user_id", "group_id", "default", "created_at", "updated_at"}


@pytest.mark.parametrize("path", ["/api/v2/custom_roles", "/api/v2/custom_roles.json"])
def test_custom_roles_list_every_role_with_its_member_count(live_zendesk, path):
    response = get(live_zendesk, path)

    assert response.status_code == 200
    body = response.json()
    assert (body["next_page"], body["previous_page"], body["count"]) == (None, None, 5)
    assert all(set(role) == ROLE_KEYS for role in body["custom_roles"])
    roles = {role["name"]: role for role in body["custom_roles"]}
    assert {name: (role["id"], role["role_type"]) for name, role in roles.items()} == {
        "Administrator": (ids.ROLE_ADMINISTRATOR, 4),
        "Agent": (ids.ROLE_AGENT, 0),
        "Light agent": (ids.ROLE_LIGHT_AGENT, 1),
        "Team lead": (ids.ROLE_TEAM_LEAD, 0),
        "Review responder": (ids.ROLE_REVIEW_RESPONDER, 0),
    }
    assert roles["Review responder"]["team_member_count"] == 1
    assert roles["Review responder"]["created_at"].endswith("Z")


def test_custom_roles_are_forbidden_on_the_professional_plan(live_zendesk):
    zendesk_sandbox_seed(subdomain="acme", plan="professional")

    response = get(live_zendesk, "/api/v2/custom_roles.json")

    assert response.status_code == 403
    assert response.json() == {
        "error": "Forbidden",
        "description": "Custom roles are available on Enterprise plans",
    }


def test_groups_page_through_every_group_left_after_deleted_ones(live_zendesk):
    url = live_zendesk.base_url + "/api/v2/groups.json"
    params: dict[str, str] | None = {"page[size]": "50", "exclude_deleted": "true"}
    pages = []
    while url:
        response = requests.get(url, params=params, auth=live_zendesk.auth, timeout=TIMEOUT)
        assert response.status_code == 200
        pages.append(response.json())
        url, params = pages[-1]["links"]["next"], None

    groups = [group for page in pages for group in page["groups"]]
    assert [len(page["groups"]) for page in pages] == [50, 50, 18]
    assert [page["meta"]["has_more"] for page in pages] == [True, True, False]
    assert len(groups) == ids.ACTIVE_GROUP_COUNT == 118
    assert len({group["id"] for group in groups}) == 118
    assert not {group["id"] for group in groups} & set(ids.DELETED_GROUP_IDS)
    assert all(set(group) == GROUP_KEYS for group in groups)
    assert [group["name"] for group in groups[:5]] == [
        "Support",
        "Reviews team",
        "Billing",
        "Escalations",
        "Social media",
    ]
    assert groups[0]["default"] is True
    assert groups[0]["url"].startswith(live_zendesk.base_url + "/api/v2/groups/")
    assert pages[-1]["links"] == {"next": None, "prev": None}


def test_the_next_link_keeps_the_filter_and_carries_the_cursor(live_zendesk):
    first = get(live_zendesk, "/api/v2/groups", params={"page[size]": "10", "exclude_deleted": "true"}).json()

    query = parse_qs(urlsplit(first["links"]["next"]).query)

    assert query == {
        "exclude_deleted": ["true"],
        "page[size]": ["10"],
        "page[after]": [first["meta"]["after_cursor"]],
    }
    assert first["meta"]["before_cursor"]


def test_groups_include_deleted_ones_unless_excluded(live_zendesk):
    groups = []
    url, params = live_zendesk.base_url + "/api/v2/groups", {"page[size]": "100"}
    while url:
        page = requests.get(url, params=params, auth=live_zendesk.auth, timeout=TIMEOUT).json()
        groups += page["groups"]
        url, params = page["links"]["next"], {}

    assert len(groups) == ids.GROUP_COUNT
    assert {group["id"] for group in groups if group["deleted"]} == set(ids.DELETED_GROUP_IDS)


@pytest.mark.parametrize(
    "params", [{"page[size]": "0"}, {"page[size]": "101"}, {"page[size]": "ten"}, {"page[after]": "garbage"}]
)
def test_bad_pagination_parameters_answer_400(live_zendesk, params):
    response = get(live_zendesk, "/api/v2/groups.json", params=params)

    assert response.status_code == 400
    assert response.json()["error"] == "InvalidPaginationParameter"


def test_a_user_shows_role_custom_role_and_default_group(live_zendesk):
    response = get(live_zendesk, f"/api/v2/users/{ids.USER_RILEY_REVIEWER}.json")

    assert response.status_code == 200
    assert response.json() == {
        "user": {
            "id": ids.USER_RILEY_REVIEWER,
            "name": "Riley Reviewer",
            "email": "riley@acme.example",
            "role": "agent",
            "custom_role_id": ids.ROLE_REVIEW_RESPONDER,
            "default_group_id": ids.GROUP_REVIEWS_TEAM,
            "active": True,
        }
    }


def test_the_admin_and_an_end_user_have_their_own_roles(live_zendesk):
    admin = get(live_zendesk, f"/api/v2/users/{ids.USER_ADMIN}").json()["user"]
    customer = get(live_zendesk, f"/api/v2/users/{ids.USER_ERIN_CUSTOMER}").json()["user"]

    assert (admin["role"], admin["custom_role_id"], admin["email"]) == (
        "admin",
        ids.ROLE_ADMINISTRATOR,
        live_zendesk.email,
    )
    assert (customer["role"], customer["custom_role_id"], customer["default_group_id"]) == ("end-user", None, None)


def test_users_have_no_custom_role_on_the_professional_plan(live_zendesk):
    zendesk_sandbox_seed(subdomain="acme", plan="professional")

    user = get(live_zendesk, f"/api/v2/users/{ids.USER_AVERY_AGENT}.json").json()["user"]

    assert user["custom_role_id"] is None


def test_an_unknown_user_answers_404(live_zendesk):
    response = get(live_zendesk, "/api/v2/users/999.json")

    assert response.status_code == 404
    assert response.json() == {"error": "RecordNotFound", "description": "Not found"}


def test_group_memberships_of_a_user(live_zendesk):
    response = get(
        live_zendesk, f"/api/v2/users/{ids.USER_TAYLOR_LEAD}/group_memberships.json", params={"page[size]": "100"}
    )

    assert response.status_code == 200
    body = response.json()
    memberships = body["group_memberships"]
    assert all(set(item) == MEMBERSHIP_KEYS for item in memberships)
    assert [(item["group_id"], item["default"]) for item in memberships] == [
        (ids.GROUP_REVIEWS_TEAM, True),
        (ids.GROUP_SUPPORT, False),
        (ids.GROUP_ESCALATIONS, False),
    ]
    assert {item["user_id"] for item in memberships} == {ids.USER_TAYLOR_LEAD}
    assert body["meta"]["has_more"] is False
    assert body["links"] == {"next": None, "prev": None}


def test_group_memberships_page_with_a_cursor(live_zendesk):
    path = f"/api/v2/users/{ids.USER_TAYLOR_LEAD}/group_memberships"
    first = get(live_zendesk, path, params={"page[size]": "2"}).json()
    second = get(live_zendesk, path, params={"page[size]": "2", "page[after]": first["meta"]["after_cursor"]}).json()

    assert [item["group_id"] for item in first["group_memberships"]] == [ids.GROUP_REVIEWS_TEAM, ids.GROUP_SUPPORT]
    assert [item["group_id"] for item in second["group_memberships"]] == [ids.GROUP_ESCALATIONS]
    assert (first["meta"]["has_more"], second["meta"]["has_more"]) == (True, False)


def test_group_memberships_of_an_unknown_user_answer_404(live_zendesk):
    assert get(live_zendesk, "/api/v2/users/999/group_memberships.json").status_code == 404


def test_a_group_is_shown_at_its_url(live_zendesk):
    listed = get(live_zendesk, "/api/v2/groups.json").json()["groups"][1]

    response = requests.get(listed["url"], auth=live_zendesk.auth, timeout=TIMEOUT)

    assert response.status_code == 200
    assert response.json() == {"group": listed}
    assert listed["name"] == "Reviews team"
    assert get(live_zendesk, "/api/v2/groups/999.json").json()["error"] == "RecordNotFound"


def test_users_list_every_user_with_their_role_and_default_group(live_zendesk):
    body = get(live_zendesk, "/api/v2/users.json").json()

    assert (body["count"], body["next_page"], body["previous_page"]) == (6, None, None)
    users = {user["id"]: user for user in body["users"]}
    assert list(users) == [user.id for user in ids.USERS]
    riley = get(live_zendesk, f"/api/v2/users/{ids.USER_RILEY_REVIEWER}").json()["user"]
    assert users[ids.USER_RILEY_REVIEWER] == riley
    assert (users[ids.USER_TAYLOR_LEAD]["default_group_id"], users[ids.USER_ERIN_CUSTOMER]["default_group_id"]) == (
        ids.GROUP_REVIEWS_TEAM,
        None,
    )
