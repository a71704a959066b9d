"""Trustpilot's OAuth and private review APIs, one method per remote operation.

Reference: ../shared/reference/trustpilot-api.md (section numbers below). Every call sends the
`apikey` header, has a timeout, draws on the shared rate budget, and raises the errors in
`errors.py`. 429 and 5xx answers are retried with backoff, honouring Retry-After, for requests
that are safe to repeat; a reply post is never repeated blindly.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar
from urllib.parse import urlencode, urlsplit

import requests

from reviews.trustpilot import errors, parsing
from reviews.trustpilot.types import BusinessUnit, BusinessUser, ReviewData, ReviewPage, TokenSet
from trustdesk import deadline, http, metrics

logger = logging.getLogger(__name__)
T = TypeVar("T")

TOKEN_PATH = "/v1/oauth/oauth-business-users-for-applications/accesstoken"  # noqa: S105 (a path)
REVOKE_PATH = "/v1/oauth/oauth-business-users-for-applications/revoke"
# [UNCONFIRMED] (docs/trustpilot.md §3.1): both seen only in third-party code against Trustpilot's staging host,
# where the listing carried ids without names. reviews.services.signin copes with either one missing.
ME_PATH = "/v1/private/me"
USER_BUSINESS_UNITS_PATH = "/v1/private/business-users/{user_id}/business-units"
FIND_BUSINESS_UNIT_PATH = "/v1/business-units/find"
# Public documented, private seen: Trustpilot's Slack app reads displayName from it (docs/trustpilot.md §3.2).
BUSINESS_UNIT_PATH = "/v1/business-units/{business_unit_id}"
PRIVATE_BUSINESS_UNIT_PATH = "/v1/private/business-units/{business_unit_id}"
REVIEWS_PATH = "/v1/private/business-units/{business_unit_id}/reviews"
REVIEW_PATH = "/v1/private/reviews/{review_id}"
REPLY_PATH = "/v1/private/reviews/{review_id}/reply"

MAX_PER_PAGE = 100


class Budget(Protocol):
    def acquire(self) -> None:
        """Take one call from the shared budget, or raise errors.RateLimited."""


class NoBudget:
    def acquire(self) -> None:
        return None


class TrustpilotClient:
    def __init__(
        self,
        *,
        api_url: str,
        authorize_url: str,
        api_key: str,
        api_secret: str,
        timeout: float = 10.0,
        budget: Budget | None = None,
        max_attempts: int = 4,
        max_backoff: float = 30.0,
        user_agent: str = "TrustDesk",
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self.authorize_url = authorize_url.rstrip("/")
        self.api_key = api_key
        self.api_secret = api_secret
        self.timeout = timeout
        self.budget = budget or NoBudget()
        self.max_attempts = max_attempts
        self.max_backoff = max_backoff
        self.session = session or requests.Session()
        self.session.headers.update({"apikey": api_key, "User-Agent": user_agent, "Accept": "application/json"})
        self.sleep = sleep
        self.calls = 0

    # --- OAuth (docs/trustpilot.md §2) ------------------------------------------------------------

    def authorization_url(self, *, redirect_uri: str, state: str) -> str:
        """Where the browser signs in with Business credentials; `state` is [UNCONFIRMED] (docs/trustpilot.md §2.1)."""
        query = {"client_id": self.api_key, "redirect_uri": redirect_uri, "response_type": "code", "state": state}
        return f"{self.authorize_url}?{urlencode(query)}"

    def exchange_code(self, *, code: str, redirect_uri: str) -> TokenSet:
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
        return self._token_call(form)

    def refresh_tokens(self, *, refresh_token: str) -> TokenSet:
        # accesstoken with grant_type=refresh_token, not /refresh: see Airbyte #53630 (docs/trustpilot.md §2.5).
        return self._token_call({"grant_type": "refresh_token", "refresh_token": refresh_token})

    def revoke(self, *, token: str) -> None:
        # Field names are [UNCONFIRMED] (docs/trustpilot.md §2.6).
        self._request("POST", REVOKE_PATH, data={"token": token}, app_auth=True, repeatable=False)

    def _token_call(self, form: Mapping[str, str]) -> TokenSet:
        # A token call that timed out may have rotated the refresh token: never repeated blindly.
        response = self._request("POST", TOKEN_PATH, data=form, app_auth=True, repeatable=False)
        return self._parse(parsing.parse_token_set, response, now=datetime.now(UTC))

    # --- Business users and units (docs/trustpilot.md §3) -----------------------------------------

    def business_user(self, *, access_token: str) -> BusinessUser:
        """The signed-in business user: `GET /v1/private/me`, an [UNCONFIRMED] endpoint (docs/trustpilot.md §3.1)."""
        return self._parse(parsing.parse_business_user, self._request("GET", ME_PATH, token=access_token))

    def user_business_units(self, *, access_token: str, user_id: str) -> list[BusinessUnit]:
        """A business user's units, an [UNCONFIRMED] endpoint (docs/trustpilot.md §3.1): names may be missing ("")."""
        path = USER_BUSINESS_UNITS_PATH.format(user_id=user_id)
        data = self._json(self._request("GET", path, token=access_token))
        items = data.get("businessUnits") if isinstance(data, Mapping) else None
        if not isinstance(items, list):
            raise errors.Unavailable("Trustpilot's list of business units has an unexpected shape")
        return [_parse_value(parsing.parse_business_unit, item) for item in items]

    def get_business_unit(self, *, business_unit_id: str, access_token: str | None = None) -> BusinessUnit:
        """One business unit (docs/trustpilot.md §3.2): the private endpoint with a token, the public one
        (API key only) without."""
        path = PRIVATE_BUSINESS_UNIT_PATH if access_token else BUSINESS_UNIT_PATH
        response = self._request("GET", path.format(business_unit_id=business_unit_id), token=access_token)
        return self._parse(parsing.parse_business_unit, response)

    def has_access(self, *, access_token: str, business_unit_id: str) -> bool:
        """Whether the token may read the unit's private reviews: a one-review list call.

        No endpoint says so directly: this call is taken as the proof, and 401, 403 or 404 as no access
        [UNCONFIRMED] (docs/trustpilot.md §3.4). Outages and rate limits raise as usual.
        """
        path = REVIEWS_PATH.format(business_unit_id=business_unit_id)
        try:
            self._request("GET", path, token=access_token, params={"page": 1, "perPage": 1})
        except (errors.AuthError, errors.NotFound):
            return False
        return True

    def find_business_unit(self, *, domain: str) -> BusinessUnit:
        """Trustpilot matches the identifying name exactly, so scheme and path are dropped (docs/trustpilot.md §3.3)."""
        response = self._request("GET", FIND_BUSINESS_UNIT_PATH, params={"name": normalize_domain(domain)})
        return self._parse(parsing.parse_business_unit, response)

    # --- Reviews (docs/trustpilot.md §4, §5) ------------------------------------------------------

    def review_page(
        self,
        *,
        access_token: str,
        business_unit_id: str,
        page: int = 1,
        per_page: int = MAX_PER_PAGE,
        order_by: str = "createdat.asc",
        start: datetime | None = None,
        end: datetime | None = None,
        responded: bool | None = None,
    ) -> ReviewPage:
        params: dict[str, str | int] = {"page": page, "perPage": min(per_page, MAX_PER_PAGE), "orderBy": order_by}
        if start is not None:
            params["startDateTime"] = parsing.format_datetime(start)
        if end is not None:
            params["endDateTime"] = parsing.format_datetime(end)
        if responded is not None:
            params["responded"] = "true" if responded else "false"
        path = REVIEWS_PATH.format(business_unit_id=business_unit_id)
        data = self._json(self._request("GET", path, token=access_token, params=params))
        items = data.get("reviews") if isinstance(data, Mapping) else None
        if not isinstance(items, list):
            raise errors.Unavailable("Trustpilot's review list has an unexpected shape (no reviews array)")
        return parse_review_items(items, page=page, per_page=int(params["perPage"]))

    def review_pages(self, *, first_page: int = 1, **query: Any) -> Iterator[ReviewPage]:
        """Every page from `first_page` on, until a short page (the reliable end marker, docs/trustpilot.md §4.2)."""
        page = first_page
        while True:
            result = self.review_page(page=page, **query)
            yield result
            if result.is_last:
                return
            page += 1

    def get_review(self, *, access_token: str, review_id: str) -> ReviewData:
        # The private single-review endpoint is [UNCONFIRMED] in the official docs (docs/trustpilot.md §4.5).
        response = self._request("GET", REVIEW_PATH.format(review_id=review_id), token=access_token)
        return self._parse(parsing.parse_review, response)

    def post_reply(
        self, *, access_token: str, review_id: str, message: str, author_business_user_id: str | None
    ) -> None:
        """Publish the company reply; a later one replaces it (docs/trustpilot.md §5.2). Success status is
        [UNCONFIRMED]: any 2xx (docs/trustpilot.md §5.1).

        Without an author id the body is `{message}` alone: whether Trustpilot then takes the token's user
        is [UNCONFIRMED] (docs/trustpilot.md §5.1), though its own Slack app sent only the message with a
        user token.
        """
        body = {"message": message}
        if author_business_user_id:
            body["authorBusinessUserId"] = author_business_user_id
        path = REPLY_PATH.format(review_id=review_id)
        self._request("POST", path, token=access_token, json=body, repeatable=False)

    def delete_reply(self, *, access_token: str, review_id: str) -> None:
        self._request("DELETE", REPLY_PATH.format(review_id=review_id), token=access_token)

    # --- Transport ------------------------------------------------------------------------------

    def _request(
        self,
        method: str,
        path: str,
        *,
        token: str | None = None,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        data: Mapping[str, str] | None = None,
        app_auth: bool = False,
        repeatable: bool = True,
    ) -> requests.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        auth = (self.api_key, self.api_secret) if app_auth else None
        for attempt in range(1, self.max_attempts + 1):
            try:
                return self._send(
                    method, path, headers=headers, params=params, json=json, data=data, auth=auth, repeatable=repeatable
                )
            except errors.RETRYABLE as exc:
                # A 429 was not processed, so even a reply post may be sent again.
                retry = repeatable or isinstance(exc, errors.RateLimited)
                delay = self._backoff(attempt, exc.retry_after)
                if not retry or attempt == self.max_attempts or delay is None:
                    raise
                logger.warning("Trustpilot %s %s: %s; retrying in %.1fs", method, path, exc.message, delay)
                self.sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    def _send(self, method: str, path: str, *, repeatable: bool, **kwargs: Any) -> requests.Response:
        self.budget.acquire()
        timeout = deadline.call_timeout(self.timeout)
        if timeout is None:
            raise errors.Unavailable("no time is left for a call to Trustpilot within this request's time budget")
        self.calls += 1
        status: int | None = None
        try:
            response = self._exchange(method, path, timeout=timeout, repeatable=repeatable, **kwargs)
            status = response.status_code
        finally:
            metrics.count_trustpilot_answer(self.api_key, status)
        error = error_for(response)
        if error is not None:
            raise error
        return response

    def _exchange(
        self, method: str, path: str, *, timeout: float, repeatable: bool, **kwargs: Any
    ) -> requests.Response:
        try:
            return self.session.request(method, self.api_url + path, timeout=timeout, **kwargs)
        except requests.ConnectTimeout as exc:
            raise errors.Unavailable(f"cannot connect to Trustpilot: {exc}") from exc
        except requests.Timeout as exc:
            kind = errors.Unavailable if repeatable else errors.OutcomeUnknown
            raise kind(f"Trustpilot did not answer within {timeout:g}s") from exc
        except requests.ConnectionError as exc:
            raise errors.Unavailable(f"cannot reach Trustpilot: {exc}") from exc
        except requests.RequestException as exc:
            # The request went out but the answer broke off (e.g. ChunkedEncodingError).
            kind = errors.Unavailable if repeatable else errors.OutcomeUnknown
            raise kind(f"the answer from Trustpilot broke off: {exc}") from exc

    def _backoff(self, attempt: int, retry_after: float | None) -> float | None:
        """Seconds to wait before the next attempt, or None when waiting here would be too long."""
        if retry_after is not None:
            delay: float | None = retry_after if retry_after <= self.max_backoff else None
        else:
            delay = min(self.max_backoff, 2.0 ** (attempt - 1)) * random.uniform(0.5, 1.0)  # noqa: S311 (jitter)
        return delay if delay is not None and deadline.fits(delay) else None

    @staticmethod
    def _json(response: requests.Response) -> Any:
        try:
            return response.json()
        except ValueError:
            raise errors.Unavailable(
                f"Trustpilot sent an unreadable answer (HTTP {response.status_code})", status=response.status_code
            ) from None

    def _parse(self, parser: Callable[..., T], response: requests.Response, **kwargs: Any) -> T:
        return _parse_value(parser, self._json(response), **kwargs)


def _parse_value(parser: Callable[..., T], value: Any, **kwargs: Any) -> T:
    try:
        return parser(value, **kwargs)
    except parsing.ParseError as exc:
        raise errors.Unavailable(f"Trustpilot sent an answer TrustDesk cannot read: {exc}") from None


def parse_review_items(items: list[Any], *, page: int, per_page: int) -> ReviewPage:
    """Parse what can be parsed; a broken item is reported in `skipped`, the rest of the page is kept."""
    reviews: list[ReviewData] = []
    skipped: list[str] = []
    for item in items:
        try:
            reviews.append(parsing.parse_review(item))
        except parsing.ParseError as exc:
            skipped.append(str(exc))
            logger.warning("Skipping a review Trustpilot sent on page %s: %s", page, exc)
    return ReviewPage(page=page, per_page=per_page, reviews=reviews, item_count=len(items), skipped=skipped)


def error_for(response: requests.Response) -> errors.TrustpilotError | None:
    """The one place where Trustpilot's status codes become TrustDesk's errors (docs/trustpilot.md §6.2)."""
    status = response.status_code
    failure = http.failure_of(status)
    if failure is None:
        return None
    message = _error_message(response)
    if failure is http.Failure.AUTH:
        return errors.AuthError(message, status=status)
    if failure is http.Failure.NOT_FOUND:
        return errors.NotFound(message, status=status)
    if failure is http.Failure.RATE_LIMITED:
        return errors.RateLimited(message, status=status, retry_after=http.retry_after_seconds(response))
    if failure is http.Failure.UNAVAILABLE:
        return errors.Unavailable(message, status=status, retry_after=http.retry_after_seconds(response))
    return errors.BadRequest(message, status=status, error_code=_error_code(response))


def _error_body(response: requests.Response) -> Mapping[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, Mapping) else {}


def _error_message(response: requests.Response) -> str:
    body = _error_body(response)
    parts = [str(body[key]) for key in ("message", "details") if body.get(key)]
    return ": ".join(parts) or f"HTTP {response.status_code} from Trustpilot"


def _error_code(response: requests.Response) -> int | None:
    code = _error_body(response).get("errorCode")
    return code if isinstance(code, int) else None


def normalize_domain(domain: str) -> str:
    text = domain.strip().lower()
    if "://" in text:
        text = urlsplit(text).netloc
    return text.split("/")[0]
