"""Who may do what in TrustDesk's admin. Every ModelAdmin asks this module, never `user.is_*` directly.

Roles:
- superuser: everything, but still never sees a secret (secrets are not editable fields).
- Support managers (a group made by a data migration): view accounts, domains, reviews and their
  edits, replies, links, sync runs, events and refused requests; add and edit access restrictions;
  download the Zendesk app; disconnect and start syncs.
- other staff: only what their own Django permissions grant.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractUser, AnonymousUser
from django.db.models import Model

SUPPORT_MANAGERS = "Support managers"

# The permissions the "Support managers" group holds, as "app_label.codename". Every migrate grants
# those it lacks (support_managers_group_ensure, below): integrations/0002, which made the group, keeps
# a frozen copy from its day. tests/test_permissions.py spells them out, so a change here is deliberate.
SUPPORT_MANAGER_PERMISSIONS = frozenset(
    {
        "reviews.view_trustpilotaccount",
        "reviews.view_domain",
        "reviews.view_review",
        "reviews.view_reply",
        "reviews.view_syncrun",
        "reviews.view_reviewedit",
        "reviews.disconnect_trustpilotaccount",
        "reviews.sync_domain",
        "integrations.view_zendeskaccount",
        "integrations.view_channelinstance",
        "integrations.view_reviewticketlink",
        "integrations.view_channelevent",
        "integrations.view_refusedrequest",
        "integrations.view_accessrestriction",
        "integrations.add_accessrestriction",
        "integrations.change_accessrestriction",
        "integrations.disconnect_zendeskaccount",
        "integrations.disconnect_channelinstance",
        "integrations.sync_channelinstance",
    }
)

User = AbstractUser | AnonymousUser


def _has(user: User, permission: str) -> bool:
    return bool(user.is_active and user.has_perm(permission))


def is_support_manager(user: User) -> bool:
    return bool(user.is_authenticated and user.groups.filter(name=SUPPORT_MANAGERS).exists())


def can_disconnect(user: User, obj_or_model: Model | type[Model]) -> bool:
    """Disconnecting removes tokens and restrictions: only superusers and support managers may.

    The model permission alone is not enough: granted to another staff member by mistake, it must not
    let them revoke a customer's Trustpilot grant.
    """
    meta = obj_or_model._meta
    trusted = user.is_superuser or is_support_manager(user)
    return trusted and _has(user, f"{meta.app_label}.disconnect_{meta.model_name}")


def can_start_sync(user: User, obj_or_model: Model | type[Model]) -> bool:
    meta = obj_or_model._meta
    return _has(user, f"{meta.app_label}.sync_{meta.model_name}")


def can_edit_restrictions(user: User) -> bool:
    return _has(user, "integrations.change_accessrestriction")


def can_download_zendesk_app(user: User) -> bool:
    """An app zip holds its Zendesk account's secret address, with which anyone can act as that account's
    Zendesk; building one (which makes the account) and replacing the secret cut as deep as a disconnect:
    only superusers and support managers who may see Zendesk accounts."""
    trusted = user.is_superuser or is_support_manager(user)
    return trusted and _has(user, "integrations.view_zendeskaccount")


def support_managers_group_ensure(**kwargs: Any) -> None:
    """Make the group and give it every permission it should hold; runs after each migrate.

    Permissions granted by hand stay: only missing ones are added. Also repairs the group after a test
    database flush, and picks up permissions added to SUPPORT_MANAGER_PERMISSIONS in later releases.
    """
    from django.contrib.auth.models import Group, Permission

    group, _ = Group.objects.get_or_create(name=SUPPORT_MANAGERS)
    wanted = [name.split(".") for name in sorted(SUPPORT_MANAGER_PERMISSIONS)]
    found = Permission.objects.filter(
        content_type__app_label__in={app for app, _ in wanted}, codename__in={code for _, code in wanted}
    ).select_related("content_type")
    group.permissions.add(*(p for p in found if [p.content_type.app_label, p.codename] in wanted))
