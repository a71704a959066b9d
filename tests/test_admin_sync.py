""" "Sync unanswered reviews…" in the admin: the period form, starting backfills, and their progress pages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from integrations.models import ChannelInstance, ReviewTicketLink
from reviews.models import Domain, SyncRun
from tests import factories

DOMAIN_CHANGELIST = reverse("admin:reviews_domain_changelist")
INSTANCE_CHANGELIST = reverse("admin:integrations_channelinstance_changelist")
RUN_CHANGELIST = reverse("admin:reviews_syncrun_changelist")
REFRESH = '<meta http-equiv="refresh"'


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def sync_url(obj) -> str:
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_sync", args=[obj.pk])


# --- Starting, against the Trustpilot sandbox (Celery runs the task eagerly) -------------------------


@pytest.mark.django_db(transaction=True)
def test_a_sync_started_from_the_domain_page_runs_and_shows_its_run(client_for, superuser, connected):
    instance = factories.ChannelInstanceFactory(trustpilot_account=connected.account)
    instance.domains.add(connected.domain)
    client = client_for(superuser)

    page = client.get(reverse("admin:reviews_domain_change", args=[connected.domain.pk]))
    response = client.post(sync_url(connected.domain), {"period": "90"})

    assert f'href="{sync_url(connected.domain)}"' in page.content.decode()
    run = SyncRun.objects.get(kind=SyncRun.Kind.BACKFILL)
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:reviews_syncrun_change", args=[run.pk])
    assert messages_of(response)[0].startswith("Started 1 sync of unanswered reviews since ")
    assert (run.status, run.requested_by, run.domain) == (SyncRun.Status.SUCCEEDED, "root", connected.domain)
    assert run.period_end - run.period_start == pytest.approx(timedelta(days=90), abs=timedelta(seconds=5))
    assert run.tickets_queued == ReviewTicketLink.objects.filter(instance=instance).count() > 0
    detail = client.get(response["Location"]).content.decode()
    assert f"{run.tickets_queued} new tickets queued for Zendesk" in detail
    assert REFRESH not in detail


@pytest.mark.django_db(transaction=True)
def test_an_instance_syncs_each_of_its_domains_and_the_runs_are_listed(client_for, support_manager, connected):
    boutique = Domain.objects.get(name="boutique.example")
    instance = factories.ChannelInstanceFactory(trustpilot_account=connected.account)
    instance.domains.add(connected.domain, boutique)
    start = timezone.localdate() - timedelta(days=40)
    data = {"action": "sync_unanswered", "_selected_action": [instance.pk], "apply": "1"}

    response = client_for(support_manager).post(
        INSTANCE_CHANGELIST, {**data, "period": "custom", "start_date": start.isoformat()}
    )

    runs = SyncRun.objects.filter(kind=SyncRun.Kind.BACKFILL).order_by("pk")
    assert {run.domain for run in runs} == {connected.domain, boutique}
    assert all(run.period_start.date() == start and run.requested_by == "manager" for run in runs)
    assert response["Location"] == f"{RUN_CHANGELIST}?id__in={','.join(str(run.pk) for run in runs)}"
    listed = client_for(support_manager).get(response["Location"])
    assert listed.status_code == 200
    assert list(listed.context["cl"].result_list.order_by("pk")) == list(runs)


# --- The form and refusals -------------------------------------------------------------------------


@pytest.fixture
def domain(db):
    return factories.DomainFactory(name="shop.example")


@pytest.mark.django_db
def test_the_action_asks_for_the_period_first(client_for, superuser, domain):
    response = client_for(superuser).post(
        DOMAIN_CHANGELIST, {"action": "sync_unanswered", "_selected_action": [domain.pk]}
    )

    html = response.content.decode()
    assert response.status_code == 200
    for label in ("Last 7 days", "Last 30 days", "Last 90 days", "Last 365 days", "From a date"):
        assert label in html
    assert 'name="apply"' in html
    assert not SyncRun.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("start", "error"),
    [
        (None, "Choose the first day to bring in."),
        (timedelta(days=-1), "The start date cannot be in the future."),
        (timedelta(days=3 * 365 + 1), "Choose a date within the last 3 years"),
        ("31/02/2024", "Enter a valid date."),
    ],
)
def test_a_bad_custom_start_date_is_refused_and_nothing_starts(client_for, superuser, domain, start, error):
    if isinstance(start, timedelta):
        start = (timezone.localdate() - start).isoformat()

    response = client_for(superuser).post(sync_url(domain), {"period": "custom", "start_date": start or ""})

    assert response.status_code == 200
    assert error in response.content.decode()
    assert not SyncRun.objects.exists()


@pytest.mark.django_db
def test_a_second_sync_of_a_domain_is_refused_with_a_link_to_the_first(client_for, superuser, domain):
    first = factories.SyncRunFactory(domain=domain, status=SyncRun.Status.RUNNING)

    response = client_for(superuser).post(sync_url(domain), {"period": "7"})

    assert response["Location"] == reverse("admin:reviews_domain_change", args=[domain.pk])
    assert SyncRun.objects.get() == first
    said = messages_of(response)
    assert said == [
        "shop.example already has a sync of unanswered reviews running: "
        f'<a href="{reverse("admin:reviews_syncrun_change", args=[first.pk])}">see its progress</a>.'
    ]


@pytest.mark.django_db
def test_domains_that_cannot_be_polled_say_why(client_for, superuser):
    disabled = factories.DomainFactory(name="off.example", enabled=False)
    orphan = factories.DomainFactory(name="orphan.example", account=None)
    data = {"action": "sync_unanswered", "_selected_action": [disabled.pk, orphan.pk], "apply": "1", "period": "30"}

    response = client_for(superuser).post(DOMAIN_CHANGELIST, data, follow=True)

    assert messages_of(response) == [
        "No sync started: off.example is disabled.",
        "No sync started: orphan.example has no connected Trustpilot account.",
    ]
    assert not SyncRun.objects.exists()


@pytest.mark.django_db
def test_a_disconnected_instance_is_not_synced(client_for, superuser):
    instance = factories.ChannelInstanceFactory(name="Old", status=ChannelInstance.Status.DISCONNECTED)
    instance.domains.add(factories.DomainFactory(account=instance.trustpilot_account))

    response = client_for(superuser).post(sync_url(instance), {"period": "30"}, follow=True)

    assert messages_of(response) == [f"No sync started for {instance}: it is disconnected."]
    assert not SyncRun.objects.exists()


@pytest.mark.django_db
def test_plain_staff_cannot_start_a_sync(client_for, plain_staff, domain):
    client = client_for(plain_staff)

    assert client.get(sync_url(domain)).status_code == 403
    assert client.post(sync_url(domain), {"period": "30"}).status_code == 403
    assert not SyncRun.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["superuser", "support_manager"])
def test_superusers_and_support_managers_get_the_action_and_the_form(client_for, request, domain, role):
    client = client_for(request.getfixturevalue(role))

    assert 'value="sync_unanswered"' in client.get(DOMAIN_CHANGELIST).content.decode()
    assert client.get(sync_url(domain)).status_code == 200


# --- Progress ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_running_run_shows_a_progress_bar_and_its_pages_refresh(client_for, support_manager):
    run = factories.SyncRunFactory(
        status=SyncRun.Status.RUNNING, progress_percent=40, pages_fetched=4, reviews_seen=80, tickets_queued=12
    )
    factories.SyncRunFactory(domain=run.domain, status=SyncRun.Status.SUCCEEDED, progress_percent=100)
    client = client_for(support_manager)

    listing = client.get(RUN_CHANGELIST).content.decode()
    detail = client.get(reverse("admin:reviews_syncrun_change", args=[run.pk])).content.decode()

    assert '<progress max="100" value="40">40%</progress>' in listing
    assert REFRESH in listing
    assert "New tickets" in listing
    assert '<progress max="100" value="40">40%</progress>' in detail
    assert "4 pages fetched · 80 reviews found · 12 new tickets queued for Zendesk · 0 errors" in detail
    assert REFRESH in detail


@pytest.mark.django_db
def test_pages_stop_refreshing_once_every_shown_run_is_done(client_for, support_manager):
    done = factories.SyncRunFactory(status=SyncRun.Status.SUCCEEDED, progress_percent=100)
    factories.SyncRunFactory(status=SyncRun.Status.RUNNING)
    client = client_for(support_manager)

    listing = client.get(RUN_CHANGELIST, {"status__exact": "succeeded"}).content.decode()
    detail = client.get(reverse("admin:reviews_syncrun_change", args=[done.pk])).content.decode()

    assert REFRESH not in listing
    assert "<progress" not in listing
    assert REFRESH not in detail
    assert "<progress" not in detail


@pytest.mark.django_db
def test_cancel_stops_queued_and_running_syncs_only(client_for, superuser):
    running = factories.SyncRunFactory(status=SyncRun.Status.RUNNING)
    done = factories.SyncRunFactory(status=SyncRun.Status.SUCCEEDED)
    data = {"action": "cancel_selected", "_selected_action": [running.pk, done.pk]}

    response = client_for(superuser).post(RUN_CHANGELIST, data, follow=True)

    running.refresh_from_db()
    assert (running.status, running.error) == (SyncRun.Status.CANCELLED, "Cancelled by root")
    assert SyncRun.objects.get(pk=done.pk).status == SyncRun.Status.SUCCEEDED
    assert messages_of(response) == [
        "Cancelled 1 sync(s); they stop at their next page.",
        "1 run(s) left alone: only queued or running syncs can be cancelled.",
    ]


@pytest.mark.django_db
def test_plain_staff_with_view_rights_cannot_cancel(client_for, plain_staff):
    plain_staff.user_permissions.add(Permission.objects.get(codename="view_syncrun"))
    running = factories.SyncRunFactory(status=SyncRun.Status.RUNNING)

    page = client_for(plain_staff).get(RUN_CHANGELIST).content.decode()

    assert 'value="cancel_selected"' not in page
    assert SyncRun.objects.get(pk=running.pk).status == SyncRun.Status.RUNNING
