"""healthcheck (docs/zendesk.md §6): cheap. At an account's app address, with a JSON detail; plain
(/zendesk/healthcheck, for the operator's load balancer), only whether TrustDesk can answer."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import Min
from django.utils import timezone
from rest_framework.request import Request
from rest_framework.response import Response

from integrations.views.base import ChannelView
from reviews.models import Domain, TrustpilotAccount
from trustdesk.celery import app

BROKER_CHECK_EVERY = 30.0  # seconds: Zendesk and load balancers may call this often
_broker_checked: dict[str, Any] = {"at": 0.0, "status": "unknown"}


class HealthcheckView(ChannelView):
    def get(self, request: Request) -> Response:
        detail: dict[str, Any] = {"status": "ok", "database": "ok", "broker": broker_status()}
        try:
            database_check()
            # This account's domains only: one account's address tells nothing of another's.
            oldest = Domain.objects.filter(
                enabled=True,
                account__status=TrustpilotAccount.Status.CONNECTED,
                instances__zendesk_account=self.zendesk_account,
            ).aggregate(oldest=Min("last_successful_poll_at"))["oldest"]
        except DatabaseError:
            detail.update(status="unavailable", database="unreachable")
            return Response(detail, status=503)
        detail["last_successful_poll_age_seconds"] = (
            int((timezone.now() - oldest).total_seconds()) if oldest is not None else None
        )
        return Response(detail)

    def head(self, request: Request) -> Response:
        return Response(status=self.get(request).status_code)


class PlainHealthcheckView(HealthcheckView):
    """Un-keyed, so it says nothing of accounts, polls or the broker: 200 when the database answers, else 503."""

    keyed = False

    def get(self, request: Request) -> Response:
        try:
            database_check()
        except DatabaseError:
            return Response({"status": "unavailable"}, status=503)
        return Response({"status": "ok"})


def database_check() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def broker_status() -> str:
    if not settings.CELERY_BROKER_URL:
        return "in-process"
    now = time.monotonic()
    if now - _broker_checked["at"] > BROKER_CHECK_EVERY:
        try:
            with app.connection_for_write() as conn:
                conn.ensure_connection(max_retries=1, timeout=2)
            status = "ok"
        except Exception:
            status = "unreachable"
        _broker_checked.update(at=now, status=status)
    return str(_broker_checked["status"])
