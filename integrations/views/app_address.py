"""The channel URLs of apps built before each account's secret app address (integrations.app_address)."""

from __future__ import annotations

from typing import Any

from rest_framework.request import Request
from rest_framework.response import Response

from integrations import protocol_errors as errors
from integrations.views.base import ChannelView


class AppAddressRequiredView(ChannelView):
    """Answers every method with what to do (ChannelView refuses an un-keyed address before any handler)."""

    def get(self, request: Request, *args: Any) -> Response:
        raise errors.AppAddressRequired()

    post = head = get
