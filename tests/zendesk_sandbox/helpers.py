"""Small HTTP helpers shared by the Zendesk sandbox tests."""

from __future__ import annotations

from typing import Any

import requests

from sandbox.control import control_headers

TIMEOUT = 10


def get(zendesk, path: str, **kwargs: Any) -> requests.Response:
    kwargs.setdefault("auth", zendesk.auth)
    return requests.get(zendesk.base_url + path, timeout=TIMEOUT, **kwargs)


def put(zendesk, path: str, body: Any, **kwargs: Any) -> requests.Response:
    kwargs.setdefault("auth", zendesk.auth)
    return requests.put(zendesk.base_url + path, json=body, timeout=TIMEOUT, **kwargs)


def post(zendesk, path: str, body: Any, **kwargs: Any) -> requests.Response:
    kwargs.setdefault("auth", zendesk.auth)
    return requests.post(zendesk.base_url + path, json=body, timeout=TIMEOUT, **kwargs)


def delete(zendesk, path: str) -> requests.Response:
    return requests.delete(zendesk.base_url + path, auth=zendesk.auth, timeout=TIMEOUT)


def control(zendesk, action: str, body: dict[str, Any] | None = None) -> requests.Response:
    return requests.post(
        f"{zendesk.base_url}/_control/{action}", json=body or {}, headers=control_headers(), timeout=TIMEOUT
    )
