"""Tickets: created with POST /tickets, shown and updated (a reply is a comment of an update) with
/tickets/{id}, their comments read back with GET /tickets/{id}/comments. A missing ticket is never created."""

from __future__ import annotations

import pytest

from sandbox.zendesk import seed_content as ids
from sandbox.zendesk.models import SandboxAudit, SandboxComment, SandboxTicket, SandboxZendesk
from tests.zendesk_sandbox.helpers import get, post, put

pytestmark = pytest.mark.django_db(transaction=True)

TICKET = "/api/v2/tickets/{id}.json"
COMMENTS = "/api/v2/tickets/{id}/comments.json"
KEYS = {"id", "type", "author_id", "body", "html_body", "plain_body", "public", "created_at"}


TICKET_KEYS = {
    "id",
    "url",
    "external_id",
    "subject",
    "raw_subject",
    "description",
    "status",
    "requester_id",
    "assignee_id",
    "group_id",
    "tags",
    "created_at",
    "updated_at",
}


def ticket(zendesk, ticket_id: int, subject: str = "A review") -> SandboxTicket:
    """A ticket with no comment yet, straight in the sandbox's database."""
    account = SandboxZendesk.objects.get(subdomain=zendesk.subdomain)
    return SandboxTicket.objects.create(account=account, zendesk_id=ticket_id, subject=subject)


def comment(body: str, author_id: int = ids.USER_RILEY_REVIEWER, public: bool = True) -> dict[str, object]:
    return {"ticket": {"comment": {"body": body, "author_id": author_id, "public": public}}}


def test_a_comment_put_on_a_ticket_is_listed_in_its_comments(live_zendesk):
    ticket(live_zendesk, 7001)

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
    ticket(live_zendesk, 7002)
    for text in ("first", "second", "third"):
        put(live_zendesk, TICKET.format(id=7002), comment(text))

    ascending = get(live_zendesk, COMMENTS.format(id=7002)).json()["comments"]
    descending = get(live_zendesk, COMMENTS.format(id=7002), params={"sort_order": "desc"}).json()["comments"]

    assert [item["body"] for item in ascending] == ["first", "second", "third"]
    assert [item["body"] for item in descending] == ["third", "second", "first"]


def test_a_private_comment_without_author_is_the_api_users(live_zendesk):
    ticket(live_zendesk, 7003)

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
    ticket(live_zendesk, 7004)

    answer = put(live_zendesk, TICKET.format(id=7004), body)

    assert answer.status_code == status
    assert get(live_zendesk, COMMENTS.format(id=7004)).json()["comments"] == []
    assert get(live_zendesk, TICKET.format(id=7004)).json()["ticket"]["status"] == "open"
    assert not SandboxAudit.objects.exists()


@pytest.mark.parametrize("path", [TICKET, "/api/v2/tickets/{id}"])
def test_an_update_of_a_missing_ticket_answers_404_and_creates_nothing(live_zendesk, path):
    answer = put(live_zendesk, path.format(id=7005), comment("Hello?"))

    assert answer.status_code == 404
    assert answer.json() == {"error": "RecordNotFound", "description": "Not found"}
    assert get(live_zendesk, TICKET.format(id=7005)).status_code == 404
    assert not SandboxTicket.objects.exists()
    assert not SandboxComment.objects.exists()


def test_a_missing_ticket_answers_404(live_zendesk):
    response = get(live_zendesk, TICKET.format(id=7006))

    assert response.status_code == 404
    assert response.json() == {"error": "RecordNotFound", "description": "Not found"}


def test_a_created_ticket_gets_the_next_id_and_its_comment_is_the_description(live_zendesk):
    ticket(live_zendesk, 41)
    body = {
        "ticket": {
            "subject": "Two stars on Trustpilot",
            "requester_id": ids.USER_ERIN_CUSTOMER,
            "comment": {"body": "Parcel late", "author_id": ids.USER_ERIN_CUSTOMER},
        }
    }

    answer = post(live_zendesk, "/api/v2/tickets.json", body)

    assert answer.status_code == 201
    created = answer.json()
    assert set(created["ticket"]) == TICKET_KEYS
    assert created["ticket"]["id"] == 42
    assert (created["ticket"]["subject"], created["ticket"]["description"], created["ticket"]["status"]) == (
        "Two stars on Trustpilot",
        "Parcel late",
        "new",
    )
    assert created["ticket"]["requester_id"] == ids.USER_ERIN_CUSTOMER
    assert created["ticket"]["url"] == live_zendesk.base_url + "/api/v2/tickets/42.json"
    assert created["audit"]["ticket_id"] == 42
    assert [(event["type"], event.get("field_name"), event.get("value")) for event in created["audit"]["events"]] == [
        ("Comment", None, None),
        ("Create", "subject", "Two stars on Trustpilot"),
        ("Create", "status", "new"),
        ("Create", "requester_id", str(ids.USER_ERIN_CUSTOMER)),
    ]
    shown = get(live_zendesk, "/api/v2/tickets/42").json()["ticket"]
    assert shown == created["ticket"]
    (first,) = get(live_zendesk, COMMENTS.format(id=42)).json()["comments"]
    assert (first["author_id"], first["body"]) == (ids.USER_ERIN_CUSTOMER, "Parcel late")


def test_a_ticket_without_requester_is_the_api_users_and_the_first_gets_id_1(live_zendesk):
    answer = post(live_zendesk, "/api/v2/tickets", {"ticket": {"comment": {"body": "Hi"}}})

    assert answer.status_code == 201
    assert (answer.json()["ticket"]["id"], answer.json()["ticket"]["requester_id"]) == (1, ids.USER_ADMIN)
    assert answer.json()["audit"]["author_id"] == ids.USER_ADMIN


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"subject": "no wrapper"}, 400),
        ({"ticket": {"subject": "no comment"}}, 422),
        ({"ticket": {"comment": {"body": ""}}}, 422),
        ({"ticket": {"comment": {"body": "x"}, "requester_id": 999}}, 422),
        ({"ticket": {"comment": {"body": "x"}, "status": "lost"}}, 422),
    ],
)
def test_an_invalid_ticket_is_not_created(live_zendesk, body, status):
    answer = post(live_zendesk, "/api/v2/tickets.json", body)

    assert answer.status_code == status
    assert not SandboxTicket.objects.exists()


def test_an_update_without_comment_changes_the_status_and_subject(live_zendesk):
    ticket(live_zendesk, 7007, subject="Old")

    answer = put(live_zendesk, TICKET.format(id=7007), {"ticket": {"id": 7007, "status": "pending", "subject": "New"}})

    assert answer.status_code == 200
    update = answer.json()
    assert (update["ticket"]["status"], update["ticket"]["subject"]) == ("pending", "New")
    assert update["audit"]["events"] == [
        {"type": "Change", "field_name": "status", "value": "pending", "previous_value": "open"},
        {"type": "Change", "field_name": "subject", "value": "New", "previous_value": "Old"},
    ]
    assert get(live_zendesk, TICKET.format(id=7007)).json()["ticket"]["status"] == "pending"
    assert get(live_zendesk, COMMENTS.format(id=7007)).json()["comments"] == []
