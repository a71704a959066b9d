"""Zendesk's cursor pagination: page[size] and page[after], answered with "meta" and "links".

Cursors are opaque to callers; here they are the base64 of the last or first item's id, ordered by id.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlencode

from django.db.models import QuerySet
from django.http import HttpRequest

from sandbox.zendesk.errors import bad_request
from sandbox.zendesk.models import Scoped

M = TypeVar("M", bound=Scoped)

MAX_SIZE = 100
SIZE = "page[size]"
AFTER = "page[after]"


def cursor_page(
    request: HttpRequest, queryset: QuerySet[M], *, key: str, render: Callable[[M], dict[str, Any]]
) -> dict[str, Any]:
    """One page of `queryset` after the request's cursor, in the shape every cursor-paginated endpoint shares."""
    size = _size(request)
    after = request.GET.get(AFTER)
    ordered = queryset.order_by("zendesk_id")
    if after:
        ordered = ordered.filter(zendesk_id__gt=_decode(after))
    items = list(ordered[: size + 1])
    has_more = len(items) > size
    items = items[:size]
    after_cursor = _encode(items[-1].zendesk_id) if items else None
    before_cursor = _encode(items[0].zendesk_id) if items else None
    next_url = _next_url(request, size, after_cursor) if has_more and after_cursor else None
    return {
        key: [render(item) for item in items],
        "meta": {"has_more": has_more, "after_cursor": after_cursor, "before_cursor": before_cursor},
        "links": {"next": next_url, "prev": None},
    }


def _size(request: HttpRequest) -> int:
    raw = request.GET.get(SIZE, str(MAX_SIZE))
    try:
        size = int(raw)
    except ValueError:
        size = 0
    if not 1 <= size <= MAX_SIZE:
        raise bad_request(f"page[size] must be a number from 1 to {MAX_SIZE}", error="InvalidPaginationParameter")
    return size


def _encode(zendesk_id: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"o": "id", "v": zendesk_id}).encode()).decode()


def _decode(cursor: str) -> int:
    try:
        value = json.loads(base64.urlsafe_b64decode(cursor.encode()))["v"]
    except (binascii.Error, ValueError, TypeError, KeyError):
        raise bad_request(
            "page[after] is not a cursor this endpoint gave", error="InvalidPaginationParameter"
        ) from None
    if isinstance(value, bool) or not isinstance(value, int):
        raise bad_request("page[after] is not a cursor this endpoint gave", error="InvalidPaginationParameter")
    return value


def _next_url(request: HttpRequest, size: int, after_cursor: str) -> str:
    query = {name: value for name, value in request.GET.items() if name not in (SIZE, AFTER)}
    query.update({SIZE: str(size), AFTER: after_cursor})
    return request.build_absolute_uri(request.path) + "?" + urlencode(query)
