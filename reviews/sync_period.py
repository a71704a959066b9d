"""The periods a "sync unanswered reviews" can cover: the choices an instance keeps, and the admin's form."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.db import models
from django.utils import timezone


class SyncPeriod(models.IntegerChoices):
    WEEK = 7, "Last 7 days"
    MONTH = 30, "Last 30 days"
    QUARTER = 90, "Last 90 days"
    YEAR = 365, "Last 365 days"


CUSTOM = "custom"
# Trustpilot keeps reviews for years, but a longer backfill mostly re-reads answered history.
MAX_AGE = timedelta(days=3 * 365)


class SyncPeriodForm(forms.Form):
    period = forms.ChoiceField(
        choices=[*((str(days), label) for days, label in SyncPeriod.choices), (CUSTOM, "From a date")],
        initial=str(SyncPeriod.MONTH),
        widget=forms.RadioSelect,
    )
    start_date = forms.DateField(
        required=False,
        label="From",
        help_text="With “From a date”: the first day to bring in, at most 3 years ago.",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("period") != CUSTOM:
            return cleaned
        start: date | None = cleaned.get("start_date")
        today = timezone.localdate()
        earliest = today - MAX_AGE
        if start is None:
            if "start_date" not in self.errors:
                self.add_error("start_date", "Choose the first day to bring in.")
        elif start > today:
            self.add_error("start_date", "The start date cannot be in the future.")
        elif start < earliest:
            self.add_error("start_date", f"Choose a date within the last 3 years (on or after {earliest:%Y-%m-%d}).")
        return cleaned

    def since(self) -> datetime:
        """The start of the period; call after is_valid()."""
        if self.cleaned_data["period"] == CUSTOM:
            return timezone.make_aware(datetime.combine(self.cleaned_data["start_date"], time.min))
        return timezone.now() - timedelta(days=int(self.cleaned_data["period"]))
