"""Zendesk's APIs: Channel Framework push (docs/zendesk.md §8) and the REST calls the admin needs (docs/zendesk.md §10).

One method per remote operation. Push authenticates with the instance's push token; the REST calls
with the Zendesk account's API token (an agent's email plus a token).
"""

from __future__ import annotations

import base64
import contextlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import requests
from django.conf import settings

from integrations.zendesk import errors
from integrations.zendesk.types import Agent, ApiToken, Comment, Installation, Named
from trustdesk import deadline, http

T = TypeVar("T")

PUSH_PATH = "/api/v2/any_channel/push"
VALIDATE_TOKEN_PATH = "/api/v2/any_channel/validate_token"  # noqa: S105 (a path, not a secret)
REPORT_ERROR_PATH = "/api/v2/any_channel/channelback/report_error"
CUSTOM_ROLES_PATH = "/api/v2/custom_roles.json"
GROUPS_PATH = "/api/v2/groups.json"
INSTALLATION_PATH = "/api/v2/apps/installations/{id}.json"
TICKET_COMMENTS_PATH = "/api/v2/tickets/{id}/comments.json"
USER_PATH = "/api/v2/users/{id}.json"
USER_GROUP_MEMBERSHIPS_PATH = "/api/v2/users/{id}/group_memberships.json"
# The schema allows 256 resources per push and documents no other limit [UNCONFIRMED]: stay well below.
PUSH_BATCH = 100
PAGE_SIZE = 100
# Where an app installation keeps its role and group restrictions [UNCONFIRMED field names, docs/zendesk.md §10.2]:
# top-level lists of ids, null when the restriction is off.
ROLE_RESTRICTIONS = "role_restrictions"
GROUP_RESTRICTIONS = "group_restrictions"


@dataclass(frozen=True)
class PushResult:
    external_id: str
    code: str  # success, already_imported, halted, could_not_locate_parent_external_resource, processing_error
    description: str

    @property
    def delivered(self) -> bool:
        return self.code in ("success", "already_imported")


def report_error_body(*, instance_push_id: str, external_id: str, description: str) -> dict[str, str]:
    """The report_error body (docs/zendesk.md §4.3): instance_push_id and external_id required (at most
    255), description at most 511, request_id (at most 64) left out.

    [UNCONFIRMED]: what the agent sees of `description` (TrustDesk writes it for them, in full sentences),
    and whether an external_id Zendesk does not know is refused; the answer is documented as 200 with an
    empty body, and any refusal raises the error family.
    """
    return {"instance_push_id": instance_push_id, "external_id": external_id, "description": description[:511]}


def restrictions_body(*, role_ids: list[int] | None, group_ids: list[int] | None) -> dict[str, Any]:
    """The installation update that sets the restrictions; None turns one off."""
    return {ROLE_RESTRICTIONS: role_ids, GROUP_RESTRICTIONS: group_ids}


@contextlib.contextmanager
def client_or_new(client: ZendeskClient | None, make: Callable[[], ZendeskClient]) -> Iterator[ZendeskClient]:
    """The caller's client as it is, or a new one from `make`, closed when the block ends."""
    if client is not None:
        yield client
        return
    with contextlib.closing(make()) as made:
        yield made


class ZendeskClient:
    def __init__(
        self,
        *,
        subdomain: str,
        api_token: ApiToken | None = None,
        timeout: float = 15.0,
        session: requests.Session | None = None,
    ) -> None:
        self.base_url = settings.ZENDESK_API_URL.format(subdomain=subdomain).rstrip("/")
        self.api_token = api_token
        self.timeout = timeout
        self.session = session or requests.Session()
        self.session.headers.update({"User-Agent": f"TrustDesk (+{settings.TRUSTDESK_PUBLIC_URL})"})

    def close(self) -> None:
        """Release the connections it keeps open (a live server waits for them before it can stop)."""
        self.session.close()

    def push(
        self, *, access_token: str, instance_push_id: str, request_id: str, resources: Sequence[dict[str, Any]]
    ) -> list[PushResult]:
        """Create tickets and comments now rather than at the next pull; results follow the input's order."""
        body = {"instance_push_id": instance_push_id, "request_id": request_id, "external_resources": list(resources)}
        # Not redirected either: the push token goes to Zendesk's API and nowhere else.
        answer = self._request(
            "POST", PUSH_PATH, authorization=f"Bearer {access_token}", json=body, allow_redirects=False
        )
        return _parse(
            answer,
            lambda data: [
                PushResult(
                    external_id=str(item.get("external_resource_id", "")),
                    code=str(item.get("status", {}).get("code", "")),
                    description=str(item.get("status", {}).get("description", "")),
                )
                for item in data["results"]
            ],
        )

    # POST /api/v2/any_channel/validate_token with the push token as Bearer and {instance_push_id}; 200 with an
    # empty body when valid [docs/zendesk.md §8.3]. The request_id of the body is optional and left out. What Zendesk
    # answers for an invalid token is not documented [UNCONFIRMED]: any refusal raises the error family.
    # A redirect is not followed: it is no answer about the token, which goes to Zendesk's API and nowhere else.
    def validate_push_token(self, *, access_token: str, instance_push_id: str) -> None:
        """Return when Zendesk accepts the push token for this integration instance."""
        body = {"instance_push_id": instance_push_id}
        self._request(
            "POST", VALIDATE_TOKEN_PATH, authorization=f"Bearer {access_token}", json=body, allow_redirects=False
        )

    # POST /api/v2/any_channel/channelback/report_error with the push token as Bearer [docs/zendesk.md §4.3]
    def report_channelback_error(
        self, *, access_token: str, instance_push_id: str, external_id: str, description: str
    ) -> None:
        """Tell Zendesk that the channelback it was answered 200 for failed after all; the agent sees it."""
        body = report_error_body(instance_push_id=instance_push_id, external_id=external_id, description=description)
        self._request(
            "POST", REPORT_ERROR_PATH, authorization=f"Bearer {access_token}", json=body, allow_redirects=False
        )

    # GET /api/v2/custom_roles (Enterprise plans; other plans answer 403) [docs/zendesk.md §10.3]
    def custom_roles(self) -> list[Named]:
        answer = self._api("GET", CUSTOM_ROLES_PATH)
        return _parse(answer, lambda data: [_named(item) for item in data["custom_roles"]])

    # GET /api/v2/groups with cursor pagination, deleted groups left out [docs/zendesk.md §10.3]
    def groups(self) -> list[Named]:
        return [_named(item) for item in self._pages(GROUPS_PATH, "groups", {"exclude_deleted": "true"})]

    # GET /api/v2/apps/installations/{id} [docs/zendesk.md §10.2; restriction field names UNCONFIRMED]
    def installation(self, installation_id: int) -> Installation:
        answer = self._api("GET", INSTALLATION_PATH.format(id=installation_id))
        return _parse(answer, _installation)

    # PUT /api/v2/apps/installations/{id} [docs/zendesk.md §10.2; restriction field names UNCONFIRMED]
    def installation_restrictions_update(
        self, installation_id: int, *, role_ids: list[int] | None, group_ids: list[int] | None
    ) -> Installation:
        body = restrictions_body(role_ids=role_ids, group_ids=group_ids)
        answer = self._api("PUT", INSTALLATION_PATH.format(id=installation_id), json=body)
        return _parse(answer, _installation)

    # GET /api/v2/tickets/{id}/comments, newest first [DOC]
    def ticket_comments(self, ticket_id: int) -> list[Comment]:
        answer = self._api("GET", TICKET_COMMENTS_PATH.format(id=ticket_id), params={"sort_order": "desc"})
        return _parse(
            answer,
            lambda data: [
                Comment(
                    id=int(item["id"]),
                    author_id=int(item["author_id"]),
                    body=str(item.get("plain_body") or item.get("body") or ""),
                    public=bool(item.get("public", True)),
                )
                for item in data["comments"]
            ],
        )

    # GET /api/v2/users/{id} [DOC]
    def user(self, user_id: int) -> Agent:
        answer = self._api("GET", USER_PATH.format(id=user_id))

        def agent(data: Any) -> Agent:
            user = data["user"]
            role_id = user.get("custom_role_id")
            return Agent(
                id=int(user["id"]),
                name=str(user.get("name") or ""),
                role=str(user.get("role") or ""),
                custom_role_id=int(role_id) if role_id is not None else None,
            )

        return _parse(answer, agent)

    # GET /api/v2/users/{id}/group_memberships with cursor pagination [DOC]
    def user_group_ids(self, user_id: int) -> list[int]:
        items = self._pages(USER_GROUP_MEMBERSHIPS_PATH.format(id=user_id), "group_memberships", {})
        return [int(item["group_id"]) for item in items]

    def _pages(self, path: str, key: str, params: dict[str, str]) -> Iterator[dict[str, Any]]:
        query: dict[str, str] = {**params, "page[size]": str(PAGE_SIZE)}
        while True:
            data: dict[str, Any] = _parse(self._api("GET", path, params=query), dict)
            try:
                items, meta = data[key], data.get("meta") or {}
                yield from items
            except (KeyError, TypeError) as exc:
                raise errors.Unavailable(f"Zendesk's answer has an unexpected shape (no {key!r})") from exc
            if not meta.get("has_more") or not meta.get("after_cursor"):
                return
            query = {**params, "page[size]": str(PAGE_SIZE), "page[after]": str(meta["after_cursor"])}

    def _api(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        if self.api_token is None:
            raise errors.AuthError("No Zendesk API token is stored for this account")
        credentials = f"{self.api_token.email}/token:{self.api_token.token}".encode()
        return self._request(method, path, authorization=f"Basic {base64.b64encode(credentials).decode()}", **kwargs)

    def _request(self, method: str, path: str, *, authorization: str, **kwargs: Any) -> requests.Response:
        headers = {"Authorization": authorization, "Accept": "application/json"}
        timeout = deadline.call_timeout(self.timeout)
        if timeout is None:
            raise errors.Unavailable("no time is left for a call to Zendesk within this request's time budget")
        try:
            answer = self.session.request(method, self.base_url + path, headers=headers, timeout=timeout, **kwargs)
        except requests.RequestException as exc:
            raise errors.Unavailable(f"cannot reach Zendesk: {exc}") from exc
        status = answer.status_code
        failure = http.failure_of(status)
        if failure is None:
            if status >= 300:  # a redirect requests did not follow is no answer TrustDesk can use
                raise errors.BadRequest(f"HTTP {status} from Zendesk: {_describe(answer)}", status=status)
            return answer
        message = f"HTTP {status} from Zendesk: {_describe(answer)}"
        if failure is http.Failure.AUTH:
            raise errors.AuthError(message, status=status)
        if failure is http.Failure.NOT_FOUND:
            raise errors.NotFound(message, status=status)
        if failure is http.Failure.RATE_LIMITED:
            raise errors.RateLimited(message, status=status, retry_after=http.retry_after_seconds(answer))
        if failure is http.Failure.UNAVAILABLE:
            raise errors.Unavailable(message, status=status, retry_after=http.retry_after_seconds(answer))
        raise errors.BadRequest(message, status=status)


def _parse(answer: requests.Response, read: Callable[[Any], T]) -> T:
    try:
        return read(answer.json())
    except (ValueError, KeyError, TypeError, AttributeError):
        raise errors.Unavailable(f"Zendesk's answer to {answer.request.path_url} has an unexpected shape") from None


def _named(item: dict[str, Any]) -> Named:
    return Named(id=int(item["id"]), name=str(item["name"]))


def _ids(value: Any) -> list[int] | None:
    return None if value is None else [int(v) for v in value]


def _installation(data: dict[str, Any]) -> Installation:
    app_id = data.get("app_id")
    return Installation(
        id=int(data["id"]),
        app_id=int(app_id) if app_id is not None else None,
        enabled=bool(data.get("enabled", True)),
        role_ids=_ids(data.get(ROLE_RESTRICTIONS)),
        group_ids=_ids(data.get(GROUP_RESTRICTIONS)),
    )


def _describe(answer: requests.Response) -> str:
    """Zendesk's own words: {"error", "description", "details"} when JSON, else the start of the body."""
    try:
        data = answer.json()
    except ValueError:
        return answer.text[:300]
    if not isinstance(data, dict):
        return answer.text[:300]
    parts = [str(data.get(key)) for key in ("error", "description") if data.get(key)]
    if data.get("details"):
        parts.append(str(data["details"])[:200])
    return " — ".join(parts) or answer.text[:300]
