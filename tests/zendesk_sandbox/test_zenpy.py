"""The Zendesk sandbox driven by zenpy, a Zendesk client TrustDesk did not write, over real HTTP on loopback.

zenpy is set up as its users set it up (subdomain, email and API token); ZENPY_FORCE_SCHEME and
ZENPY_FORCE_NETLOC, zenpy's own switches, send it to the live server instead of {subdomain}.zendesk.com, and
each API's prefix takes the sandbox's mount point. Where zenpy and the sandbox disagree, the sandbox is wrong.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from zenpy import Zenpy
from zenpy.lib import api as zenpy_api
from zenpy.lib.api_objects import Comment, Ticket, TicketAudit
from zenpy.lib.exception import APIException, RatelimitBudgetExceeded, RecordNotFoundException
from zenpy.lib.generator import GenericCursorResultsGenerator, ZendeskResultGenerator

from sandbox.zendesk import seed_content as ids
from sandbox.zendesk.models import SandboxComment, SandboxTicket, SandboxZendesk
from tests.zendesk_sandbox.helpers import TIMEOUT, control

pytestmark = pytest.mark.django_db(transaction=True)

NOT_FOUND = {"error": "RecordNotFound", "description": "Not found"}
INVALID_ENDPOINT = {"error": "InvalidEndpoint", "description": "Not found"}


def zenpy_client(zendesk, monkeypatch, **options) -> Zenpy:
    address = urlsplit(zendesk.base_url)
    monkeypatch.setenv("ZENPY_FORCE_SCHEME", address.scheme)
    monkeypatch.setenv("ZENPY_FORCE_NETLOC", address.netloc)
    client = Zenpy(
        subdomain=zendesk.subdomain,
        email=zendesk.email,
        token=zendesk.token,
        timeout=TIMEOUT,
        disable_cache=True,
        **options,
    )
    for api in vars(client).values():
        if isinstance(api, zenpy_api.BaseApi):
            api.api_prefix = f"{address.path.strip('/')}/api/v2"
    return client


@pytest.fixture
def zenpy(live_zendesk, monkeypatch) -> Iterator[Zenpy]:
    client = zenpy_client(live_zendesk, monkeypatch)
    yield client
    client.users.session.close()  # every API shares it; the live server waits for open connections


@pytest.fixture
def sleeps(monkeypatch) -> list[float]:
    """zenpy's waits on a 429, recorded instead of slept."""
    slept: list[float] = []
    monkeypatch.setattr(zenpy_api, "sleep", slept.append)
    return slept


def sandbox_ticket(zendesk, ticket_id: int, comments: int = 0) -> SandboxTicket:
    account = SandboxZendesk.objects.get(subdomain=zendesk.subdomain)
    ticket = SandboxTicket.objects.create(account=account, zendesk_id=ticket_id, subject=f"Ticket {ticket_id}")
    SandboxComment.objects.bulk_create(
        SandboxComment(ticket=ticket, author_id=ids.USER_ERIN_CUSTOMER, body=f"comment {n}", html_body="")
        for n in range(1, comments + 1)
    )
    return ticket


def error_of(exception: APIException) -> tuple[int, dict[str, object]]:
    return exception.response.status_code, json.loads(str(exception))


def test_users_in_offset_and_cursor_pagination(zenpy):
    offset = zenpy.users(cursor_pagination=False)
    cursor = zenpy.users()

    assert isinstance(offset, ZendeskResultGenerator)
    assert isinstance(cursor, GenericCursorResultsGenerator)
    assert len(offset) == 6
    users = list(offset)
    assert [(user.id, user.name, user.role) for user in users] == [
        (user.id, user.name, user.role) for user in ids.USERS
    ]
    assert [user.id for user in cursor] == [user.id for user in users]
    riley = next(user for user in users if user.id == ids.USER_RILEY_REVIEWER)
    assert (riley.email, riley.custom_role_id, riley.default_group_id) == (
        "riley@acme.example",
        ids.ROLE_REVIEW_RESPONDER,
        ids.GROUP_REVIEWS_TEAM,
    )


def test_groups_follow_next_page_past_the_first_100(zenpy):
    groups = zenpy.groups(cursor_pagination=False)

    assert isinstance(groups, ZendeskResultGenerator)
    assert len(groups) == ids.GROUP_COUNT
    listed = list(groups)
    assert [group.id for group in listed] == [group.id for group in ids.groups()]
    assert [group.name for group in listed[:2]] == ["Support", "Reviews team"]
    assert {group.id for group in listed if group.deleted} == set(ids.DELETED_GROUP_IDS)


def test_a_slice_of_groups_is_fetched_with_page_and_per_page(zenpy):
    sliced = zenpy.groups(cursor_pagination=False)[105:110:5]

    assert [group.name for group in sliced] == [f"Region {number}" for number in range(101, 106)]


@pytest.mark.parametrize("page_size", [True, 50])
def test_groups_follow_the_cursor_past_the_first_page(zenpy, page_size):
    groups = zenpy.groups(cursor_pagination=page_size)

    assert isinstance(groups, GenericCursorResultsGenerator)
    assert [group.id for group in groups] == [group.id for group in ids.groups()]


def test_a_ticket_created_shown_and_updated_with_its_comments(zenpy):
    created = zenpy.tickets.create(
        Ticket(
            subject="One star on Trustpilot",
            requester_id=ids.USER_ERIN_CUSTOMER,
            comment=Comment(body="Never arrived", author_id=ids.USER_ERIN_CUSTOMER),
        )
    )

    assert isinstance(created, TicketAudit)
    ticket = zenpy.tickets(id=created.ticket.id)
    assert (ticket.subject, ticket.description, ticket.status) == ("One star on Trustpilot", "Never arrived", "new")
    assert ticket.requester.name == "Erin Customer"

    ticket.comment = Comment(body="We are sorry: a new parcel is on its way", public=True)
    ticket.status = "pending"
    updated = zenpy.tickets.update(ticket)

    assert isinstance(updated, TicketAudit)
    assert (updated.ticket.id, updated.ticket.status) == (ticket.id, "pending")
    assert updated.audit.author_id == ids.USER_ADMIN
    comments = list(zenpy.tickets.comments(ticket=ticket.id))
    assert [(comment.author_id, comment.body, comment.public) for comment in comments] == [
        (ids.USER_ERIN_CUSTOMER, "Never arrived", True),
        (ids.USER_ADMIN, "We are sorry: a new parcel is on its way", True),
    ]
    assert comments[1].author.name == "Alex Admin"
    assert zenpy.tickets(id=ticket.id).status == "pending"


def test_ticket_comments_follow_the_cursor_past_100(zenpy, live_zendesk):
    sandbox_ticket(live_zendesk, 77, comments=150)

    comments = zenpy.tickets.comments(ticket=77)

    assert isinstance(comments, GenericCursorResultsGenerator)
    assert [comment.body for comment in comments] == [f"comment {n}" for n in range(1, 151)]


def test_a_missing_ticket_raises_record_not_found_and_an_update_does_not_create_it(zenpy):
    with pytest.raises(RecordNotFoundException) as shown:
        zenpy.tickets(id=424242)
    with pytest.raises(RecordNotFoundException) as updated:
        zenpy.tickets.update(Ticket(id=424242, comment=Comment(body="Anyone there?")))

    assert error_of(shown.value) == error_of(updated.value) == (404, NOT_FOUND)
    assert not SandboxTicket.objects.exists()


def test_an_endpoint_the_sandbox_lacks_raises_zendesks_invalid_endpoint(zenpy):
    with pytest.raises(APIException) as raised:
        list(zenpy.macros())

    assert not isinstance(raised.value, RecordNotFoundException)
    assert error_of(raised.value) == (404, INVALID_ENDPOINT)


def test_an_invalid_update_raises_zendesks_record_invalid(zenpy, live_zendesk):
    sandbox_ticket(live_zendesk, 78)
    ticket = zenpy.tickets(id=78)
    ticket.status = "solved"

    with pytest.raises(APIException) as raised:
        zenpy.tickets.update(ticket)

    status, body = error_of(raised.value)
    assert (status, body["error"], list(body["details"])) == (422, "RecordInvalid", ["status"])


@pytest.mark.parametrize(("fault", "waited"), [({"status": 429}, [1]), ({"status": 429, "retry_after": 3}, [1, 1, 1])])
def test_zenpy_waits_out_a_429_for_its_retry_after_then_gets_its_answer(zenpy, live_zendesk, sleeps, fault, waited):
    control(live_zendesk, "fail_next", fault)

    user = zenpy.users(id=ids.USER_ADMIN)

    assert sleeps == waited
    assert (user.id, user.email) == (ids.USER_ADMIN, live_zendesk.email)


def test_a_429_longer_than_zenpys_budget_raises(live_zendesk, monkeypatch, sleeps):
    client = zenpy_client(live_zendesk, monkeypatch, ratelimit_budget=2)
    control(live_zendesk, "fail_next", {"status": 429, "count": 5, "retry_after": 30})

    with pytest.raises(RatelimitBudgetExceeded):
        client.users(id=ids.USER_ADMIN)
    client.users.session.close()

    assert sleeps == [1]
