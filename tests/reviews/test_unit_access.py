"""A business unit Trustpilot refuses (403) to a working token: marked, left unpolled, no refresh per poll."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from integrations.metadata import metadata_for
from reviews.models import Domain, SyncRun, TrustpilotAccount
from reviews.services import sync
from reviews.services.accounts import UnitAccessDenied, domains_enable
from reviews.trustpilot.types import BusinessUnit
from sandbox.trustpilot import faults
from sandbox.trustpilot.models import Token
from tests import factories
from tests.zendesk_requests import ZendeskClient as Client  # posts form-encoded, as Zendesk does
from tests.zendesk_requests import keyed

pytestmark = pytest.mark.django_db(transaction=True)


def refuse(domain: Domain) -> None:
    faults.faults_set(forbidden_unit=domain.business_unit_id)


def tokens_issued() -> int:
    return Token.objects.filter(kind=Token.Kind.ACCESS).count()


def test_a_403_with_a_fresh_token_marks_the_domain_without_refreshing(connected):
    refuse(connected.domain)
    before = tokens_issued()

    with pytest.raises(UnitAccessDenied):
        sync.domain_poll(domain=connected.domain, client=connected.client)

    assert tokens_issued() == before
    domain = Domain.objects.get(pk=connected.domain.pk)
    assert domain.access_denied_at is not None
    assert "refused this business unit" in domain.access_denied_reason
    assert SyncRun.objects.get().status == SyncRun.Status.FAILED
    assert domain not in sync.pollable_domains()
    assert {d.pk for d in sync.pollable_domains()} == set(
        Domain.objects.exclude(pk=domain.pk).values_list("pk", flat=True)
    )


def test_a_403_with_an_older_token_refreshes_once_then_polling_stops(connected):
    TrustpilotAccount.objects.filter(pk=connected.account.pk).update(
        access_token_issued_at=timezone.now() - timedelta(hours=2)
    )
    connected.domain.account.refresh_from_db()
    refuse(connected.domain)
    before = tokens_issued()

    with pytest.raises(UnitAccessDenied):
        sync.domain_poll(domain=connected.domain, client=connected.client)
    with pytest.raises(sync.DomainNotPollable):
        sync.domain_poll(domain=Domain.objects.get(pk=connected.domain.pk), client=connected.client)

    assert tokens_issued() == before + 1
    assert Domain.objects.get(pk=connected.domain.pk).access_denied_at is not None
    assert TrustpilotAccount.objects.get(pk=connected.account.pk).status == TrustpilotAccount.Status.CONNECTED


def test_the_other_domains_of_the_account_are_still_polled(connected):
    refuse(connected.domain)
    with pytest.raises(UnitAccessDenied):
        sync.domain_poll(domain=connected.domain, client=connected.client)
    other = Domain.objects.exclude(pk=connected.domain.pk).select_related("account").first()

    run = sync.domain_poll(domain=other, client=connected.client)

    assert run.status == SyncRun.Status.SUCCEEDED


def test_a_domain_that_regains_access_through_a_new_sign_in_is_polled_again(connected):
    refuse(connected.domain)
    with pytest.raises(UnitAccessDenied):
        sync.domain_poll(domain=connected.domain, client=connected.client)
    faults.faults_set(forbidden_unit="")
    unit = BusinessUnit(id=connected.domain.business_unit_id, name=connected.domain.name, display_name="Shop")

    (domain,) = domains_enable(account=connected.account, units=[unit])

    assert (domain.access_denied_at, domain.access_denied_reason) == (None, "")
    assert domain.pk in {d.pk for d in sync.pollable_domains()}
    assert sync.domain_poll(domain=domain, client=connected.client).status == SyncRun.Status.SUCCEEDED


def test_pull_asks_for_a_new_sign_in_once_no_domain_of_the_instance_is_accessible(connected):
    instance = factories.ChannelInstanceFactory(trustpilot_account=connected.account)
    other = Domain.objects.exclude(pk=connected.domain.pk).first()
    instance.domains.add(connected.domain, other)
    metadata = metadata_for(instance)
    refuse(connected.domain)
    with pytest.raises(UnitAccessDenied):
        sync.domain_poll(domain=connected.domain, client=connected.client)

    still_one = Client().post(keyed("pull", metadata), {"metadata": metadata, "state": ""}).json()
    Domain.objects.filter(pk=other.pk).update(access_denied_at=timezone.now())
    none_left = Client().post(keyed("pull", metadata), {"metadata": metadata, "state": ""}).json()

    assert "metadata_needs_update" not in still_one
    assert none_left == {"external_resources": [], "metadata_needs_update": True}


def test_the_dashboard_counts_refused_domains_and_links_to_exactly_those(connected, client_for, support_manager):
    refuse(connected.domain)
    with pytest.raises(UnitAccessDenied):
        sync.domain_poll(domain=connected.domain, client=connected.client)
    manager = client_for(support_manager)

    (figure,) = manager.get("/admin/").context["figures"]["domains"]
    listed = manager.get(figure.url).context["cl"].result_list

    assert (figure.value, figure.alert) == (1, True)
    assert [domain.pk for domain in listed] == [connected.domain.pk]
