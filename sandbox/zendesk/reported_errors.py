"""channelback/report_error as Zendesk's schema describes it (docs/zendesk.md §4.3), and what was reported."""

from __future__ import annotations

from typing import Any

from sandbox.zendesk.models import SandboxReportedError, SandboxZendesk

# Field → (required, longest); anything else in the body is refused, as the schema allows no other keys.
FIELDS = {
    "instance_push_id": (True, 255),
    "external_id": (True, 255),
    "description": (False, 511),
    "request_id": (False, 64),
}


def report_problem(data: Any) -> str:
    """Why the body is not a report_error body, or "" when it is."""
    if not isinstance(data, dict):
        return "The request body must be a JSON object"
    unknown = set(data) - set(FIELDS)
    if unknown:
        return f"Unknown fields: {', '.join(sorted(unknown))}"
    for name, (required, longest) in FIELDS.items():
        value = data.get(name)
        if value is None and not required:
            continue
        if not isinstance(value, str) or (required and not value):
            return f"{name} is required and must be text" if required else f"{name} must be text"
        if len(value) > longest:
            return f"{name} is longer than {longest} characters"
    return ""


def report_record(zendesk: SandboxZendesk, data: Any, *, status: int) -> SandboxReportedError:
    fields = data if isinstance(data, dict) else {}
    return SandboxReportedError.objects.create(
        account=zendesk,
        instance_push_id=str(fields.get("instance_push_id") or "")[:255],
        external_id=str(fields.get("external_id") or "")[:255],
        description=str(fields.get("description") or ""),
        body=data if isinstance(data, dict) else None,
        status=status,
    )


def reports_as_list(zendesk: SandboxZendesk) -> list[dict[str, Any]]:
    return [
        {"instance_push_id": r.instance_push_id, "external_id": r.external_id, "description": r.description,
         "body": r.body, "status": r.status}
        for r in SandboxReportedError.objects.filter(account=zendesk)
    ]  # fmt: skip
