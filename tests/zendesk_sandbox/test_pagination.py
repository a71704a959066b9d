"""Both of Zendesk's paginations on every list: offset without page[size], cursor with it."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from sandbox.zendesk import seed_content as ids
from sandbox.zendesk.models import SandboxComment, SandboxTicket, SandboxZendesk
from tests.zendesk_sandbox.helpers import TIMEOUT, get

pytestmark = pytest.mark.django_db(transaction=True)

OFFSET_KEYS = {"next_page", "previous_page", "count"}
CURSOR_KEYS = {"meta", "links"}


def follow(zendesk, url: str, params: dict[str, str], link) -> list[dict[str, object]]:
    """Every page from `url`, following the link `link` picks out of each page."""
    pages = []
    while url:
        response = requests.get(url, params=params, auth=zendesk.auth, timeout=TIMEOUT)
        assert response.status_code == 200
        pages.append(response.json())
        url, params = link(pages[-1]), {}
    return pages


def tickets_with_comments(zendesk, ticket_id: int, comments: int) -> SandboxTicket:
    account = SandboxZendesk.objects.get(subdomain=zendesk.subdomain)
    ticket = SandboxTicket.objects.create(account=account, zendesk_id=ticket_id, subject=f"Ticket {ticket_id}")
    SandboxComment.objects.bulk_create(
        SandboxComment(ticket=ticket, author_id=ids.USER_ADMIN, body=f"comment {n}", html_body="")
        for n in range(1, comments + 1)
    )
    return ticket


def test_groups_without_page_size_answer_offset_pages_of_100(live_zendesk):
    pages = follow(live_zendesk, live_zendesk.base_url + "/api/v2/groups.json", {}, lambda page: page["next_page"])

    assert [len(page["groups"]) for page in pages] == [100, 20]
    assert all(set(page) == {"groups", *OFFSET_KEYS} for page in pages)
    assert [page["count"] for page in pages] == [ids.GROUP_COUNT] * 2
    assert pages[0]["previous_page"] is None
    assert pages[0]["next_page"] == live_zendesk.base_url + "/api/v2/groups.json?page=2"
    assert pages[1]["previous_page"] == live_zendesk.base_url + "/api/v2/groups.json?page=1"
    assert pages[1]["next_page"] is None
    groups = [group["id"] for page in pages for group in page["groups"]]
    assert groups == [group.id for group in sorted(ids.groups(), key=lambda group: group.id)]


def test_per_page_and_page_choose_the_slice_and_stay_in_the_links(live_zendesk):
    body = get(live_zendesk, "/api/v2/groups", params={"per_page": "30", "page": "2", "exclude_deleted": "true"}).json()

    assert [group["name"] for group in body["groups"][:2]] == ["Region 026", "Region 027"]
    assert (len(body["groups"]), body["count"]) == (30, ids.ACTIVE_GROUP_COUNT)
    assert parse_qs(urlsplit(body["next_page"]).query) == {
        "exclude_deleted": ["true"],
        "page": ["3"],
        "per_page": ["30"],
    }
    assert parse_qs(urlsplit(body["previous_page"]).query)["page"] == ["1"]


def test_per_page_is_capped_at_100_and_a_page_past_the_end_is_empty(live_zendesk):
    capped = get(live_zendesk, "/api/v2/groups.json", params={"per_page": "500"}).json()
    past = get(live_zendesk, "/api/v2/groups.json", params={"page": "9"}).json()

    assert len(capped["groups"]) == 100
    assert (past["groups"], past["next_page"], past["count"]) == ([], None, ids.GROUP_COUNT)


@pytest.mark.parametrize("params", [{"page": "0"}, {"page": "two"}, {"per_page": "-1"}, {"page": "101"}])
def test_bad_offset_parameters_and_offsets_past_10000_answer_400(live_zendesk, params):
    response = get(live_zendesk, "/api/v2/groups.json", params=params)

    assert response.status_code == 400
    assert response.json()["error"] == "InvalidPaginationParameter"


def test_users_page_with_a_cursor_too(live_zendesk):
    pages = follow(
        live_zendesk, live_zendesk.base_url + "/api/v2/users.json", {"page[size]": "4"}, lambda p: p["links"]["next"]
    )

    assert all(set(page) == {"users", *CURSOR_KEYS} for page in pages)
    assert [[user["id"] for user in page["users"]] for page in pages] == [
        [user.id for user in ids.USERS[:4]],
        [user.id for user in ids.USERS[4:]],
    ]


def test_group_memberships_without_page_size_answer_offset_pagination(live_zendesk):
    body = get(live_zendesk, f"/api/v2/users/{ids.USER_TAYLOR_LEAD}/group_memberships", params={"per_page": "2"})

    page = body.json()
    assert set(page) == {"group_memberships", *OFFSET_KEYS}
    assert [item["group_id"] for item in page["group_memberships"]] == [ids.GROUP_REVIEWS_TEAM, ids.GROUP_SUPPORT]
    assert (page["count"], parse_qs(urlsplit(page["next_page"]).query)) == (3, {"page": ["2"], "per_page": ["2"]})


def test_tickets_list_in_both_shapes(live_zendesk):
    for ticket_id in (3, 1, 2):
        tickets_with_comments(live_zendesk, ticket_id, comments=1)

    offset = get(live_zendesk, "/api/v2/tickets.json").json()
    cursor = get(live_zendesk, "/api/v2/tickets.json", params={"page[size]": "2"}).json()

    assert ([ticket["id"] for ticket in offset["tickets"]], offset["count"]) == ([1, 2, 3], 3)
    assert [ticket["description"] for ticket in offset["tickets"]] == ["comment 1"] * 3
    assert ([ticket["id"] for ticket in cursor["tickets"]], cursor["meta"]["has_more"]) == ([1, 2], True)


def test_ticket_comments_take_page_size_in_either_order(live_zendesk):
    tickets_with_comments(live_zendesk, 9, comments=5)
    path = live_zendesk.base_url + "/api/v2/tickets/9/comments.json"

    oldest = follow(live_zendesk, path, {"page[size]": "2"}, lambda page: page["links"]["next"])
    newest = follow(live_zendesk, path, {"page[size]": "2", "sort_order": "desc"}, lambda page: page["links"]["next"])

    assert [[item["body"] for item in page["comments"]] for page in oldest] == [
        ["comment 1", "comment 2"],
        ["comment 3", "comment 4"],
        ["comment 5"],
    ]
    assert [[item["body"] for item in page["comments"]] for page in newest] == [
        ["comment 5", "comment 4"],
        ["comment 3", "comment 2"],
        ["comment 1"],
    ]
    assert [page["meta"]["has_more"] for page in newest] == [True, True, False]


def test_ticket_comments_page_by_offset_too(live_zendesk):
    tickets_with_comments(live_zendesk, 10, comments=5)

    body = get(live_zendesk, "/api/v2/tickets/10/comments", params={"per_page": "2", "page": "3"}).json()

    assert ([item["body"] for item in body["comments"]], body["count"], body["next_page"]) == (["comment 5"], 5, None)
    assert parse_qs(urlsplit(body["previous_page"]).query) == {"page": ["2"], "per_page": ["2"]}
