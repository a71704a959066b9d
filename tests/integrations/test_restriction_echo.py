"""Zendesk answers a restriction that is off with null or with []: either way the write counts as synced.

Over HTTP against the Zendesk sandbox, its answer switched with _control/unused_restrictions.
"""

from __future__ import annotations

import pytest

from integrations.models import AccessRestriction
from integrations.services.access import restriction_push
from integrations.zendesk.errors import BadRequest
from sandbox.zendesk import seed_content as ids
from tests import factories
from tests.zendesk_sandbox.helpers import control, get

pytestmark = pytest.mark.django_db(transaction=True)
INSTALLATION = f"/api/v2/apps/installations/{ids.INSTALLATION_ID}.json"


@pytest.fixture
def restriction(live_zendesk) -> AccessRestriction:
    account = factories.ZendeskAccountFactory(
        subdomain=live_zendesk.subdomain,
        api_user=live_zendesk.email,
        api_token=live_zendesk.token,
        installation_id=ids.INSTALLATION_ID,
    )
    return AccessRestriction.objects.create(
        zendesk_account=account,
        role_restriction_enabled=True,
        allowed_roles=[{"id": ids.ROLE_REVIEW_RESPONDER, "name": "Review responder"}],
    )


@pytest.mark.parametrize("empty", [False, True], ids=["null", "empty list"])
def test_a_restriction_left_off_is_synced_whether_zendesk_echoes_null_or_an_empty_list(
    live_zendesk, restriction, empty
):
    assert control(live_zendesk, "unused_restrictions", {"empty": empty}).json()["unused_restrictions_empty"] is empty

    restriction_push(restriction_id=restriction.pk)

    installation = get(live_zendesk, INSTALLATION).json()
    assert installation["role_restrictions"] == [ids.ROLE_REVIEW_RESPONDER]
    assert installation["group_restrictions"] == ([] if empty else None)
    restriction.refresh_from_db()
    assert (restriction.sync_status, restriction.last_sync_error) == (AccessRestriction.SyncStatus.SYNCED, "")


def test_both_restrictions_turned_off_are_synced_when_zendesk_echoes_empty_lists(live_zendesk, restriction):
    control(live_zendesk, "unused_restrictions", {"empty": True})
    AccessRestriction.objects.filter(pk=restriction.pk).update(role_restriction_enabled=False)

    restriction_push(restriction_id=restriction.pk)

    restriction.refresh_from_db()
    assert restriction.sync_status == AccessRestriction.SyncStatus.SYNCED
    assert get(live_zendesk, INSTALLATION).json()["role_restrictions"] == []


def test_an_empty_list_still_differs_from_a_restriction_that_is_on(live_zendesk, restriction, monkeypatch):
    control(live_zendesk, "unused_restrictions", {"empty": True})
    # As if Zendesk dropped the role restriction it was sent: it answers [] where TrustDesk sent an id.
    monkeypatch.setattr(
        "integrations.zendesk.client.restrictions_body",
        lambda *, role_ids, group_ids: {"role_restrictions": None, "group_restrictions": group_ids},
    )

    with pytest.raises(BadRequest):
        restriction_push(restriction_id=restriction.pk)


def test_the_switch_takes_only_true_or_false(live_zendesk):
    assert control(live_zendesk, "unused_restrictions", {"empty": "yes"}).status_code == 400
    assert control(live_zendesk, "reset").json()["unused_restrictions_empty"] is False
