"""Ticket comments: a reply added with PUT /tickets/{id}, read back with GET /tickets/{id}/comments."""

from __future__ import annotations

import pytest

from sandbox.zendesk import seed_content as ids
from tests.zendesk_sandbox.helpers import get, put

pytestmark = pytest.mark.django_db(transaction=True)

TICKET = "/api/v2/tickets/{id}.json"
COMMENTS = "/api/v2/tickets/{id}/comments.json"
KEYS = {"id", "type", "author_id", "body", "html_body", "plain_body", "public", "created_at"}


def comment(body: str, author_id: int = ids.USER_RILEY_REVIEWER, public: bool = True) -> dict[str, object]:
    return {"ticket": {"comment": {"body": body, "author_id": author_id, "public": public}}}


def test_a_comment_put_on_a_ticket_is_listed_in_its_comments(live_zendesk):
    answer = put(live_zendesk, TICKET.format(id=7001), comment("Thank you <3\nfor the review"))

    assert answer.status_code == 200
    update = answer.json()
    assert update["ticket"]["id"] == 7001
    event = update["audit"]["events"][0]
    assert (event["type"], event["body"], event["author_id"], event["public"]) == (
        "Comment",
        "Thank you <3\nfor the review",
        ids.USER_RILEY_REVIEWER,
        True,
    )
    listed = get(live_zendesk, COMMENTS.format(id=7001))
    assert listed.status_code == 200
    body = listed.json()
    assert (body["count"], body["next_page"], body["previous_page"]) == (1, None, None)
    (item,) = body["comments"]
    assert set(item) == KEYS
    assert item["id"] == event["id"]
    assert (item["type"], item["plain_body"], item["author_id"]) == (
        "Comment",
        "Thank you <3\nfor the review",
        ids.USER_RILEY_REVIEWER,
    )
    assert "&lt;3" in item["html_body"]
    assert "<br>" in item["html_body"]


def test_comments_come_oldest_first_unless_sort_order_is_desc(live_zendesk):
    for text in ("first", "second", "third"):
        put(live_zendesk, TICKET.format(id=7002), comment(text))

    ascending = get(live_zendesk, COMMENTS.format(id=7002)).json()["comments"]
    descending = get(live_zendesk, COMMENTS.format(id=7002), params={"sort_order": "desc"}).json()["comments"]

    assert [item["body"] for item in ascending] == ["first", "second", "third"]
    assert [item["body"] for item in descending] == ["third", "second", "first"]


def test_a_private_comment_without_author_is_the_api_users(live_zendesk):
    answer = put(live_zendesk, TICKET.format(id=7003), {"ticket": {"comment": {"body": "note", "public": False}}})

    (item,) = get(live_zendesk, COMMENTS.format(id=7003)).json()["comments"]
    assert answer.status_code == 200
    assert (item["author_id"], item["public"]) == (ids.USER_ADMIN, False)


def test_tickets_are_per_subdomain_and_unknown_ones_answer_404(live_zendesk):
    response = get(live_zendesk, COMMENTS.format(id=424242))

    assert response.status_code == 404
    assert response.json() == {"error": "RecordNotFound", "description": "Not found"}


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"comment": {"body": "no ticket wrapper"}}, 400),
        ({"ticket": {"status": "solved"}}, 422),
        ({"ticket": {"comment": {"body": "  "}}}, 422),
        ({"ticket": {"comment": {"body": "x", "author_id": 999}}}, 422),
        ({"ticket": {"comment": {"body": "x", "public": "yes"}}}, 422),
    ],
)
def test_an_invalid_ticket_update_adds_nothing(live_zendesk, body, status):
    answer = put(live_zendesk, TICKET.format(id=7004), body)

    assert answer.status_code == status
    assert get(live_zendesk, COMMENTS.format(id=7004)).status_code == 404
