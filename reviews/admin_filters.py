"""List filters for the Trustpilot side's admin pages."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from reviews.models import Domain, TrustpilotAccount
from reviews.selectors import tokens_need_attention


class TokenExpiryFilter(admin.SimpleListFilter):
    title = "tokens"
    parameter_name = "tokens"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("attention", "Expiring soon or not refreshed")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[TrustpilotAccount]) -> QuerySet[TrustpilotAccount]:
        if self.value() == "attention":
            return queryset.filter(tokens_need_attention(now=timezone.now()))
        return queryset


class DomainAccessFilter(admin.SimpleListFilter):
    title = "access on Trustpilot"
    parameter_name = "access"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("denied", "Refused by Trustpilot"), ("ok", "Accessible")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Domain]) -> QuerySet[Domain]:
        if self.value() in ("denied", "ok"):
            return queryset.filter(access_denied_at__isnull=self.value() == "ok")
        return queryset
