"""The management commands and Celery tasks that drive ingestion, run in-process against the sandbox."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from reviews import tasks
from reviews.models import Domain, RateBudgetWindow, Review, SyncRun, TrustpilotAccount
from sandbox.trustpilot import seed
from sandbox.trustpilot.models import Review as SandboxReview

pytestmark = pytest.mark.django_db(transaction=True)


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=out)
    return out.getvalue()


def test_poll_reviews_polls_one_domain_and_says_what_came_in(connected):
    output = run("poll_reviews", "--domain", "shop.example")

    count = Review.objects.filter(domain=connected.domain).count()
    assert count > 0
    assert f"shop.example: 1 page(s), {count} review(s) seen, {count} new" in output
    assert not Review.objects.exclude(domain=connected.domain).exists()


def test_poll_reviews_without_a_domain_polls_every_enabled_one(connected):
    output = run("poll_reviews")

    assert [line.split(":")[0] for line in output.splitlines()] == [
        "boutique.example",
        "outlet.example",
        "shop.example",
    ]


def test_an_unknown_domain_is_refused_with_the_known_ones(connected):
    with pytest.raises(CommandError, match=r"No domain named 'nope\.example'\. Known domains: boutique\.example"):
        run("poll_reviews", "--domain", "nope.example")


def test_sync_unanswered_runs_a_backfill_and_prints_it(connected):
    output = run("sync_unanswered", "--domain", "shop.example", "--days", "90")

    backfill = SyncRun.objects.get(kind=SyncRun.Kind.BACKFILL)
    assert backfill.status == SyncRun.Status.SUCCEEDED
    assert f"{backfill.reviews_new} new (run {backfill.pk})" in output
    assert not Review.objects.exclude(company_reply_text="").exists()


def test_sync_unanswered_refuses_a_period_out_of_range(connected):
    with pytest.raises(CommandError, match="--days must be between 1 and 3650"):
        run("sync_unanswered", "--domain", "shop.example", "--days", "0")


def test_the_periodic_poll_polls_only_connected_enabled_domains(connected):
    Domain.objects.filter(name="outlet.example").update(enabled=False)

    assert tasks.poll_due_domains.delay().get() == 2

    polled = set(SyncRun.objects.values_list("domain__name", flat=True))
    assert polled == {"shop.example", "boutique.example"}


def test_an_account_needing_reauthorization_is_not_polled(connected):
    TrustpilotAccount.objects.update(status=TrustpilotAccount.Status.NEEDS_REAUTHORIZATION)

    assert tasks.poll_due_domains.delay().get() == 0
    assert not SyncRun.objects.exists()


def test_the_periodic_rescan_reads_the_recent_window(connected, settings):
    settings.TRUSTPILOT_RESCAN_DAYS = 14

    tasks.rescan_domains.delay()

    run = SyncRun.objects.get(domain=connected.domain)
    assert run.kind == SyncRun.Kind.RESCAN
    assert abs(run.period_start - (timezone.now() - timedelta(days=14))) < timedelta(minutes=1)
    recent = SandboxReview.objects.filter(
        business_unit__identifying_name="shop.example", created_at__gte=run.period_start
    ).count()
    assert run.reviews_new == recent


def test_a_stalled_backfill_is_handed_to_a_new_worker(connected):
    backfill = SyncRun.objects.create(
        domain=connected.domain,
        kind=SyncRun.Kind.BACKFILL,
        status=SyncRun.Status.RUNNING,
        period_start=timezone.now() - timedelta(days=30),
        period_end=timezone.now(),
        checkpoint={"window": 0, "page": 1},
    )
    SyncRun.objects.filter(pk=backfill.pk).update(updated_at=timezone.now() - timedelta(hours=1))

    assert tasks.resume_stalled_backfills.delay().get() == 1

    assert SyncRun.objects.get(pk=backfill.pk).status == SyncRun.Status.SUCCEEDED


def test_pruning_keeps_backfills_and_a_week_of_polls(connected):
    old, recent = (SyncRun.objects.create(domain=connected.domain, kind=SyncRun.Kind.POLL) for _ in range(2))
    backfill = SyncRun.objects.create(domain=connected.domain, kind=SyncRun.Kind.BACKFILL)
    SyncRun.objects.filter(pk__in=[old.pk, backfill.pk]).update(created_at=timezone.now() - timedelta(days=8))
    RateBudgetWindow.objects.create(key="k", window_seconds=300, window_index=1, count=3)

    tasks.prune_sync_history.delay()

    assert set(SyncRun.objects.values_list("pk", flat=True)) == {recent.pk, backfill.pk}
    assert not RateBudgetWindow.objects.filter(window_index=1).exists()


def test_connect_sandbox_connects_the_demo_account_once(live_sandbox):
    seed.demo_seed(reviews_per_unit=0)

    first = run("connect_sandbox")
    second = run("connect_sandbox")

    account = TrustpilotAccount.objects.get()
    assert "Connected to the sandbox's Demo Business" in first
    assert "already connected" in second
    assert account.status == TrustpilotAccount.Status.CONNECTED
    assert set(Domain.objects.values_list("name", flat=True)) == {
        "shop.example",
        "boutique.example",
        "outlet.example",
    }


def test_connect_sandbox_refuses_when_the_sandbox_is_off(db, settings):
    settings.TRUSTDESK_SANDBOX = False

    with pytest.raises(CommandError, match="TRUSTDESK_SANDBOX is off"):
        run("connect_sandbox")
