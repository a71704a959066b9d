"""A support manager in the Django admin, in a real browser: role and group access written to Zendesk,
a sync of unanswered reviews followed to its end, and a disconnect that keeps the ticket data."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions

from integrations.metadata import metadata_for
from integrations.models import AccessRestriction, ChannelInstance, ReviewTicketLink
from reviews.models import Review, SyncRun, TrustpilotAccount
from reviews.services import sync
from sandbox.zendesk.models import SandboxInstallation
from sandbox.zendesk.seed import zendesk_sandbox_seed
from sandbox.zendesk.seed_content import GROUP_REVIEWS_TEAM, INSTALLATION_ID, ROLE_REVIEW_RESPONDER
from tests import factories
from tests.zendesk_requests import ZendeskClient as Client
from tests.zendesk_requests import keyed

pytestmark = pytest.mark.browser


def submit(page, css: str) -> None:
    """Click a button that loads a new page, and wait until the old one is gone (its texts may look alike)."""
    old = page.driver.find_element(By.TAG_NAME, "html")
    page.click(css)
    page.wait_until(expected_conditions.staleness_of(old))


def zendesk_account_of(live_zendesk, **fields):
    """TrustDesk's record of the sandbox's Zendesk account, with its API token and installation id."""
    return factories.ZendeskAccountFactory(
        subdomain=live_zendesk.subdomain,
        api_user=live_zendesk.email,
        api_token=live_zendesk.token,
        installation_id=INSTALLATION_ID,
        **fields,
    )


@pytest.fixture
def manager(page):
    user = factories.UserFactory(username="manager", support_manager=True)
    page.login(user)
    return user


def test_a_support_manager_chooses_roles_and_groups_and_sees_them_written_to_zendesk(page, live_zendesk, manager):
    account = zendesk_account_of(live_zendesk, zendesk_roles=[], zendesk_groups=[])

    page.go(reverse("admin:integrations_zendeskaccount_change", args=[account.pk]))
    page.click("#edit-access")
    page.wait_for("#zendesk-directory", text="5 custom roles and 118 groups, loaded from Zendesk")
    page.check("#id_role_restriction_enabled")
    page.check(f"input[name=allowed_roles][value='{ROLE_REVIEW_RESPONDER}']")
    page.check("#id_group_restriction_enabled")
    page.check(f"input[name=allowed_groups][value='{GROUP_REVIEWS_TEAM}']")
    submit(page, "input[name=_save]")

    page.wait_for(".messagelist", text="Saved. TrustDesk is writing the restrictions to Zendesk now.")
    page.wait_for(".field-sync_state", text="Synced to Zendesk")
    installation = SandboxInstallation.objects.get(
        account__subdomain=live_zendesk.subdomain, zendesk_id=INSTALLATION_ID
    )
    assert (installation.role_restrictions, installation.group_restrictions) == (
        [ROLE_REVIEW_RESPONDER],
        [GROUP_REVIEWS_TEAM],
    )
    page.click("a.historylink")
    page.wait_for("#change-history", text="Allowed roles: none → Review responder")
    assert page.console_errors() == []


def test_a_refused_write_shows_failed_and_the_retry_button_writes_it_again(page, live_zendesk, manager):
    account = zendesk_account_of(live_zendesk, zendesk_roles=[{"id": GROUP_REVIEWS_TEAM, "name": "Gone role"}])
    restriction = AccessRestriction.objects.create(zendesk_account=account)
    page.go(reverse("admin:integrations_accessrestriction_change", args=[restriction.pk]))
    page.check("#id_role_restriction_enabled")
    page.check(f"input[name=allowed_roles][value='{GROUP_REVIEWS_TEAM}']")  # not a role in Zendesk: refused
    submit(page, "input[name=_save]")

    page.wait_for(".field-sync_state", text="Failed")
    assert "RecordInvalid" in page.wait_for(".field-sync_state").text
    page.check(f"input[name=allowed_roles][value='{GROUP_REVIEWS_TEAM}']", checked=False)
    page.check("#id_role_restriction_enabled", checked=False)
    submit(page, "input[name=_save]")
    page.wait_for(".field-sync_state", text="Synced to Zendesk")

    # The app is uninstalled in Zendesk meanwhile: the write fails until it is back, then Retry writes it.
    SandboxInstallation.objects.filter(zendesk_id=INSTALLATION_ID).update(uninstalled_at=timezone.now())
    submit(page, "input[name=_save]")
    page.wait_for(".field-sync_state", text="Failed: HTTP 404 from Zendesk")
    zendesk_sandbox_seed(subdomain=live_zendesk.subdomain)
    submit(page, "#retry-sync")
    page.wait_for(".messagelist", text="Writing the restrictions to Zendesk again.")
    page.wait_for(".field-sync_state", text="Synced to Zendesk")


def test_a_support_manager_starts_a_sync_from_the_domain_list_and_sees_its_outcome(page, connected, manager):
    instance = factories.ChannelInstanceFactory(trustpilot_account=connected.account, zendesk_account__subdomain="acme")
    instance.domains.add(connected.domain)
    page.go(reverse("admin:reviews_domain_changelist"))
    page.check(f"input[name=_selected_action][value='{connected.domain.pk}']")
    page.select("select[name=action]", "sync_unanswered")
    page.click("button[name=index]")
    page.wait_for("body.sync-unanswered", text="Bring in the reviews left unanswered")
    page.click("input[name=period][value='90']")
    submit(page, "input[name=apply]")

    run = SyncRun.objects.get(domain=connected.domain, kind=SyncRun.Kind.BACKFILL)
    page.wait_for(".messagelist", text="Started 1 sync of unanswered reviews")
    page.wait_for(".field-status", text="Succeeded")
    assert run.requested_by == "manager"
    assert (run.status, run.progress_percent) == (SyncRun.Status.SUCCEEDED, 100)
    assert run.tickets_queued == ReviewTicketLink.objects.filter(instance=instance).count() > 0
    page.wait_for(".sync-progress", text=f"{run.reviews_seen} reviews found · {run.tickets_queued} new tickets queued")


def test_the_sync_run_page_follows_a_running_sync_by_itself_until_it_ends(page, connected, manager):
    run = SyncRun.objects.create(
        domain=connected.domain,
        kind=SyncRun.Kind.BACKFILL,
        status=SyncRun.Status.RUNNING,
        pages_fetched=3,
        reviews_seen=240,
        tickets_queued=12,
        progress_percent=40,
    )

    page.go(reverse("admin:reviews_syncrun_change", args=[run.pk]))
    bar = page.wait_for("progress")
    assert bar.get_attribute("value") == "40"
    page.wait_for(".sync-progress", text="3 pages fetched · 240 reviews found · 12 new tickets queued")

    SyncRun.objects.filter(pk=run.pk).update(
        status=SyncRun.Status.SUCCEEDED, pages_fetched=8, reviews_seen=640, tickets_queued=31, progress_percent=100
    )

    # No click: the page reloads by itself while the run is active, and stops once it has ended.
    page.wait_for("body", text="640", timeout=30)
    page.wait_until(lambda driver: not driver.find_elements("css selector", "meta[http-equiv=refresh]"))


def test_a_support_manager_disconnects_an_instance_and_the_ticket_data_stays(page, connected, manager):
    instance = factories.ChannelInstanceFactory(
        trustpilot_account=connected.account, zendesk_account__subdomain="acme", name="Trustpilot — Shop"
    )
    instance.domains.add(connected.domain)
    sync.domain_poll(domain=connected.domain, client=connected.client)
    Client().post(keyed("pull", instance), {"metadata": metadata_for(instance)})
    reviews, links = Review.objects.count(), ReviewTicketLink.objects.filter(instance=instance).count()
    assert links > 0

    page.go(reverse("admin:integrations_channelinstance_change", args=[instance.pk]))
    page.click(".object-tools a[href$='/disconnect/']")
    page.wait_for(".disconnect-removed", text="Trustpilot")
    kept = page.wait_for(".disconnect-kept").text
    assert f"{links} review-ticket link" in kept.replace(",", "")
    submit(page, "input[type=submit][value='Yes, disconnect']")

    page.wait_for(".messagelist", text="Trustpilot — Shop")
    instance.refresh_from_db()
    assert instance.status == ChannelInstance.Status.DISCONNECTED
    account = TrustpilotAccount.objects.get(pk=connected.account.pk)
    assert account.status == TrustpilotAccount.Status.DISCONNECTED and not account.has_tokens
    assert Review.objects.count() == reviews
    assert ReviewTicketLink.objects.filter(instance=instance).count() == links
    pull = Client().post(keyed("pull", instance), {"metadata": metadata_for(instance)})
    assert pull.status_code == 401 or "metadata_needs_update" in pull.content.decode()
