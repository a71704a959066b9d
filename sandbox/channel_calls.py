"""The calls Zendesk makes to an integration service, at the URLs its manifest names: pull, the event callback that
says which tickets the pulled resources became, and channelback (docs/zendesk.md §3-§5).

The simulator makes them from a terminal, the Zendesk sandbox's agent view from a browser's click.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import requests

TIMEOUT = 30


class CallFailed(Exception):
    """TrustDesk did not answer as Zendesk expects; the message says where. `status` and `text` are TrustDesk's
    answer when there was one."""

    def __init__(self, message: str, *, status: int | None = None, text: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.text = text

    @property
    def reason(self) -> str:
        """What TrustDesk said, from its JSON error body ({"error", "message"}) when it sent one."""
        try:
            body = json.loads(self.text)
        except ValueError:
            body = None
        if isinstance(body, dict) and (body.get("error") or body.get("message")):
            return ": ".join(str(part) for part in (body.get("error"), body.get("message")) if part)
        return self.text[:500] or str(self)


def expect(answer: requests.Response, status: int, step: str) -> None:
    if answer.status_code != status:
        raise CallFailed(f"{step}: HTTP {answer.status_code} {answer.text[:500]}", status=answer.status_code,
                         text=answer.text)  # fmt: skip


@dataclass(frozen=True)
class PullPage:
    resources: list[dict[str, Any]]
    state: str
    metadata_needs_update: bool


@dataclass
class Integration:
    """TrustDesk's integration as one Zendesk account knows it: the manifest, read at the account's secret app
    address, and the calls to the URLs it names, made on the server at `url`."""

    url: str
    manifest: dict[str, Any] = field(repr=False)  # its URLs hold the account's secret app address
    subdomain: str
    http: requests.Session

    @classmethod
    def fetch(cls, *, url: str, manifest_url: str, subdomain: str, http: requests.Session) -> Integration:
        answer = http.get(manifest_url, timeout=TIMEOUT)
        expect(answer, 200, "manifest")
        manifest = answer.json()
        if not isinstance(manifest, dict) or not isinstance(manifest.get("urls"), dict):
            raise CallFailed(f"manifest: no urls in {answer.text[:200]}")
        return cls(url=url, manifest=manifest, subdomain=subdomain, http=http)

    def endpoint(self, key: str) -> str:
        """The manifest's URL for `key`, on the server this integration is reached at."""
        parts = urlsplit(str(self.manifest["urls"][key]))
        return self.url.rstrip("/") + parts.path

    def pull(self, *, metadata: str, state: str) -> PullPage:
        answer = self.http.post(self.endpoint("pull_url"), data={"metadata": metadata, "state": state},
                                timeout=TIMEOUT)  # fmt: skip
        expect(answer, 200, "pull")
        body = answer.json()
        if not isinstance(body, dict):
            raise CallFailed(f"pull: not a JSON object: {answer.text[:200]}", status=200, text=answer.text)
        return PullPage(
            resources=list(body.get("external_resources") or []),
            state=str(body.get("state", state)),
            metadata_needs_update=bool(body.get("metadata_needs_update")),
        )

    def report_created(self, resource_events: list[dict[str, Any]], *, request_id: str = "") -> None:
        """The event Zendesk sends once pulled or pushed resources are tickets and comments: their ids, by
        external_id, and the push's request_id (a pull has none: Zendesk makes one up)."""
        event = {
            "type_id": "resources_created_from_external_ids",
            "timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "subdomain": self.subdomain,
            "integration_name": self.manifest["name"],
            "integration_id": self.manifest["id"],
            "data": {"request_id": request_id or uuid.uuid4().hex, "resource_events": resource_events},
        }
        answer = self.http.post(self.endpoint("event_callback_url"), data=json.dumps({"events": [event]}),
                                headers={"Content-Type": "application/json"}, timeout=TIMEOUT)  # fmt: skip
        expect(answer, 200, "event callback")

    def channelback(
        self, *, metadata: str, message: str, parent_id: str, thread_id: str, recipient_id: str, request_id: str = ""
    ) -> str:
        """Send an agent's reply; TrustDesk's external_id for it."""
        answer = self.http.post(
            self.endpoint("channelback_url"),
            data={
                "metadata": metadata,
                "message": message,
                "parent_id": parent_id,
                "thread_id": thread_id,
                "recipient_id": recipient_id,
                "request_unique_identifier": request_id or uuid.uuid4().hex,
            },
            timeout=TIMEOUT,
        )
        expect(answer, 200, "channelback")
        body = answer.json()
        external_id = body.get("external_id") if isinstance(body, dict) else None
        if not isinstance(external_id, str) or not external_id.strip():
            raise CallFailed(f"channelback: no external_id in {answer.text[:200]}", status=200, text=answer.text)
        return external_id
