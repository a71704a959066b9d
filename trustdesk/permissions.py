"""Who may do what in TrustDesk's admin. Every ModelAdmin asks this module, never `user.is_*` directly.

Roles:
- superuser: everything, but still never sees a secret (secrets are not editable fields).
- Support managers (a group made by a data migration): view accounts, domains, reviews, replies,
  links, sync runs and events; edit access restrictions; disconnect and start syncs.
- other staff: only what their own Django permissions grant.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser, AnonymousUser
from django.db.models import Model

SUPPORT_MANAGERS = "Support managers"

# The permissions the "Support managers" group holds, as "app_label.codename". The data
# migration integrations/0002 grants exactly these; tests compare the two.
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
    """Disconnecting removes tokens and restrictions: only superusers and support managers may."""
    meta = obj_or_model._meta
    return _has(user, f"{meta.app_label}.disconnect_{meta.model_name}")


def can_start_sync(user: User, obj_or_model: Model | type[Model]) -> bool:
    meta = obj_or_model._meta
    return _has(user, f"{meta.app_label}.sync_{meta.model_name}")


def can_edit_restrictions(user: User) -> bool:
    return _has(user, "integrations.change_accessrestriction")


def can_download_zendesk_app(user: User) -> bool:
    """The app zip holds no secret, only TrustDesk's manifest URL: whoever may see Zendesk accounts may fetch it."""
    return _has(user, "integrations.view_zendeskaccount")
