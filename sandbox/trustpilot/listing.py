"""The private review list: its query parameters (docs/trustpilot.md §4.1) and one page read with LIMIT/OFFSET."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from django.db.models import Q, QuerySet
from django.http import QueryDict

from sandbox.trustpilot.errors import bad_request
from sandbox.trustpilot.models import BusinessUnit, Review

MAX_PER_PAGE = 100
MAX_PAGE = 2_147_483_647
# The id breaks ties so that paging is stable; each ordering matches one of Review's indexes.
ORDERINGS = {
    "createdat.asc": ("created_at", "id"),
    "createdat.desc": ("-created_at", "-id"),
    "stars.asc": ("stars", "created_at", "id"),
    "stars.desc": ("-stars", "-created_at", "-id"),
}


@dataclass(frozen=True)
class ReviewQuery:
    page: int = 1
    per_page: int = 20
    order_by: str = "createdat.desc"
    start: datetime | None = None
    end: datetime | None = None
    responded: bool | None = None
    reported: bool | None = None
    stars: tuple[int, ...] = ()
    languages: tuple[str, ...] = ()


def parse_review_query(params: QueryDict) -> ReviewQuery:
    order_by = params.get("orderBy", "createdat.desc").strip().lower()
    if order_by not in ORDERINGS:
        raise bad_request(f"orderBy must be one of {', '.join(ORDERINGS)}")
    return ReviewQuery(
        page=_integer(params, "page", default=1, low=1, high=MAX_PAGE),
        per_page=_integer(params, "perPage", default=20, low=1, high=MAX_PER_PAGE),
        order_by=order_by,
        start=_datetime(params, "startDateTime"),
        end=_datetime(params, "endDateTime"),
        responded=_boolean(params, "responded"),
        reported=_boolean(params, "reported"),
        stars=tuple(_star(value) for value in _list(params, "stars")),
        languages=tuple(value.lower() for value in _list(params, "language")),
    )


def review_page(unit: BusinessUnit, query: ReviewQuery) -> list[Review]:
    offset = (query.page - 1) * query.per_page
    return list(matching_reviews(unit, query).order_by(*ORDERINGS[query.order_by])[offset : offset + query.per_page])


def matching_reviews(unit: BusinessUnit, query: ReviewQuery) -> QuerySet[Review]:
    reviews = Review.objects.filter(business_unit=unit, removed=False).select_related("business_unit", "reply_author")
    if query.start is not None:
        reviews = reviews.filter(created_at__gte=query.start)
    if query.end is not None:
        reviews = reviews.filter(created_at__lte=query.end)
    if query.responded is not None:
        reviews = reviews.filter(~Q(reply_text="") if query.responded else Q(reply_text=""))
    if query.reported is not None:
        reviews = reviews.filter(report_data__isnull=not query.reported)
    if query.stars:
        reviews = reviews.filter(stars__in=query.stars)
    if query.languages:
        reviews = reviews.filter(language__in=query.languages)
    return reviews


def parse_datetime(text: str) -> datetime:
    """`2024-01-31T13:37:00`, with an optional `Z`; without a zone it is UTC. Raises ValueError."""
    text = text.strip()
    if text[-1:] in ("Z", "z"):
        text = text[:-1]
    parsed = datetime.fromisoformat(text)
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _integer(params: QueryDict, name: str, *, default: int, low: int, high: int) -> int:
    raw = params.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise bad_request(f"{name} must be a whole number") from None
    if not low <= value <= high:
        raise bad_request(f"{name} must be between {low} and {high}")
    return value


def _datetime(params: QueryDict, name: str) -> datetime | None:
    raw = params.get(name, "").strip()
    if not raw:
        return None
    try:
        return parse_datetime(raw)
    except ValueError:
        raise bad_request(f"{name} must look like 2024-01-31T13:37:00, got {raw!r}") from None


def _boolean(params: QueryDict, name: str) -> bool | None:
    raw = params.get(name, "").strip().lower()
    if not raw:
        return None
    if raw not in ("true", "false"):
        raise bad_request(f"{name} must be true or false")
    return raw == "true"


def _list(params: QueryDict, name: str) -> list[str]:
    # Array encoding is unconfirmed (docs/trustpilot.md §4.1): repeated keys and commas are both accepted.
    return [part.strip() for value in params.getlist(name) for part in value.split(",") if part.strip()]


def _star(value: str) -> int:
    if value not in ("1", "2", "3", "4", "5"):
        raise bad_request(f"stars must be 1 to 5, got {value!r}")
    return int(value)
