"""The Zendesk REST calls behind the access page and the channelback check, with HTTP mocked at the client."""

from __future__ import annotations

import base64
import json

import pytest
import responses

from integrations.zendesk import errors
from integrations.zendesk.client import ZendeskClient
from integrations.zendesk.types import ApiToken, Named
from tests.fixtures import load_fixture

BASE = "https://acme.zendesk.com"


@pytest.fixture
def client() -> ZendeskClient:
    return ZendeskClient(subdomain="acme", api_token=ApiToken(email="admin@acme.example", token="zd-secret"))


@responses.activate
def test_custom_roles_are_read_with_the_api_token(client):
    responses.get(f"{BASE}/api/v2/custom_roles.json", json=load_fixture("zendesk", "custom_roles_synthetic"))

    roles = client.custom_roles()

    assert roles == [Named(360001, "Team lead"), Named(360002, "Review responder"), Named(360009, "Administrator")]
    expected = base64.b64encode(b"admin@acme.example/token:zd-secret").decode()
    assert responses.calls[0].request.headers["Authorization"] == f"Basic {expected}"


@responses.activate
def test_groups_follow_the_cursor_and_leave_deleted_groups_out(client):
    responses.get(
        f"{BASE}/api/v2/groups.json",
        json=load_fixture("zendesk", "groups_page2_synthetic"),
        match=[
            responses.matchers.query_param_matcher(
                {
                    "exclude_deleted": "true",
                    "page[size]": "100",
                    "page[after]": "eyJvIjoiaWQiLCJ2IjoiYVFnQUFBQUFBQUFBIn0=",
                }
            )
        ],
    )
    responses.get(
        f"{BASE}/api/v2/groups.json",
        json=load_fixture("zendesk", "groups_page1_synthetic"),
        match=[responses.matchers.query_param_matcher({"exclude_deleted": "true", "page[size]": "100"})],
    )

    assert client.groups() == [Named(7, "Tier 2"), Named(8, "Reviews team"), Named(9, "Billing")]
    assert len(responses.calls) == 2


@responses.activate
def test_restrictions_are_written_to_the_installation_under_one_pair_of_field_names(client):
    answer = {
        **load_fixture("zendesk", "installation_synthetic"),
        "role_restrictions": [360002],
        "group_restrictions": [8],
    }
    responses.put(f"{BASE}/api/v2/apps/installations/360001234.json", json=answer)

    installation = client.installation_restrictions_update(360001234, role_ids=[360002], group_ids=[8])

    assert json.loads(responses.calls[0].request.body) == {"role_restrictions": [360002], "group_restrictions": [8]}
    assert (installation.id, installation.role_ids, installation.group_ids) == (360001234, [360002], [8])


@responses.activate
def test_a_restriction_turned_off_is_sent_as_null(client):
    responses.put(
        f"{BASE}/api/v2/apps/installations/1.json",
        json={**load_fixture("zendesk", "installation_synthetic"), "id": 1, "role_restrictions": None},
    )

    installation = client.installation_restrictions_update(1, role_ids=None, group_ids=None)

    assert json.loads(responses.calls[0].request.body) == {"role_restrictions": None, "group_restrictions": None}
    assert installation.role_ids is None


@responses.activate
def test_the_author_of_a_reply_is_found_from_comments_user_and_memberships(client):
    responses.get(f"{BASE}/api/v2/tickets/42/comments.json", json=load_fixture("zendesk", "ticket_comments_synthetic"))
    responses.get(f"{BASE}/api/v2/users/501.json", json=load_fixture("zendesk", "user_synthetic"))
    responses.get(
        f"{BASE}/api/v2/users/501/group_memberships.json", json=load_fixture("zendesk", "group_memberships_synthetic")
    )

    comments = client.ticket_comments(42)
    agent = client.user(501)

    assert [(c.id, c.author_id, c.public) for c in comments] == [(9002, 501, True), (9001, 777, True)]
    assert "sort_order=desc" in responses.calls[0].request.url
    assert (agent.name, agent.role, agent.custom_role_id) == ("Riley Reviewer", "agent", 360002)
    assert client.user_group_ids(501) == [8]


@pytest.mark.parametrize(
    ("status", "error", "body"),
    [
        (401, errors.AuthError, {"error": "Couldn't authenticate you"}),
        (
            403,
            errors.AuthError,
            {"error": "Forbidden", "description": "Custom roles are available on Enterprise plans"},
        ),
        (404, errors.NotFound, {"error": "RecordNotFound", "description": "Not found"}),
        (
            422,
            errors.BadRequest,
            {
                "error": "RecordInvalid",
                "description": "Record validation errors",
                "details": {"role_restrictions": ["unknown role 12"]},
            },
        ),
        (429, errors.RateLimited, {"error": "TooManyRequests"}),
        (503, errors.Unavailable, {"error": "ServiceUnavailable"}),
    ],
)
@responses.activate
def test_zendesk_refusals_map_to_the_error_family_with_zendesks_words(client, status, error, body):
    responses.get(f"{BASE}/api/v2/custom_roles.json", status=status, json=body, headers={"Retry-After": "7"})

    with pytest.raises(error) as raised:
        client.custom_roles()

    assert raised.value.status == status
    assert body["error"] in raised.value.message
    if status == 429:
        assert raised.value.retry_after == 7


@responses.activate
def test_an_answer_of_the_wrong_shape_is_reported_not_swallowed(client):
    responses.get(f"{BASE}/api/v2/custom_roles.json", json={"roles": []})

    with pytest.raises(errors.Unavailable, match="unexpected shape"):
        client.custom_roles()


def test_rest_calls_need_an_api_token():
    with pytest.raises(errors.AuthError, match="No Zendesk API token"):
        ZendeskClient(subdomain="acme").custom_roles()
