"""Channel Framework push as Zendesk answers it (docs/zendesk.md §8.2): resources become tickets and comments as a
pull's do (sandbox.zendesk.agent.desk), in order, one result each; the first that fails halts the rest.

Like a pull, a push that made tickets or comments is followed by the resources_created_from_external_ids event
callback, carrying the push's request_id. Zendesk sends it on its own time: the sandbox sends it from a thread
once the push has answered, so the integration never waits on itself.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

import requests
from django.db import transaction

from integrations.app_address import manifest_url_for
from sandbox.channel_calls import Integration
from sandbox.zendesk import push_tokens
from sandbox.zendesk.agent import desk
from sandbox.zendesk.errors import ApiError
from sandbox.zendesk.models import SandboxPush, SandboxZendesk

logger = logging.getLogger(__name__)

SUCCESS, ALREADY_IMPORTED, HALTED = "success", "already_imported", "halted"
NO_PARENT, PROCESSING_ERROR = "could_not_locate_parent_external_resource", "processing_error"


def push_receive(zendesk: SandboxZendesk, data: dict[str, Any]) -> list[dict[str, Any]]:
    """File a valid push body's resources; the `results` Zendesk answers, in the input's order."""
    instance_push_id = str(data["instance_push_id"])
    account = push_tokens.push_channel(zendesk, instance_push_id)
    results, events, failed = [], [], False
    summary = desk.PullSummary()
    for resource in data["external_resources"]:
        external_id = str(resource["external_id"])
        if failed:
            results.append(_result(external_id, HALTED))
        elif desk.already_imported(zendesk, external_id):
            results.append(_result(external_id, ALREADY_IMPORTED))
        elif desk.parent_missing(account, resource):
            results.append(_result(external_id, NO_PARENT, str(resource["parent_id"])))
            failed = True
        else:
            try:
                with transaction.atomic():
                    event = desk.resource_file(account, resource, summary)
            except ApiError as exc:
                results.append(_result(external_id, PROCESSING_ERROR, desk.api_error_text(exc)))
                failed = True
                continue
            results.append(_result(external_id, SUCCESS))
            if event is not None:
                events.append(event)
    if events:
        request_id = str(data.get("request_id") or "")
        manifest_url = manifest_url_for(zendesk.subdomain, base=desk.trustdesk_url())
        transaction.on_commit(lambda: _report_later(zendesk.subdomain, manifest_url, events, request_id))
    return results


def push_record(
    zendesk: SandboxZendesk, data: Any, *, status: int, results: list[dict[str, Any]] | None = None
) -> SandboxPush:
    fields = data if isinstance(data, dict) else {}
    return SandboxPush.objects.create(
        account=zendesk,
        instance_push_id=str(fields.get("instance_push_id") or "")[:255],
        request_id=str(fields.get("request_id") or "")[:64],
        results=results or [],
        status=status,
    )


def pushes_as_list(zendesk: SandboxZendesk) -> list[dict[str, Any]]:
    """Each authenticated push, oldest first, with when it was received (ISO 8601, microseconds)."""
    return [
        {"instance_push_id": p.instance_push_id, "request_id": p.request_id, "status": p.status,
         "received_at": p.received_at.isoformat(), "results": p.results}
        for p in SandboxPush.objects.filter(account=zendesk)
    ]  # fmt: skip


def _result(external_id: str, code: str, description: str = "") -> dict[str, Any]:
    status = {"code": code, "description": description} if description else {"code": code}
    return {"external_resource_id": external_id, "status": status}


def reports_wait(timeout: float = 10.0) -> None:
    """Wait for the event callbacks still on their way (tests do, before the live server stops)."""
    while _reporting:
        _reporting.pop().join(timeout)


_reporting: list[threading.Thread] = []
# Off in tests on SQLite's shared in-memory database, which refuses concurrent writers instead of waiting.
REPORT_IN_THREAD = True


def _report_later(subdomain: str, manifest_url: str, events: list[dict[str, Any]], request_id: str) -> None:
    if not REPORT_IN_THREAD:
        _report(subdomain, manifest_url, events, request_id)
        return
    thread = threading.Thread(
        target=_report, args=(subdomain, manifest_url, events, request_id), name="zendesk-sandbox-push-events"
    )
    thread.daemon = True
    thread.start()
    _reporting[:] = [*(t for t in _reporting if t.is_alive()), thread]


def _report(subdomain: str, manifest_url: str, events: list[dict[str, Any]], request_id: str) -> None:
    base = desk.trustdesk_url()
    try:
        with requests.Session() as http:
            integration = Integration.fetch(url=base, manifest_url=manifest_url, subdomain=subdomain, http=http)
            integration.report_created(events, request_id=request_id)
    except desk.FAILURES as exc:
        logger.warning("The pushed resources' event callback to TrustDesk failed: %s", desk.failure_text(exc))
