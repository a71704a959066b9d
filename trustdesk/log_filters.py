"""Logging filters of every handler TrustDesk configures."""

from __future__ import annotations

import logging
import re

# A Zendesk account's secret app address (integrations.app_address), and a Trustpilot account's webhook URL
# (reviews.services.webhooks): Django's own request logging names the path of every 4xx and 5xx, and no log
# may hold the secret.
APP_SECRET = re.compile(r"(/zendesk/a/|/trustpilot/webhooks/)[^/\s\"']+")


def without_app_secrets(text: str) -> str:
    return APP_SECRET.sub(r"\1…", text)


class RedactAppSecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = without_app_secrets(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True
