"""Zendesk's event callbacks (reference §7): one handler per type_id, and the types left alone on purpose.

Every event is stored first, whatever its type or fate. A handler reads the event's `data`, calls
services and returns a note for the stored event. Event callbacks are not signed, so an instance
event is acted on only when its metadata is TrustDesk's own (integrations.metadata).
"""

from __future__ import annotations

import contextlib
import logging
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from integrations.metadata import InvalidMetadata, StaleMetadata, instance_from
from integrations.models import ChannelEvent, ChannelInstance, ZendeskAccount
from integrations.services.access import app_uninstall_doubt
from integrations.services.disconnect import instance_disconnect, zendesk_account_disconnect
from integrations.services.events import (
    ResourceEvent,
    event_note,
    event_record,
    instance_activate,
    instance_deactivate,
    reviewer_personal_data_purge,
    ticket_links_resolve,
    zendesk_account_install,
)

logger = logging.getLogger(__name__)

REVIEWER_PREFIX = "tp-consumer-"  # protocol.author()
RESOURCE_TYPES = frozenset(
    {
        "comment_on_new_ticket",
        "comment_on_existing_ticket",
        "comment_on_follow_up_ticket",
        "external_id_associated_with_channelback",
    }
)


class Malformed(Exception):
    """The event lacks what its type needs: stored, not acted on."""


Handler = Callable[[ChannelEvent, Mapping[str, Any]], str]


def create_integration(event: ChannelEvent, data: Mapping[str, Any]) -> str:
    zendesk_account_install(subdomain=_subdomain(event))
    return ""


def destroy_integration(event: ChannelEvent, data: Mapping[str, Any]) -> str:
    account = ZendeskAccount.objects.filter(subdomain=_subdomain(event)).first()
    if account is None:
        return "TrustDesk knows no Zendesk account with this subdomain; nothing to disconnect"
    doubt = app_uninstall_doubt(account=account)
    if doubt:
        logger.warning("destroy_integration for %s not acted on: %s", account.subdomain, doubt)
        return doubt
    zendesk_account_disconnect(account=account, by=_by(event))
    return ""


def activate_integration_instance(event: ChannelEvent, data: Mapping[str, Any]) -> str:
    return instance_activate(instance=_instance(data))


def deactivate_integration_instance(event: ChannelEvent, data: Mapping[str, Any]) -> str:
    note = instance_deactivate(instance=_instance(data))
    reason = _text(data, "deactivating_error")
    deactivated = f"deactivated by {_text(data, 'deactivated_by') or 'Zendesk'}" + (f": {reason}" if reason else "")
    return "; ".join(part for part in (deactivated, note) if part)


def destroy_integration_instance(event: ChannelEvent, data: Mapping[str, Any]) -> str:
    instance_disconnect(instance=_instance(data), by=_by(event))
    return ""


def destroy_user_identity(event: ChannelEvent, data: Mapping[str, Any]) -> str:
    if "metadata" in data:
        _own_metadata(data)
    author = data.get("author")
    external_id = _text(author, "external_id") if isinstance(author, Mapping) else ""
    if not external_id:
        raise Malformed("data.author.external_id is missing")
    if not external_id.startswith(REVIEWER_PREFIX) or external_id == REVIEWER_PREFIX:
        return f"{external_id} is not a Trustpilot reviewer sent by TrustDesk; nothing to purge"
    reviewer_id = external_id.removeprefix(REVIEWER_PREFIX)
    purged = reviewer_personal_data_purge(subdomain=_subdomain(event), reviewer_id=reviewer_id)
    return f"personal data of {external_id} removed from {purged} review(s)"


def resources_created_from_external_ids(event: ChannelEvent, data: Mapping[str, Any]) -> str:
    items = data.get("resource_events")
    if not isinstance(items, list):
        raise Malformed("data.resource_events must be a list")
    resources, skipped = [], []
    for index, item in enumerate(items):
        resource = _resource(item)
        if resource is None:
            skipped.append(str(index))
        else:
            resources.append(resource)
    unknown = ticket_links_resolve(subdomain=_subdomain(event), resources=resources)
    notes = []
    if unknown:
        notes.append("external ids TrustDesk did not send: " + ", ".join(unknown))
    if skipped:
        notes.append("unreadable resource events (by index): " + ", ".join(skipped))
    return "; ".join(notes)


def store_only(event: ChannelEvent, data: Mapping[str, Any]) -> str:
    """A report on a pull or channelback: its `error`, already stored, is what the admin needs."""
    return ""


HANDLERS: dict[str, Handler] = {
    "create_integration": create_integration,
    "destroy_integration": destroy_integration,
    "create_integration_instance": activate_integration_instance,
    "activate_integration_instance": activate_integration_instance,
    "deactivate_integration_instance": deactivate_integration_instance,
    "destroy_integration_instance": destroy_integration_instance,
    "destroy_user_identity": destroy_user_identity,
    "pull_request": store_only,
    "channelback": store_only,
    "resources_created_from_external_ids": resources_created_from_external_ids,
}
# Every type_id in Zendesk's schema (event_callback_base.json) has a handler above; a type listed here
# would be stored and logged without any effect.
IGNORED: frozenset[str] = frozenset()


@dataclass
class Batch:
    """What became of a batch of events: problems by event index."""

    received: int = 0
    refused: dict[int, str] = field(default_factory=dict)
    malformed: dict[int, str] = field(default_factory=dict)
    failed: dict[int, str] = field(default_factory=dict)

    def summary(self) -> str:
        parts = [f"Event {index} was refused: {reason}" for index, reason in self.refused.items()]
        parts += [f"Event {index} is malformed: {reason}" for index, reason in self.malformed.items()]
        parts += [f"Event {index} failed: {reason}" for index, reason in self.failed.items()]
        return "; ".join(parts) + (". The other events were handled." if self.received > len(parts) else ".")


def events_receive(*, payloads: list[Any]) -> Batch:
    """Store and handle each event; one event's problem never stops the others."""
    batch = Batch(received=len(payloads))
    for index, payload in enumerate(payloads):
        event = event_record(payload=payload)
        try:
            note = _dispatch(event, payload)
        except StaleMetadata as exc:
            if exc.still_disconnected:
                # Zendesk's copy from before a disconnect TrustDesk made (or a destroy delivered again):
                # nothing of a disconnected instance can change, so there is nothing to refuse either.
                note = f"not acted on: {exc}, and it still is"
            else:
                batch.refused[index] = str(exc)
                note = f"refused, nothing was changed: {exc}"
        except InvalidMetadata as exc:
            batch.refused[index] = str(exc)
            note = f"refused, nothing was changed: {exc}"
        except Malformed as exc:
            batch.malformed[index] = str(exc)
            note = f"not acted on: {exc}"
        except Exception:
            logger.exception("Handling Zendesk event %s (%s) failed", event.pk, event.type_id)
            batch.failed[index] = "TrustDesk could not handle it and kept it for review"
            note = "handling failed unexpectedly (see TrustDesk's log); nothing may have changed"
        event_note(event=event, note=note)
    return batch


def _dispatch(event: ChannelEvent, payload: Any) -> str:
    if not isinstance(payload, Mapping):
        raise Malformed("an event must be a JSON object")
    if not event.type_id:
        raise Malformed("type_id is missing")
    handler = HANDLERS.get(event.type_id)
    if handler is None:
        level = logging.INFO if event.type_id in IGNORED else logging.WARNING
        logger.log(level, "Zendesk event %s of type %r stored without handling", event.pk, event.type_id)
        return ""
    data = payload.get("data")
    if not isinstance(data, Mapping):
        raise Malformed("data must be an object")
    return handler(event, data)


def _instance(data: Mapping[str, Any]) -> ChannelInstance:
    return instance_from(_text(data, "metadata"))


def _own_metadata(data: Mapping[str, Any]) -> None:
    """Optional, but when sent it must be TrustDesk's own; from before a disconnect will do, since a
    privacy request is honoured whatever became of the instance (and needs no metadata at all)."""
    with contextlib.suppress(StaleMetadata):
        _instance(data)


def _subdomain(event: ChannelEvent) -> str:
    if not event.subdomain:
        raise Malformed("subdomain is missing")
    return event.subdomain


def _by(event: ChannelEvent) -> str:
    return f"Zendesk {event.subdomain} ({event.type_id})"


def _resource(item: Any) -> ResourceEvent | None:
    if not isinstance(item, Mapping) or item.get("type_id") not in RESOURCE_TYPES:
        return None
    ticket_id = _number(item.get("follow_up_ticket_id")) or _number(item.get("ticket_id"))
    external_id = _text(item, "external_id")
    if ticket_id is None or not external_id:
        return None
    return ResourceEvent(external_id=external_id, ticket_id=ticket_id, comment_id=_number(item.get("comment_id")))


def _number(value: Any) -> int | None:
    """A Zendesk id: JSON numbers may arrive as floats; anything else, or out of a bigint's range, is none."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return int(value) if value == int(value) and 0 < value < 2**63 else None


def _text(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    return value if isinstance(value, str) else ""
