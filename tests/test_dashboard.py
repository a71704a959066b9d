"""The support managers' dashboard on the admin index: each figure, the rows behind its link, its cost in SQL."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from integrations.models import ChannelInstance, ReviewTicketLink
from reviews.models import Reply, SyncRun, TrustpilotAccount
from tests import factories

pytestmark = pytest.mark.django_db

INDEX = "/admin/"


@pytest.fixture
def manager(client_for, support_manager) -> Client:
    return client_for(support_manager)


def figures(client: Client) -> dict[str, Any]:
    page = client.get(INDEX)
    assert page.status_code == 200
    return dict(page.context["figures"])


def rows_behind(client: Client, url: str) -> set[int]:
    """The primary keys a changelist shows at this URL; a filter the admin refuses fails here."""
    page = client.get(url)
    assert page.status_code == 200, url
    changelist = page.context["cl"]
    assert changelist.result_count == len(changelist.result_list)
    return {row.pk for row in changelist.result_list}


def by_label(counts: list[Any]) -> dict[str, Any]:
    return {count.label: count for count in counts}


def test_each_enabled_domain_shows_its_last_poll_and_is_flagged_when_overdue_or_never_polled(manager, settings):
    settings.TRUSTPILOT_POLL_INTERVAL = 120
    now = timezone.now()
    fresh = factories.DomainFactory(name="fresh.example", last_successful_poll_at=now - timedelta(minutes=4))
    stale = factories.DomainFactory(
        name="stale.example", last_successful_poll_at=now - timedelta(hours=2), last_error="Trustpilot answered 503"
    )
    never = factories.DomainFactory(name="never.example", last_successful_poll_at=None)
    factories.DomainFactory(name="disabled.example", enabled=False)

    polls = {poll.name: (poll, url) for poll, url in figures(manager)["polls"]}

    assert set(polls) == {"fresh.example", "stale.example", "never.example"}
    assert [polls[name][0].overdue for name in ("fresh.example", "stale.example", "never.example")] == [
        False,
        True,
        True,
    ]
    assert polls["stale.example"][0].last_error == "Trustpilot answered 503"
    for domain in (fresh, stale, never):
        url = polls[domain.name][1]
        assert url == reverse("admin:reviews_domain_change", args=[domain.pk])
        assert manager.get(url).status_code == 200
    html = manager.get(INDEX).content.decode()
    assert "4\xa0minutes ago" in html
    assert "never" in html
    assert "Trustpilot answered 503" in html


def test_backlog_counts_links_waiting_for_zendesk_per_active_instance(manager):
    busy = factories.ChannelInstanceFactory(name="Busy", zendesk_account__subdomain="busy")
    idle = factories.ChannelInstanceFactory(name="Idle", zendesk_account__subdomain="idle")
    gone = factories.ChannelInstanceFactory(name="Gone", status=ChannelInstance.Status.DISCONNECTED)
    now = timezone.now()
    waiting = [
        factories.ReviewTicketLinkFactory(instance=busy, sequence=1),
        # Refused by push, so left to pull: still waiting.
        factories.ReviewTicketLinkFactory(instance=busy, sequence=2, push_error="processing_error: no"),
    ]
    factories.ReviewTicketLinkFactory(instance=busy, sequence=3, first_delivered_at=now)
    factories.ReviewTicketLinkFactory(instance=busy, sequence=4, first_delivered_at=now, pushed_at=now)
    # A channelback's reply: Zendesk wrote it, so it has no sequence and never waits.
    factories.ReviewTicketLinkFactory(instance=busy, kind=ReviewTicketLink.Kind.REPLY, first_delivered_at=now)
    factories.ReviewTicketLinkFactory(instance=idle, sequence=1, first_delivered_at=now)
    factories.ReviewTicketLinkFactory(instance=gone, sequence=1)

    backlog = {row.name: (row.waiting, url) for row, url in figures(manager)["backlog"]}

    assert {name: count for name, (count, _) in backlog.items()} == {"Busy": 2, "Idle": 0}
    assert rows_behind(manager, backlog["Busy"][1]) == {link.pk for link in waiting}
    assert rows_behind(manager, backlog["Idle"][1]) == set()


def test_delivery_filter_splits_links_into_delivered_and_waiting(manager):
    instance = factories.ChannelInstanceFactory()
    waiting = factories.ReviewTicketLinkFactory(instance=instance, sequence=1)
    pulled = factories.ReviewTicketLinkFactory(instance=instance, sequence=2, first_delivered_at=timezone.now())
    pushed = factories.ReviewTicketLinkFactory(
        instance=instance, sequence=3, first_delivered_at=timezone.now(), pushed_at=timezone.now()
    )
    changelist = reverse("admin:integrations_reviewticketlink_changelist")

    assert rows_behind(manager, f"{changelist}?delivery=waiting") == {waiting.pk}
    assert rows_behind(manager, f"{changelist}?delivery=delivered") == {pulled.pk, pushed.pk}


def test_pending_and_failed_replies_link_to_the_replies_in_that_status(manager):
    pending = [factories.ReplyFactory(status=Reply.Status.PENDING) for _ in range(2)]
    failed = factories.ReplyFactory(status=Reply.Status.FAILED, last_error="Trustpilot refused it")
    factories.ReplyFactory(status=Reply.Status.SENT)

    replies = by_label(figures(manager)["replies"])

    assert (replies["Pending"].value, replies["Failed"].value) == (2, 1)
    assert rows_behind(manager, replies["Pending"].url) == {reply.pk for reply in pending}
    assert rows_behind(manager, replies["Failed"].url) == {failed.pk}


def test_accounts_needing_reauthorization_or_with_expiring_tokens_link_to_exactly_those(manager, settings):
    settings.TRUSTDESK_TOKEN_EXPIRY_WARNING_DAYS = 14
    now = timezone.now()
    reauthorize = factories.TrustpilotAccountFactory(status=TrustpilotAccount.Status.NEEDS_REAUTHORIZATION)
    expiring = factories.TrustpilotAccountFactory(refresh_token_expires_at=now + timedelta(days=3))
    unrefreshed = factories.TrustpilotAccountFactory(access_token_expires_at=now - timedelta(days=2))
    factories.TrustpilotAccountFactory(refresh_token_expires_at=now + timedelta(days=30))
    factories.TrustpilotAccountFactory(
        status=TrustpilotAccount.Status.DISCONNECTED, refresh_token_expires_at=now + timedelta(days=1)
    )

    accounts = by_label(figures(manager)["accounts"])

    assert accounts["Need re-authorization"].value == 1
    assert accounts["Tokens expiring soon or not refreshed"].value == 2
    assert rows_behind(manager, accounts["Need re-authorization"].url) == {reauthorize.pk}
    assert rows_behind(manager, accounts["Tokens expiring soon or not refreshed"].url) == {expiring.pk, unrefreshed.pk}


def test_the_token_warning_window_comes_from_the_setting(manager, settings):
    factories.TrustpilotAccountFactory(refresh_token_expires_at=timezone.now() + timedelta(days=20))

    settings.TRUSTDESK_TOKEN_EXPIRY_WARNING_DAYS = 14
    assert by_label(figures(manager)["accounts"])["Tokens expiring soon or not refreshed"].value == 0
    settings.TRUSTDESK_TOKEN_EXPIRY_WARNING_DAYS = 30
    assert by_label(figures(manager)["accounts"])["Tokens expiring soon or not refreshed"].value == 1


def test_the_five_latest_events_with_errors_are_listed_and_link_to_all_of_them(manager):
    start = timezone.now() - timedelta(hours=1)
    events = []
    for minute in range(7):
        event = factories.ChannelEventFactory(type_id="pull_request", subdomain="acme", error=f"Failure {minute}")
        event.__class__.objects.filter(pk=event.pk).update(received_at=start + timedelta(minutes=minute))
        events.append(event)
    factories.ChannelEventFactory(error="", received_at=timezone.now())

    shown = figures(manager)
    latest = shown["events"]

    assert [event.error for event, _ in latest] == [f"Failure {minute}" for minute in (6, 5, 4, 3, 2)]
    for event, url in latest:
        assert url == reverse("admin:integrations_channelevent_change", args=[event.pk])
        assert manager.get(url).status_code == 200
    assert shown["events_count"].value == 7
    assert rows_behind(manager, shown["events_count"].url) == {event.pk for event in events}


def test_running_and_queued_syncs_show_their_progress_and_link_to_runs_in_that_status(manager):
    running = factories.SyncRunFactory(status=SyncRun.Status.RUNNING, progress_percent=40, domain__name="busy.example")
    queued = factories.SyncRunFactory(status=SyncRun.Status.QUEUED, domain__name="later.example")
    factories.SyncRunFactory(status=SyncRun.Status.SUCCEEDED, progress_percent=100)
    factories.SyncRunFactory(status=SyncRun.Status.RUNNING, kind=SyncRun.Kind.POLL)

    shown = figures(manager)
    counts = by_label(shown["backfill_counts"])

    assert [(run.domain, run.status, run.progress_percent) for run, _ in shown["backfills"]] == [
        ("busy.example", "running", 40),
        ("later.example", "queued", 0),
    ]
    assert (counts["Running"].value, counts["Queued"].value) == (1, 1)
    assert rows_behind(manager, counts["Running"].url) == {running.pk}
    assert rows_behind(manager, counts["Queued"].url) == {queued.pk}
    assert "Running, 40%" in manager.get(INDEX).content.decode()


def populate(count: int) -> None:
    """`count` domains, each with an account, an instance, a waiting link, replies, an event and a sync."""
    for _ in range(count):
        domain = factories.DomainFactory(last_successful_poll_at=timezone.now())
        instance = factories.ChannelInstanceFactory(trustpilot_account=domain.account)
        instance.domains.add(domain)
        review = factories.ReviewFactory(domain=domain)
        factories.ReviewTicketLinkFactory(instance=instance, review=review, sequence=1)
        factories.ReplyFactory(review=review, status=Reply.Status.FAILED)
        factories.ChannelEventFactory(instance=instance, error="Timed out")
        factories.SyncRunFactory(domain=domain, status=SyncRun.Status.RUNNING)


def test_the_page_costs_the_same_queries_for_one_domain_and_for_twenty(
    manager, superuser, client_for, django_assert_max_num_queries
):
    populate(1)
    with CaptureQueriesContext(connection) as one:
        assert len(figures(manager)["polls"]) == 1
    populate(19)
    root = client_for(superuser)

    with django_assert_max_num_queries(len(one.captured_queries)):
        assert len(figures(manager)["polls"]) == 20
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert len(figures(root)["backlog"]) == 20


def test_plain_staff_without_permissions_see_no_figure_and_no_error(client_for, plain_staff):
    populate(1)

    page = client_for(plain_staff).get(INDEX)

    assert page.status_code == 200
    assert page.context["figures"] == {}
    assert '<div class="trustdesk-dashboard">' not in page.content.decode()


def test_staff_see_only_the_figures_whose_list_they_may_view(client_for, plain_staff):
    populate(1)
    plain_staff.user_permissions.add(Permission.objects.get(codename="view_reply"))

    assert set(figures(client_for(plain_staff))) == {"replies"}


def test_anonymous_visitors_are_sent_to_the_login_page(client_for):
    page = client_for(None).get(INDEX)

    assert page.status_code == 302
    assert page["Location"].startswith(reverse("admin:login"))


def test_the_page_shows_no_token_and_escapes_what_vendors_wrote(manager):
    populate(2)
    account = factories.TrustpilotAccountFactory(
        access_token="tpa-secret-visible", refresh_token="tpr-secret-visible",
        refresh_token_expires_at=timezone.now() + timedelta(days=1),
    )  # fmt: skip
    factories.DomainFactory(account=account, name="<b>bold</b>.example", last_error="<script>alert(1)</script>")
    factories.ChannelEventFactory(error="<img src=x onerror=alert(2)>")

    html = manager.get(INDEX).content.decode()

    assert '<div class="trustdesk-dashboard">' in html
    assert "tpa-secret-visible" not in html and "tpr-secret-visible" not in html
    assert "zendesk-push-token" not in html and "zendesk-api-token" not in html
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html
    assert "<b>bold</b>" not in html and "&lt;b&gt;bold&lt;/b&gt;.example" in html
    assert "<img src=x" not in html
