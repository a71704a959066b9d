"""gunicorn's access log without the secrets TrustDesk's URLs carry.

Every Zendesk account's app address and every Trustpilot webhook URL holds a secret in its path
(trustdesk.log_filters). gunicorn writes the path, the raw URI, the Referer (a page at a secret address
sends it) and any environ atom an access log format names; the Procfile's `web` uses this logger, so
turning the access log on (`--access-logfile -`) never writes a secret.
"""

from __future__ import annotations

from typing import Any

from gunicorn import glogging

from trustdesk.log_filters import without_app_secrets


class RedactingLogger(glogging.Logger):  # type: ignore[misc]
    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
        atoms: dict[str, Any] = super().atoms(resp, req, environ, request_time)
        return {name: without_app_secrets(value) if isinstance(value, str) else value for name, value in atoms.items()}
