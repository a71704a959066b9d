"""The Zendesk sandbox's agent view, through Django's test client: the pages, their switch and CSRF, and the loop it
plays against TrustDesk over real HTTP (the live server): add an account, pull reviews into tickets, reply."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from integrations.models import ChannelInstance, ReviewTicketLink
from reviews.tasks import poll_due_domains
from sandbox.trustpilot import seed
from sandbox.trustpilot.models import BusinessUnit
from sandbox.trustpilot.models import Review as SandboxReview
from sandbox.zendesk import seed_content as ids
from sandbox.zendesk.agent.desk import PullSummary, resources_file
from sandbox.zendesk.agent.models import ChannelAccount, ChannelComment, ChannelTicket
from sandbox.zendesk.connect import zendesk_sandbox_connect
from sandbox.zendesk.models import SandboxComment, SandboxTicket, SandboxUser, SandboxZendesk
from sandbox.zendesk.seed import zendesk_sandbox_seed
from sandbox.zendesk.tickets import ticket_create


def url(name: str, subdomain: str = "acme", **kwargs: object) -> str:
    return reverse(f"zendesk_sandbox:agent:{name}", kwargs={"subdomain": subdomain, **kwargs})


def acme_zendesk() -> SandboxZendesk:
    return SandboxZendesk.objects.get(subdomain="acme")


def texts(answer) -> str:
    return re.sub(r"\s+", " ", html.unescape(answer.content.decode()))


@pytest.fixture
def acme(db, settings):
    settings.TRUSTDESK_SANDBOX = True
    return zendesk_sandbox_seed(subdomain="acme")


@dataclass
class Desk:
    """The agent view of acme, whose TrustDesk is the live server, with TrustDesk connected to the demo business."""

    client: Client

    def add_account(self, days: int = 30):
        return self.client.post(url("account-add"), {"email": "", "password": "", "days": days}, follow=True)

    def ticket_of(self, review: SandboxReview) -> SandboxTicket:
        return ChannelTicket.objects.select_related("ticket").get(thread_id=f"tp-thread-{review.id}").ticket

    def reply(self, ticket: SandboxTicket, body: str, **changes: object):
        data = {"body": body, "author_id": ids.USER_ADMIN, "status": "pending", **changes}
        return self.client.post(url("ticket", ticket_id=ticket.zendesk_id), data, follow=True)


@pytest.fixture
def desk(live_sandbox, live_zendesk, live_server, settings) -> Desk:
    settings.TRUSTDESK_PUBLIC_URL = live_server.url
    settings.ZENDESK_RETURN_URL_HOSTS = ["{subdomain}.localhost"]
    # As with TRUSTDESK_SANDBOX on at start (`make run`): tickets link to the Trustpilot sandbox's review pages.
    settings.TRUSTPILOT_REVIEW_URL = f"{live_sandbox}/reviews/{{review_id}}"
    seed.demo_seed(reviews_per_unit=4)
    zendesk_sandbox_connect(subdomain=live_zendesk.subdomain)
    return Desk(client=Client())


def unanswered_review(name: str = "shop.example", **fields: object) -> SandboxReview:
    unit = BusinessUnit.objects.get(identifying_name=name)
    values = {"stars": 2, "title": "Parcel arrived late", "text": "Two weeks, and no answer to my emails.",
              "consumer_name": "Robin Reviewer", "created_at": timezone.now() - timedelta(hours=2)}  # fmt: skip
    values.update(fields)
    return SandboxReview.objects.create(business_unit=unit, **values)


# The switch, the subdomain, CSRF


@pytest.mark.parametrize(
    ("method", "name", "kwargs"),
    [("get", "tickets", {}), ("get", "ticket", {"ticket_id": 1}), ("post", "ticket", {"ticket_id": 1}),
     ("post", "pull", {}), ("post", "account-add", {})],
)  # fmt: skip
def test_every_page_answers_404_while_the_sandbox_is_off(acme, settings, client, method, name, kwargs):
    settings.TRUSTDESK_SANDBOX = False

    answer = getattr(client, method)(url(name, **kwargs))

    assert answer.status_code == 404
    assert not ChannelAccount.objects.exists()


def test_an_unknown_subdomain_or_ticket_is_404(acme, client):
    assert client.get(url("tickets", subdomain="nobody")).status_code == 404
    assert client.get(url("ticket", ticket_id=424242)).status_code == 404


def test_the_forms_carry_a_csrf_token_and_a_post_without_one_is_refused(acme):
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(url("tickets"))

    assert page.status_code == 200
    assert 'name="csrfmiddlewaretoken"' in page.content.decode()
    assert browser.post(url("pull")).status_code == 403
    assert browser.post(url("account-add"), {"days": 30}).status_code == 403
    assert not ChannelAccount.objects.exists()


def test_without_an_account_the_page_offers_to_add_one_and_no_pull(acme, client):
    page = texts(client.get(url("tickets")))

    assert "No account is added under TrustDesk's channel yet" in page
    assert "Add account" in page
    assert 'id="pull"' not in page
    assert "No tickets yet." in page


def test_a_ticket_made_through_the_api_shows_its_thread_but_has_no_reply_box(acme, client):
    made = ticket_create(acme_zendesk(), body={"ticket": {"comment": {"body": "Hello from the API"}}},
                         api_user=acme.api_user).ticket  # fmt: skip
    ticket = url("ticket", ticket_id=made.zendesk_id)

    page = texts(client.get(ticket))
    sent = client.post(ticket, {"body": "Hi", "author_id": ids.USER_ADMIN, "status": "open"}, follow=True)

    assert "Hello from the API" in page
    assert 'id="reply"' not in page
    assert "did not come from a channel" in texts(sent)
    assert SandboxComment.objects.filter(ticket=made).count() == 1


# Filing resources as Zendesk does


def resource(external_id: str, *, thread: str = "tp-thread-r1", **fields: object) -> dict[str, object]:
    return {"external_id": external_id, "thread_id": thread, "message": f"message of {external_id}",
            "created_at": "2026-01-02T03:04:05Z", "author": {"external_id": "tp-consumer-c1", "name": "Casey"},
            **fields}  # fmt: skip


def test_resources_become_one_ticket_per_thread_each_external_id_once_and_notes_stay_internal(acme):
    account = ChannelAccount.objects.create(zendesk=acme_zendesk(), name="Trustpilot", metadata="m")
    review = resource(
        "tp-review-r1",
        fields=[{"id": "subject", "value": "Late parcel"}],
        display_info=[{"type": "x", "data": {"review_url": "https://reviews.test/r1"}}],
    )
    note = resource("tp-note-r1-1", internal_note=True, author={"external_id": "trustdesk", "name": "TrustDesk"})
    summary = PullSummary()

    first = resources_file(account, [review, note, resource("tp-review-r2", thread="tp-thread-r2")], summary)
    again = resources_file(account, [review], summary)

    ticket = ChannelTicket.objects.get(thread_id="tp-thread-r1").ticket
    assert [e["type_id"] for e in first] == ["comment_on_new_ticket", "comment_on_existing_ticket",
                                            "comment_on_new_ticket"]  # fmt: skip
    assert first[0]["ticket_id"] == first[1]["ticket_id"] == ticket.zendesk_id != first[2]["ticket_id"]
    assert again == []
    assert (summary.tickets, summary.comments) == (2, 3)
    assert (ticket.subject, ticket.status) == ("Late parcel", SandboxTicket.Status.NEW)
    assert ticket.channel.review_url == "https://reviews.test/r1"
    assert ticket.channel.recipient_id == "tp-consumer-c1"
    assert SandboxUser.objects.get(zendesk_id=ticket.requester_id).role == SandboxUser.Role.END_USER
    comments = list(ticket.comments.order_by("id"))
    assert [(c.channel.external_id, c.public) for c in comments] == [("tp-review-r1", True), ("tp-note-r1-1", False)]
    assert comments[0].created_at.isoformat() == "2026-01-02T03:04:05+00:00"


def test_a_new_public_resource_reopens_a_pending_ticket_and_a_link_that_is_not_http_is_dropped(acme):
    account = ChannelAccount.objects.create(zendesk=acme_zendesk(), name="Trustpilot", metadata="m")
    bad_link = [{"data": {"review_url": "javascript:alert(1)"}}]
    resources_file(account, [resource("tp-review-r1", display_info=bad_link)], PullSummary())
    ticket = ChannelTicket.objects.get().ticket
    SandboxTicket.objects.filter(pk=ticket.pk).update(status=SandboxTicket.Status.PENDING)

    resources_file(account, [resource("tp-edit-r1-1")], PullSummary())

    ticket.refresh_from_db()
    assert ticket.status == SandboxTicket.Status.OPEN
    assert ticket.channel.review_url == ""


# The loop, against TrustDesk over HTTP


@pytest.mark.django_db(transaction=True)
def test_adding_an_account_pulls_the_reviews_into_tickets_and_reports_them_to_trustdesk(desk):
    unanswered_review()
    unanswered_review(name="boutique.example", title="Lovely shop")
    answer = desk.add_account()

    instance = ChannelInstance.objects.get(zendesk_account__subdomain="acme")
    links = ReviewTicketLink.objects.filter(instance=instance, kind="review")
    account = ChannelAccount.objects.get()
    page = texts(answer)
    assert answer.status_code == 200
    assert f"Added {account.name} under TrustDesk's channel." in page
    assert account.name == instance.name and account.metadata and account.state
    assert ChannelTicket.objects.count() == links.count() >= 2
    assert f"{links.count()} new ticket(s)" in page
    for link in links:
        ticket = SandboxTicket.objects.get(channel__thread_id=f"tp-thread-{link.review.trustpilot_id}")
        assert link.zendesk_ticket_id == ticket.zendesk_id  # the event callback told TrustDesk
        assert f">{ticket.subject}</a>" in page
    assert 'id="pull"' in page


@pytest.mark.django_db(transaction=True)
def test_a_reply_is_sent_as_a_channelback_and_published_on_the_trustpilot_sandbox(desk):
    review = unanswered_review()
    desk.add_account()
    ticket = desk.ticket_of(review)

    page = texts(desk.client.get(url("ticket", ticket_id=ticket.zendesk_id)))
    assert "Parcel arrived late" in page and "Two weeks, and no answer to my emails." in page
    assert "Robin Reviewer" in page
    assert f'href="{desk.ticket_of(review).channel.review_url}"' in page
    assert ticket.channel.review_url.endswith(f"/sandbox/trustpilot/reviews/{review.id}")

    sent = texts(desk.reply(ticket, "Sorry, Robin: your refund is on its way."))

    review.refresh_from_db()
    reply = ChannelComment.objects.get(is_reply=True)
    assert review.reply_text == "Sorry, Robin: your refund is on its way."
    assert reply.external_id.startswith(f"tp-reply-{review.id}-")
    assert reply.comment.author_id == ids.USER_ADMIN and reply.comment.public
    assert f"Sent. TrustDesk's external_id for the reply: {reply.external_id}" in sent
    assert f"Sent to TrustDesk, which answered external_id {reply.external_id}" in sent
    assert SandboxTicket.objects.get(pk=ticket.pk).status == SandboxTicket.Status.PENDING
    public = desk.client.get(ticket.channel.review_url)
    assert "Sorry, Robin: your refund is on its way." in public.content.decode()


@pytest.mark.django_db(transaction=True)
def test_pull_now_brings_a_new_review_once_and_says_when_there_is_nothing_new(desk):
    desk.add_account()
    before = SandboxTicket.objects.count()

    quiet = texts(desk.client.post(url("pull"), follow=True))
    newcomer = unanswered_review(title="Wrong size")
    poll_due_domains.delay()
    pulled = texts(desk.client.post(url("pull"), follow=True))
    ChannelAccount.objects.update(state="")  # as if Zendesk forgot where it was: it imports no external_id twice
    again = texts(desk.client.post(url("pull"), follow=True))

    assert "nothing new from TrustDesk yet" in quiet
    assert "1 new ticket(s)" in pulled
    assert desk.ticket_of(newcomer).subject == "Wrong size"
    assert SandboxTicket.objects.count() == before + 1
    assert "nothing new from TrustDesk yet" in again and "Pull:" not in again


@pytest.mark.django_db(transaction=True)
def test_trustdesks_refusal_is_shown_and_kept_on_the_reply(desk):
    review = unanswered_review()
    desk.add_account()
    ticket = desk.ticket_of(review)
    ChannelAccount.objects.update(metadata="not metadata TrustDesk wrote")

    sent = texts(desk.reply(ticket, "Thanks for telling us."))

    reply = ChannelComment.objects.get(is_reply=True)
    assert reply.external_id == ""
    assert reply.channelback_error.startswith("TrustDesk answered HTTP 401: invalid_metadata")
    assert f"The reply was not sent. {reply.channelback_error}" in sent
    assert f"Not sent: {reply.channelback_error}" in sent
    review.refresh_from_db()
    assert review.reply_text == ""
    # The agent submitted the reply and its status, as in Zendesk; only the channelback failed.
    assert SandboxTicket.objects.get(pk=ticket.pk).status == SandboxTicket.Status.PENDING
    assert reply.comment.body == "Thanks for telling us."


@pytest.mark.django_db(transaction=True)
def test_an_empty_reply_is_refused_on_the_page_and_nothing_is_sent(desk):
    review = unanswered_review()
    desk.add_account()
    ticket = desk.ticket_of(review)

    answer = desk.client.post(url("ticket", ticket_id=ticket.zendesk_id), {"body": "  ", "author_id": ids.USER_ADMIN,
                                                                          "status": "pending"})  # fmt: skip

    assert answer.status_code == 400
    assert "This field is required." in answer.content.decode()
    assert not ChannelComment.objects.filter(is_reply=True).exists()


@pytest.mark.django_db(transaction=True)
def test_when_trustdesk_cannot_be_reached_the_page_says_so(desk, settings):
    desk.add_account()
    settings.TRUSTDESK_PUBLIC_URL = "http://127.0.0.1:9"  # the discard port: nothing listens

    pulled = texts(desk.client.post(url("pull"), follow=True))
    added = texts(desk.add_account())

    assert "Pull: TrustDesk could not be reached" in pulled
    assert "The account was not added. TrustDesk could not be reached" in added
    assert ChannelAccount.objects.count() == 1
