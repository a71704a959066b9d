"""A test client that posts as Zendesk does: form-encoded (reference §3, §4), never multipart.

Django's test client posts a dict as multipart, which the channel endpoints refuse (integrations/views/base.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from django.test import Client

FORM = "application/x-www-form-urlencoded"


class ZendeskClient(Client):
    def post(self, path: str, data: Any = None, content_type: str = FORM, **extra: Any) -> Any:  # type: ignore[override]
        if content_type == FORM and isinstance(data, Mapping):
            data = urlencode(data, doseq=True)
        return super().post(path, data, content_type=content_type, **extra)
