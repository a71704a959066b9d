"""Dataclasses holding a token or a secret never show it in repr or str (logs, tracebacks, failed assertions)."""

from __future__ import annotations

import dataclasses
import importlib
import pkgutil
import re
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

import integrations
import reviews
import trustdesk
from integrations.services.sign_in import Grant
from integrations.zendesk.types import ApiToken
from reviews.trustpilot.types import TokenSet
from sandbox.zendesk.seed import SeededZendesk

SECRET_NAME = re.compile(r"token|secret|password|claim_code|short_code")
WHEN = datetime(2025, 1, 1, tzinfo=UTC)


def shown(value: object) -> str:
    return repr(value) + str(value) + f"{value}" + repr([value])


@pytest.mark.parametrize(
    ("value", "secrets", "kept"),
    [
        (
            TokenSet("access-SECRET-1", "refresh-SECRET-2", WHEN, None, app_enduser="enduser-3"),
            ["access-SECRET-1", "refresh-SECRET-2", "enduser-3"],
            ["access_expires_at", "2025"],
        ),
        (ApiToken(email="admin@acme.example", token="zd-SECRET-4"), ["zd-SECRET-4"], ["admin@acme.example"]),
        (
            Grant(
                sign_in=SimpleNamespace(pk=7),  # type: ignore[arg-type]
                claim_code="claim-SECRET-5",
                short_code="SHORT6SECRET",
                user=SimpleNamespace(email="owner@shop.example"),  # type: ignore[arg-type]
                units_count=2,
                units_listed=True,
            ),
            ["claim-SECRET-5", "SHORT6SECRET", "SHORT6-SECRET"],
            ["units_count=2"],
        ),
        (
            SeededZendesk(
                subdomain="acme",
                plan="enterprise",
                api_user="admin@acme.example",
                api_token="sandbox-SECRET-7",
                installation_id=9,
                created=True,
            ),
            ["sandbox-SECRET-7"],
            ["acme", "installation_id=9"],
        ),
    ],
    ids=["TokenSet", "ApiToken", "Grant", "SeededZendesk"],
)
def test_repr_and_str_hold_no_secret_but_the_rest(value, secrets, kept):
    text = shown(value)

    assert [secret for secret in secrets if secret in text] == []
    assert [part for part in kept if part not in text] == []


def dataclasses_of(*packages: object) -> list[type]:
    found: list[type] = []
    for package in packages:
        for module_info in pkgutil.walk_packages(package.__path__, prefix=f"{package.__name__}."):  # type: ignore[attr-defined]
            if ".migrations" in module_info.name:
                continue
            module = importlib.import_module(module_info.name)
            found += [
                value
                for value in vars(module).values()
                if isinstance(value, type) and dataclasses.is_dataclass(value) and value.__module__ == module.__name__
            ]
    return found


def test_no_dataclass_of_trustdesk_shows_a_field_named_like_a_secret():
    classes = dataclasses_of(trustdesk, reviews, integrations)
    shown_secrets = [
        f"{cls.__module__}.{cls.__qualname__}.{item.name}"
        for cls in classes
        for item in dataclasses.fields(cls)
        if SECRET_NAME.search(item.name) and str(item.type).startswith("str") and item.repr
    ]

    assert TokenSet in classes
    assert shown_secrets == []
