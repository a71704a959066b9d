"""Each Zendesk account's secret app address: every URL its Zendesk calls starts /zendesk/a/<secret>/.

Zendesk signs nothing it sends (docs/zendesk.md §7.1), and an installed app's manifest_url is seen only
by the admin who uploaded the zip (docs/app-address.md, docs/zendesk.md §9.1). So the
manifest URL, and each URL the manifest names, carries a random secret of one Zendesk account: a request
proves which account's Zendesk sent it by its URL, and must not name another account.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from integrations.forms import SUBDOMAIN
from integrations.models import URL_SECRET_FIELDS, RefusedRequest, ZendeskAccount
from trustdesk import url_secrets

# The Refused requests list keeps one row per account, endpoint and refusal this often, for this long.
REFUSALS_RECORDED_EVERY = timedelta(minutes=1)
REFUSALS_KEPT_FOR = timedelta(days=30)


def account_for_secret(secret: str) -> ZendeskAccount | None:
    """The account whose app address holds this secret; found by digest, so timing tells nothing of it."""
    if not url_secrets.plausible(secret):
        return None
    return ZendeskAccount.objects.filter(url_secret_digest=url_secrets.digest(secret)).first()


def subdomain_typed(text: str) -> str | None:
    """The Zendesk subdomain a person typed ("Acme", "acme.zendesk.com"), or None when it cannot be one."""
    subdomain = text.strip().lower().removesuffix(".zendesk.com")
    return subdomain if SUBDOMAIN.fullmatch(subdomain) else None


def account_for_app(subdomain: str) -> ZendeskAccount:
    """The account an app is built for: made on the first build, with its secret."""
    account, _ = ZendeskAccount.objects.get_or_create(subdomain=subdomain.lower())
    return account


def secret_rotate(*, account: ZendeskAccount) -> None:
    """A new secret for the account: its installed app stops reaching TrustDesk until the rebuilt one is installed."""
    with transaction.atomic():
        locked = ZendeskAccount.objects.select_for_update().get(pk=account.pk)
        locked.url_secret_replace()
        locked.save(update_fields=[*URL_SECRET_FIELDS, "updated_at"])
    account.refresh_from_db()


def public(path: str, *, base: str | None = None) -> str:
    """The absolute URL of a path of TrustDesk's, at TRUSTDESK_PUBLIC_URL unless `base` says otherwise."""
    return (base or settings.TRUSTDESK_PUBLIC_URL).rstrip("/") + path


def absolute(view_name: str, *, base: str | None = None) -> str:
    """An un-keyed URL of TrustDesk's (the Trustpilot callback, which Trustpilot must know in advance)."""
    return public(reverse(view_name), base=base)


def keyed_path(account: ZendeskAccount, view: str) -> str:
    if account.url_secret is None:
        raise ValueError(f"Zendesk account {account.subdomain} has no app secret")
    return reverse(f"zendesk:{view}", kwargs={"secret": account.url_secret.reveal()})


def keyed_url(account: ZendeskAccount, view: str, *, base: str | None = None) -> str:
    return public(keyed_path(account, view), base=base)


def manifest_url_for(subdomain: str, *, base: str | None = None) -> str:
    """The manifest URL the app of this Zendesk account carries (the account is made if new)."""
    return keyed_url(account_for_app(subdomain), "manifest", base=base)


def refusal_record(*, endpoint: str, code: str, reason: str = "", account: ZendeskAccount | None = None) -> None:
    """Keep a request refused for its address, for the admin's Refused requests list.

    Anyone can send refused requests as fast as they like: one row per account, endpoint and refusal each
    REFUSALS_RECORDED_EVERY is enough to see the outdated app or the stranger, and bounds what a flood writes.
    """
    endpoint, code = endpoint[:32], code[:32]
    recent = RefusedRequest.objects.filter(
        zendesk_account=account, endpoint=endpoint, code=code, received_at__gte=timezone.now() - REFUSALS_RECORDED_EVERY
    )
    if not recent.exists():
        RefusedRequest.objects.create(zendesk_account=account, endpoint=endpoint, code=code, reason=reason)


def refusals_prune(*, kept_for: timedelta = REFUSALS_KEPT_FOR) -> int:
    """Forget refused requests older than `kept_for`; returns how many rows went."""
    deleted, _ = RefusedRequest.objects.filter(received_at__lt=timezone.now() - kept_for).delete()
    return deleted
