"""Zendesk's two ways through a list, chosen per request as Zendesk chooses them.

Without page[size] a list answers offset pagination: `page` and `per_page` (at most 100, the default) in,
"next_page", "previous_page" and "count" out; past the first 10,000 records it answers 400, as Zendesk does
since 2024. With page[size] it answers cursor pagination: page[after] in, "meta" and "links" out. Cursors are
opaque to callers; here they are the base64 of the last or first item's id.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlencode

from django.db.models import Model, QuerySet
from django.http import HttpRequest

from sandbox.zendesk.errors import bad_request

M = TypeVar("M", bound=Model)

MAX_SIZE = 100
SIZE = "page[size]"
AFTER = "page[after]"
PAGE = "page"
PER_PAGE = "per_page"
OFFSET_LIMIT = 10_000
INVALID = "InvalidPaginationParameter"


def list_page(
    request: HttpRequest,
    queryset: QuerySet[M],
    *,
    key: str,
    render: Callable[[M], dict[str, Any]],
    field: str = "zendesk_id",
    descending: bool = False,
) -> dict[str, Any]:
    """One page of `queryset` ordered by its integer `field`, in the shape the request asked for."""
    if SIZE in request.GET or AFTER in request.GET:
        return cursor_page(request, queryset, key=key, render=render, field=field, descending=descending)
    return offset_page(request, queryset, key=key, render=render, field=field, descending=descending)


def offset_page(
    request: HttpRequest,
    queryset: QuerySet[M],
    *,
    key: str,
    render: Callable[[M], dict[str, Any]],
    field: str = "zendesk_id",
    descending: bool = False,
) -> dict[str, Any]:
    number = _whole(request, PAGE, default=1)
    per_page = min(_whole(request, PER_PAGE, default=MAX_SIZE), MAX_SIZE)
    start = (number - 1) * per_page
    if start + per_page > OFFSET_LIMIT:
        raise bad_request(
            f"Offset pagination reaches the first {OFFSET_LIMIT} records only: use cursor pagination (page[size])",
            error=INVALID,
        )
    count = queryset.count()
    items = list(queryset.order_by(f"-{field}" if descending else field)[start : start + per_page])
    return {
        key: [render(item) for item in items],
        "next_page": _offset_url(request, number + 1, per_page) if start + per_page < count else None,
        "previous_page": _offset_url(request, number - 1, per_page) if number > 1 else None,
        "count": count,
    }


def cursor_page(
    request: HttpRequest,
    queryset: QuerySet[M],
    *,
    key: str,
    render: Callable[[M], dict[str, Any]],
    field: str = "zendesk_id",
    descending: bool = False,
) -> dict[str, Any]:
    """One page of `queryset` after the request's cursor, in the shape every cursor-paginated endpoint shares."""
    size = _size(request)
    after = request.GET.get(AFTER)
    ordered = queryset.order_by(f"-{field}" if descending else field)
    if after:
        ordered = ordered.filter(**{f"{field}__{'lt' if descending else 'gt'}": _decode(after)})
    items = list(ordered[: size + 1])
    has_more = len(items) > size
    items = items[:size]
    after_cursor = _encode(getattr(items[-1], field)) if items else None
    before_cursor = _encode(getattr(items[0], field)) if items else None
    next_url = _cursor_url(request, size, after_cursor) if has_more and after_cursor else None
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
        raise bad_request(f"page[size] must be a number from 1 to {MAX_SIZE}", error=INVALID)
    return size


def _whole(request: HttpRequest, name: str, *, default: int) -> int:
    raw = request.GET.get(name, "")
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1:
        raise bad_request(f"{name} must be a whole number from 1", error=INVALID)
    return value


def _encode(value: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"o": "id", "v": value}).encode()).decode()


def _decode(cursor: str) -> int:
    try:
        value = json.loads(base64.urlsafe_b64decode(cursor.encode()))["v"]
    except (binascii.Error, ValueError, TypeError, KeyError):
        raise bad_request("page[after] is not a cursor this endpoint gave", error=INVALID) from None
    if isinstance(value, bool) or not isinstance(value, int):
        raise bad_request("page[after] is not a cursor this endpoint gave", error=INVALID)
    return value


def _offset_url(request: HttpRequest, number: int, per_page: int) -> str:
    # per_page stays in the link only when the caller chose it, as in Zendesk's own next_page.
    query = {name: value for name, value in request.GET.items() if name not in (PAGE, PER_PAGE)}
    query[PAGE] = str(number)
    if PER_PAGE in request.GET:
        query[PER_PAGE] = str(per_page)
    return _url(request, query)


def _cursor_url(request: HttpRequest, size: int, after_cursor: str) -> str:
    query = {name: value for name, value in request.GET.items() if name not in (SIZE, AFTER)}
    query.update({SIZE: str(size), AFTER: after_cursor})
    return _url(request, query)


def _url(request: HttpRequest, query: dict[str, Any]) -> str:
    return request.build_absolute_uri(request.path) + "?" + urlencode(query)
