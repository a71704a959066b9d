"""Zendesk's own JSON Schemas for channel payloads, ready to validate against.

They come from Zendesk's public repository (SOURCE below) and stay outside this one: the tests read
them from ZENDESK_SCHEMAS_DIR, a clone of that repository (default ../shared/zendesk-schemas, a
relative path being from this repository's root). Without them the contract tests skip, and a
payload check inside another test is left out and counted in the run's summary (tests/conftest.py);
.ci/run refuses to run without them, and sets ZENDESK_SCHEMAS_REQUIRED so no test skips for them.

The schemas refer to each other by file name, use two custom formats and a "time" type, and put
keywords beside "$ref", which Draft 4 validators would ignore: hence the settings below.
"""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.validators import extend
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SOURCE = "https://github.com/zendesk/any_channel_json_schemas"
DEFAULT_DIR = "../shared/zendesk-schemas"
ROOT = Path(__file__).resolve().parents[1]


def schemas_location() -> Path:
    """The clone of Zendesk's schema repository the tests read: ZENDESK_SCHEMAS_DIR, or the default."""
    configured = Path(os.environ.get("ZENDESK_SCHEMAS_DIR") or DEFAULT_DIR).expanduser()
    return (ROOT / configured).resolve()


SCHEMA_DIR = schemas_location() / "json_schemas"
MISSING = (
    f"Zendesk's JSON Schemas are not in {SCHEMA_DIR}: clone {SOURCE} to {schemas_location()}, "
    "or set ZENDESK_SCHEMAS_DIR to a clone of it"
)
# Payload checks left out for want of the schemas, reported at the end of the run.
unchecked: list[str] = []


@cache
def schemas_available() -> bool:
    return SCHEMA_DIR.is_dir() and any(SCHEMA_DIR.glob("*.json"))


def schemas_required() -> bool:
    """Set by .ci/run: a run without the schemas fails instead of skipping their contract."""
    return os.environ.get("ZENDESK_SCHEMAS_REQUIRED", "") not in ("", "0")


# For tests whose whole point is Zendesk's contract.
needs_schemas = pytest.mark.skipif(not schemas_available(), reason=MISSING)

format_checker = FormatChecker()


@format_checker.checks("https-url")
def is_https_url(value: object) -> bool:
    if not isinstance(value, str):
        return True
    parts = urlsplit(value)
    return parts.scheme == "https" and bool(parts.netloc)


@format_checker.checks("external-id")
def is_external_id(value: object) -> bool:
    if not isinstance(value, str):
        return True
    return value.isascii() and value == value.strip()


Validator = extend(
    Draft202012Validator,
    # "time" (event timestamps) and "any" (field values) are draft-3 style types these schemas still use.
    type_checker=Draft202012Validator.TYPE_CHECKER.redefine_many(
        {"time": lambda checker, value: isinstance(value, str), "any": lambda checker, value: True}
    ),
)


@cache
def registry() -> Registry:
    resources = []
    for path in sorted(SCHEMA_DIR.glob("*.json")):
        contents = json.loads(path.read_text())
        resources.append((path.name, Resource.from_contents(contents, default_specification=DRAFT202012)))
    return Registry().with_resources(resources)


def validate(schema_file: str, payload: Any) -> None:
    """Raise jsonschema.ValidationError when `payload` breaks Zendesk's schema `schema_file`.

    Without the schemas, the check is left out (and counted) so the test's own assertions still run.
    """
    if not schemas_available():
        unchecked.append(schema_file)
        return
    schema = registry()[schema_file].contents
    Validator(schema, registry=registry(), format_checker=format_checker).validate(payload)
