"""Seed a sandbox Zendesk account: roles, groups, agents and TrustDesk's app installation. Safe to run again."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import TypeVar

from django.db import transaction

from sandbox.zendesk import seed_content as content
from sandbox.zendesk.models import (
    SandboxGroup,
    SandboxGroupMembership,
    SandboxInstallation,
    SandboxRole,
    SandboxUser,
    SandboxZendesk,
)

M = TypeVar("M", SandboxRole, SandboxGroup, SandboxUser, SandboxGroupMembership)


@dataclass(frozen=True)
class SeededZendesk:
    """The seeded account's credentials; every other id is a constant of `seed_content`."""

    subdomain: str
    plan: str
    api_user: str
    api_token: str = field(repr=False)
    installation_id: int
    created: bool


@transaction.atomic
def zendesk_sandbox_seed(*, subdomain: str = "demo", plan: str = SandboxZendesk.Plan.ENTERPRISE) -> SeededZendesk:
    """Create the account the first time; later runs keep its token, set the plan, restore the seeded
    directory (names, roles, memberships) and reinstall the app if it was uninstalled."""
    if plan not in SandboxZendesk.Plan.values:
        raise ValueError(f"plan must be one of {', '.join(SandboxZendesk.Plan.values)}")
    zendesk, created = SandboxZendesk.objects.get_or_create(
        subdomain=subdomain,
        defaults={"api_user": content.ADMIN.email(subdomain), "api_token": secrets.token_hex(20), "plan": plan},
    )
    if zendesk.plan != plan:
        zendesk.plan = plan
        zendesk.save(update_fields=["plan"])
    roles = _upsert(
        SandboxRole,
        [
            SandboxRole(account=zendesk, zendesk_id=r.id, name=r.name, description=r.description, role_type=r.role_type)
            for r in content.ROLES
        ],
        ["name", "description", "role_type"],
    )
    groups = _upsert(
        SandboxGroup,
        [
            SandboxGroup(
                account=zendesk,
                zendesk_id=g.id,
                name=g.name,
                description=g.description,
                is_default=g.is_default,
                deleted=g.deleted,
            )
            for g in content.groups()
        ],
        ["name", "description", "is_default", "deleted"],
    )
    users = _upsert(
        SandboxUser,
        [
            SandboxUser(
                account=zendesk,
                zendesk_id=u.id,
                name=u.name,
                email=u.email(subdomain),
                role=u.role,
                custom_role=roles[u.custom_role_id] if u.custom_role_id else None,
            )
            for u in content.USERS
        ],
        ["name", "email", "role", "custom_role", "active"],
    )
    _upsert(
        SandboxGroupMembership,
        [
            SandboxGroupMembership(
                account=zendesk, zendesk_id=number, user=users[user.id], group=groups[group_id], is_default=default
            )
            for number, user, group_id, default in content.memberships()
        ],
        ["user", "group", "is_default"],
    )
    _install(zendesk)
    return SeededZendesk(
        subdomain=subdomain,
        plan=zendesk.plan,
        api_user=zendesk.api_user,
        api_token=zendesk.api_token,
        installation_id=content.INSTALLATION_ID,
        created=created,
    )


def _upsert(model: type[M], rows: list[M], fields: list[str]) -> dict[int, M]:
    """Insert the rows, or update `fields` of those already there; the saved rows by zendesk_id."""
    model.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=["account", "zendesk_id"], update_fields=[*fields, "updated_at"]
    )
    account = rows[0].account
    ids = [row.zendesk_id for row in rows]
    return {row.zendesk_id: row for row in model.objects.filter(account=account, zendesk_id__in=ids)}


def _install(zendesk: SandboxZendesk) -> None:
    installation, created = SandboxInstallation.objects.get_or_create(
        account=zendesk,
        zendesk_id=content.INSTALLATION_ID,
        defaults={"app_id": content.APP_ID, "settings": {"name": content.APP_NAME}},
    )
    if not created and installation.uninstalled_at is not None:
        installation.uninstalled_at = None
        installation.enabled = True
        installation.save(update_fields=["uninstalled_at", "enabled", "updated_at"])
