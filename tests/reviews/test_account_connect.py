"""Connecting a Trustpilot account, including a business user Trustpilot did not name
(docs/trustpilot.md §2.3, §3.1)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from reviews.models import TrustpilotAccount
from reviews.services.accounts import account_connect
from reviews.trustpilot.types import BusinessUser, TokenSet

pytestmark = pytest.mark.django_db

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
USER_ID = "5f3c2a1b9d8e7f6a5b4c3d2e"
UNKNOWN = BusinessUser(id="", name="", email="")


def tokens(access: str = "tpa-1", app_enduser: str = "") -> TokenSet:
    return TokenSet(
        access_token=access,
        refresh_token=f"tpr-{access}",
        access_expires_at=NOW + timedelta(hours=100),
        refresh_expires_at=NOW + timedelta(days=30),
        app_enduser=app_enduser,
    )


def test_a_named_user_is_identified_by_trustpilots_id_and_reconnects_to_the_same_account():
    first = account_connect(
        user=BusinessUser(USER_ID, "Søren", "soren@shop.example"), tokens=tokens(), connected_by="a"
    )

    again = account_connect(
        user=BusinessUser(USER_ID, "Søren Ø", "soren@shop.example"), tokens=tokens("tpa-2"), connected_by="b"
    )

    assert again.pk == first.pk
    account = TrustpilotAccount.objects.get()
    assert (account.business_user_id, account.business_user_known) == (USER_ID, True)
    assert (account.name, account.connected_by, account.access_token.reveal()) == ("Søren Ø", "b", "tpa-2")
    assert account.author_id == USER_ID


def test_a_user_only_app_enduser_names_is_identified_by_it():
    account = account_connect(user=UNKNOWN, tokens=tokens(app_enduser=USER_ID), connected_by="a")

    assert (account.business_user_id, account.business_user_known) == (USER_ID, True)
    assert account.author_id == USER_ID


def test_a_user_trustpilot_did_not_name_gets_a_placeholder_id_and_no_reply_author():
    account = account_connect(user=UNKNOWN, tokens=tokens(), connected_by="Zendesk admin of acme")

    assert account.business_user_id.startswith("unknown-")
    assert len(account.business_user_id) <= 64
    assert account.business_user_known is False
    assert account.author_id is None
    assert (account.name, account.email, account.status) == ("", "", TrustpilotAccount.Status.CONNECTED)
    assert account.access_token.reveal() == "tpa-1"
    assert str(account) == f"Unknown Trustpilot user #{account.pk}"


def test_each_sign_in_of_an_unnamed_user_is_an_account_of_its_own():
    first = account_connect(user=UNKNOWN, tokens=tokens("tpa-1"), connected_by="a")
    second = account_connect(user=UNKNOWN, tokens=tokens("tpa-2"), connected_by="a")

    assert first.pk != second.pk
    assert first.business_user_id != second.business_user_id
    assert TrustpilotAccount.objects.filter(business_user_known=False).count() == 2


def test_the_account_name_falls_back_to_the_email():
    account = account_connect(user=BusinessUser(USER_ID, "", "soren@shop.example"), tokens=tokens(), connected_by="a")

    assert account.name == "soren@shop.example"
    assert str(account) == "soren@shop.example"


def test_a_reconnection_that_names_nobody_keeps_the_stored_name_and_email():
    account_connect(user=BusinessUser(USER_ID, "Søren", "soren@shop.example"), tokens=tokens(), connected_by="a")

    account = account_connect(user=BusinessUser(USER_ID, "", ""), tokens=tokens("tpa-2"), connected_by="b")

    account.refresh_from_db()
    assert (account.name, account.email) == ("Søren", "soren@shop.example")
    assert account.access_token.reveal() == "tpa-2"
