"""TrustDesk's app installation in a sandbox account: read, update (validated, recorded) and uninstall."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from sandbox.zendesk.errors import bad_request, invalid, not_found
from sandbox.zendesk.models import (
    SandboxGroup,
    SandboxInstallation,
    SandboxInstallationUpdate,
    SandboxRole,
    SandboxZendesk,
)

ROLE_RESTRICTIONS = "role_restrictions"
GROUP_RESTRICTIONS = "group_restrictions"


def installation_get(zendesk: SandboxZendesk, *, installation_id: int) -> SandboxInstallation:
    installation = SandboxInstallation.objects.filter(
        account=zendesk, zendesk_id=installation_id, uninstalled_at__isnull=True
    ).first()
    if installation is None:
        raise not_found()
    return installation


@transaction.atomic
def installation_update(zendesk: SandboxZendesk, *, installation_id: int, body: Any) -> SandboxInstallation:
    """Apply a PUT body: "settings" merged, "enabled", and the restriction lists (null turns one off)."""
    installation = installation_get(zendesk, installation_id=installation_id)
    if not isinstance(body, dict):
        raise bad_request("The request body must be a JSON object")
    changed: list[str] = []
    if "settings" in body:
        if not isinstance(body["settings"], dict):
            raise invalid("settings", "settings must be an object")
        installation.settings = {**installation.settings, **body["settings"]}
        changed.append("settings")
    if "enabled" in body:
        if not isinstance(body["enabled"], bool):
            raise invalid("enabled", "enabled must be true or false")
        installation.enabled = body["enabled"]
        changed.append("enabled")
    if ROLE_RESTRICTIONS in body:
        known = _role_ids(zendesk)
        installation.role_restrictions = _restriction(ROLE_RESTRICTIONS, body[ROLE_RESTRICTIONS], known, "custom role")
        changed.append(ROLE_RESTRICTIONS)
    if GROUP_RESTRICTIONS in body:
        known = _group_ids(zendesk)
        installation.group_restrictions = _restriction(GROUP_RESTRICTIONS, body[GROUP_RESTRICTIONS], known, "group")
        changed.append(GROUP_RESTRICTIONS)
    installation.save(update_fields=[*changed, "updated_at"])
    return installation


def installation_update_record(
    zendesk: SandboxZendesk, *, installation_id: int, raw_body: str, body: Any, status: int
) -> SandboxInstallationUpdate:
    return SandboxInstallationUpdate.objects.create(
        account=zendesk, installation_id=installation_id, raw_body=raw_body, body=body, status=status
    )


def installation_uninstall(zendesk: SandboxZendesk, *, installation_id: int) -> SandboxInstallation:
    installation = installation_get(zendesk, installation_id=installation_id)
    installation.uninstalled_at = timezone.now()
    installation.enabled = False
    installation.save(update_fields=["uninstalled_at", "enabled", "updated_at"])
    return installation


def _restriction(field: str, value: Any, known: set[int], what: str) -> list[int] | None:
    if value is None:
        return None
    if not isinstance(value, list) or any(isinstance(item, bool) or not isinstance(item, int) for item in value):
        raise invalid(field, f"{field} must be a list of {what} ids or null")
    for item in value:
        if item not in known:
            raise invalid(field, f"{item} is not the id of a {what} in this account")
    return list(dict.fromkeys(value))


def _role_ids(zendesk: SandboxZendesk) -> set[int]:
    if not zendesk.has_custom_roles:
        return set()
    return set(SandboxRole.objects.filter(account=zendesk).values_list("zendesk_id", flat=True))


def _group_ids(zendesk: SandboxZendesk) -> set[int]:
    return set(SandboxGroup.objects.filter(account=zendesk, deleted=False).values_list("zendesk_id", flat=True))
