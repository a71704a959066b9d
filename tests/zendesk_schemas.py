"""Zendesk's own JSON Schemas for channel payloads (../shared/zendesk-schemas), ready to validate against.

The schemas refer to each other by file name, use two custom formats and a "time" type, and put
keywords beside "$ref": see ../shared/zendesk-schemas/README.md for why each setting below is needed.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.validators import extend
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "shared" / "zendesk-schemas" / "json_schemas"

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
    """Raise jsonschema.ValidationError when `payload` breaks Zendesk's schema `schema_file`."""
    schema = registry()[schema_file].contents
    Validator(schema, registry=registry(), format_checker=format_checker).validate(payload)


def schemas_available() -> bool:
    return SCHEMA_DIR.is_dir()
