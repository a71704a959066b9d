"""The push body as Zendesk's schemas describe it (push_parameters.json, external_resource.json; docs/zendesk.md §3.3,
§8.2), checked by hand so the sandbox needs no schema library at run time.

Where Zendesk's documentation is stricter than its schema (at most 10 file_urls, an author image_url of at most
255 characters), the stricter limit holds: a body the sandbox accepts is one Zendesk takes too. Keys neither
names are let through, as the schemas allow them.
"""

from __future__ import annotations

import re
from typing import Any

MAX_RESOURCES = 256
MAX_TEXT = 65535
# RFC 3339 date-time, the schema's "date-time" format: a date, "T", a time, and an offset or Z.
DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})")


def push_problem(data: Any) -> str:
    """Why the body is not a push body, or "" when it is."""
    if not isinstance(data, dict):
        return "The request body must be a JSON object"
    problem = _text(data, "instance_push_id", 255, required=True) or _text(data, "request_id", 64)
    if problem:
        return problem
    resources = data.get("external_resources")
    if not isinstance(resources, list):
        return "external_resources is required and must be an array"
    if len(resources) > MAX_RESOURCES:
        return f"external_resources has more than {MAX_RESOURCES} items"
    for position, resource in enumerate(resources):
        problem = resource_problem(resource)
        if problem:
            return f"external_resources[{position}]: {problem}"
    return ""


def resource_problem(resource: Any) -> str:
    """Why one external resource breaks external_resource.json, or ""."""
    if not isinstance(resource, dict):
        return "must be an object"
    checks = (
        _identifier(resource, "external_id", required=True),
        _text(resource, "message", MAX_TEXT, required=True),
        _text(resource, "html_message", MAX_TEXT),
        _identifier(resource, "parent_id"),
        _identifier(resource, "thread_id"),
        _boolean(resource, "internal_note"),
        _boolean(resource, "allow_channelback"),
        _created_at(resource),
        _author(resource.get("author")),
        _items(resource, "display_info", 16, _display_info),
        _items(resource, "fields", 64, _field_value),
        _items(resource, "file_urls", 10, _file_url),
    )
    return next((problem for problem in checks if problem), "")


def _text(data: dict[str, Any], name: str, longest: int, *, required: bool = False) -> str:
    if name not in data and not required:
        return ""
    value = data.get(name)
    if not isinstance(value, str) or not value:
        return f"{name} is required and must be text" if required else f"{name} must be non-empty text"
    if len(value) > longest:
        return f"{name} is longer than {longest} characters"
    return ""


def _identifier(data: dict[str, Any], name: str, *, required: bool = False) -> str:
    """The schema's "external-id" format: ASCII, no leading or trailing whitespace, 1 to 255 characters."""
    problem = _text(data, name, 255, required=required)
    if problem or name not in data:
        return problem
    value = data[name]
    if not value.isascii() or value != value.strip():
        return f"{name} must be ASCII without leading or trailing whitespace"
    return ""


def _boolean(data: dict[str, Any], name: str) -> str:
    if name in data and not isinstance(data[name], bool):
        return f"{name} must be true or false"
    return ""


def _created_at(resource: dict[str, Any]) -> str:
    value = resource.get("created_at")
    if not isinstance(value, str) or len(value) > 255 or not DATE_TIME.fullmatch(value):
        return "created_at is required and must be an ISO 8601 date-time with its offset, e.g. 2015-09-08T22:48:09Z"
    return ""


def _author(author: Any) -> str:
    if not isinstance(author, dict):
        return "author is required and must be an object"
    checks = (
        _identifier(author, "external_id", required=True),
        _text(author, "name", 255),
        _text(author, "image_url", 255),
        _text(author, "locale", 255),
        _items(author, "fields", 64, _field_value),
    )
    problem = next((problem for problem in checks if problem), "")
    return f"author: {problem}" if problem else ""


def _items(data: dict[str, Any], name: str, most: int, check: Any) -> str:
    if name not in data:
        return ""
    values = data[name]
    if not isinstance(values, list):
        return f"{name} must be an array"
    if len(values) > most:
        return f"{name} has more than {most} items"
    problem = next((p for p in (check(value) for value in values) if p), "")
    return f"{name}: {problem}" if problem else ""


def _display_info(info: Any) -> str:
    if not isinstance(info, dict):
        return "each item must be an object"
    return _text(info, "type", 255, required=True) or (
        "" if isinstance(info.get("data"), dict) else "data is required and must be an object"
    )


def _field_value(item: Any) -> str:
    if not isinstance(item, dict) or "value" not in item:
        return "each item must be an object with an id and a value"
    key = item.get("id")
    if isinstance(key, bool) or not isinstance(key, int | str):
        return "id must be a number or text"
    if isinstance(key, str) and not 1 <= len(key) <= 255:
        return "id must be 1 to 255 characters"
    return ""


def _file_url(url: Any) -> str:
    if not isinstance(url, str) or len(url) > 511 or not re.match(r"https://[^/?#\s]+", url):
        return "each item must be an https URL of at most 511 characters"
    return ""
