"""A reviewer's personal data, as Zendesk asks TrustDesk to forget it (destroy_user_identity)."""

from __future__ import annotations

from typing import Any

RAW_PERSONAL_KEYS = ("referralEmail", "referenceId")
RAW_CONSUMER_PERSONAL_KEYS = ("displayName", "name", "email")


def scrubbed(raw: Any) -> Any:
    """Trustpilot's JSON for a review without the reviewer's name, email and order reference."""
    if not isinstance(raw, dict):
        return raw
    clean = {key: "" if key in RAW_PERSONAL_KEYS and value else value for key, value in raw.items()}
    consumer = raw.get("consumer")
    if isinstance(consumer, dict):
        clean["consumer"] = {
            key: "" if key in RAW_CONSUMER_PERSONAL_KEYS and value else value for key, value in consumer.items()
        }
    return clean
