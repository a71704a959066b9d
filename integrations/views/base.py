"""What every Zendesk channel endpoint shares: no session or CSRF (Zendesk calls server to server),
form and JSON parsing only (Zendesk sends no multipart), a cap on the body size, and one mapping from
errors to HTTP answers with a JSON body."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.db import DatabaseError
from django.db.models import QuerySet
from rest_framework import exceptions as drf
from rest_framework.parsers import FormParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from integrations import protocol_errors as errors
from integrations.app_address import account_for_secret, refusal_record
from integrations.metadata import InvalidMetadata, StaleMetadata, instance_from
from integrations.models import ChannelInstance, ZendeskAccount
from integrations.parsers import BoundedJSONParser
from integrations.renderers import ChannelJSONRenderer
from trustdesk import url_secrets
from trustdesk.log_filters import without_app_secrets

logger = logging.getLogger(__name__)


class ChannelView(APIView):
    """A Zendesk-facing endpoint, reached at one Zendesk account's secret app address (/zendesk/a/<secret>/…).

    Callers prove which account's Zendesk they are by the secret in the URL, and which instance by signed
    metadata of that same account; never by Django sessions.
    """

    zendesk_account: ZendeskAccount
    keyed = True  # False only for the load balancer's plain healthcheck
    # True when the handler reads the address's account with the instance (instance_at_address), in one query.
    account_with_instance = False

    authentication_classes: list[Any] = []
    permission_classes: list[Any] = []
    parser_classes = [FormParser, BoundedJSONParser]
    renderer_classes = [ChannelJSONRenderer]

    def dispatch(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        # The secret is for account_from_url only: handlers never see it, nor log it.
        self.secret: str | None = kwargs.pop("secret", None)
        return super().dispatch(request, *args, **kwargs)

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0  # Django reads no body it cannot measure
        if length > settings.ZENDESK_MAX_REQUEST_BYTES:
            raise errors.RequestTooLarge(f"The body is larger than {settings.ZENDESK_MAX_REQUEST_BYTES} bytes")
        if self.keyed and self.account_with_instance:
            if self.secret is None:
                raise errors.AppAddressRequired()
        elif self.keyed:
            self.zendesk_account = self.account_from_url()

    def account_from_url(self) -> ZendeskAccount:
        if self.secret is None:
            raise errors.AppAddressRequired()
        account = account_for_secret(self.secret)
        if account is None:
            raise errors.UnknownAppAddress()
        return account

    def instance_at_address(self, request: Request, *, queryset: QuerySet[ChannelInstance]) -> ChannelInstance:
        """The instance the request's metadata names, with the address's account as its `zendesk_account`.

        One query (`queryset`, which joins the Zendesk account) when the instance is of the account whose
        address was called, as on every call Zendesk makes. Anything else takes the steps of initial() and
        own() in their order, so each refusal is the one it always was: the address before anything of the
        body (404), then the metadata (400, 401, stale), then the account (403).
        """
        try:
            metadata = optional(request.data, "metadata", max_length=5000)
            instance = instance_from(metadata, queryset=queryset)
        except StaleMetadata as exc:
            self.zendesk_account = self._address_account(exc.instance)
            raise
        except (InvalidMetadata, errors.ProtocolError, drf.APIException):
            self.zendesk_account = self.account_from_url()
            raise
        self.zendesk_account = self._address_account(instance)
        return self.own(instance)

    def _address_account(self, instance: ChannelInstance) -> ZendeskAccount:
        """The instance's account if its secret is the address's; otherwise the account of the address, found
        by the secret alone as initial() finds it (or the refusal that finds none)."""
        account = instance.zendesk_account
        if url_secrets.matches(account.url_secret_digest, self.secret):
            return account
        return self.account_from_url()

    def own(self, instance: ChannelInstance) -> ChannelInstance:
        """The instance, if it is of the account whose address was called; a 403 otherwise."""
        if instance.zendesk_account_id != self.zendesk_account.pk:  # logged and recorded by handle_exception
            raise errors.WrongZendeskAccount(
                f"This address belongs to the Zendesk account {self.zendesk_account.subdomain}; "
                "the metadata is of another account's instance"
            )
        return instance

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, InvalidMetadata):
            exc = errors.Unauthorized(str(exc))
        if isinstance(exc, errors.AppAddressRequired | errors.UnknownAppAddress | errors.WrongZendeskAccount):
            refusal_record(
                endpoint=self.request.path.rsplit("/", 1)[-1],
                code=exc.code,
                reason=exc.message,
                account=getattr(self, "zendesk_account", None),
            )
        if isinstance(exc, errors.ProtocolError):
            logger.info(
                "%s %s answered %s: %s",
                self.request.method,
                without_app_secrets(self.request.path),
                exc.status,
                exc.message,
            )
            return Response({"error": exc.code, "message": exc.message}, status=exc.status)
        if isinstance(exc, DatabaseError):
            # Zendesk retries a pull or an event batch answered 503, and the healthcheck reports the outage.
            logger.error(
                "%s %s: the database failed: %s", self.request.method, without_app_secrets(self.request.path), exc
            )
            message = "TrustDesk cannot reach its database right now; try again shortly."
            return Response({"error": "unavailable", "message": message}, status=503)
        if isinstance(exc, drf.UnsupportedMediaType | drf.ParseError | drf.MethodNotAllowed):
            status = exc.status_code
            return Response({"error": exc.default_code, "message": str(exc.detail)}, status=status)
        return super().handle_exception(exc)


def required(data: Any, field: str, *, max_length: int) -> str:
    """A required text field of Zendesk's request, checked against the protocol's length limit."""
    value = optional(data, field, max_length=max_length)
    if not value:
        raise errors.BadRequest(f"'{field}' is required")
    return value


def optional(data: Any, field: str, *, max_length: int) -> str:
    value = data.get(field, "") if hasattr(data, "get") else ""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise errors.BadRequest(f"'{field}' must be text")
    if len(value) > max_length:
        raise errors.BadRequest(f"'{field}' is longer than {max_length} characters")
    return value
