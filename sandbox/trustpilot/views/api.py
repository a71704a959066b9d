"""Business users and business units (docs/trustpilot.md §3), with the listing variants of Faults.unit_listing."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse

from sandbox.trustpilot import render
from sandbox.trustpilot.errors import bad_request, endpoint_missing, forbidden, not_found
from sandbox.trustpilot.models import BusinessUnit, BusinessUser, UnitListing
from sandbox.trustpilot.views.base import ApiView, PrivateApiView


class MeView(PrivateApiView):
    def authenticate_user(self, request: HttpRequest) -> None:
        # A path that does not exist answers 404 before any token is looked at.
        if self.config.unit_listing == UnitListing.NO_ME:
            raise endpoint_missing()
        super().authenticate_user(request)

    def get(self, request: HttpRequest) -> JsonResponse:
        return render.json_response(render.business_user(self.user))


class UserBusinessUnitsView(PrivateApiView):
    def get(self, request: HttpRequest, business_user_id: str) -> JsonResponse:
        if business_user_id != self.user.id:
            raise forbidden()
        # Refused rather than missing: Trustpilot's own Zendesk integration lists a user's domains after
        # sign-in (docs/trustpilot.md §3.1), so the endpoint exists; what it most plausibly does for a third-party
        # application it was not opened to is refuse it, 403.
        if self.config.unit_listing == UnitListing.NO_LISTING:
            raise forbidden()
        units = BusinessUnit.objects.filter(users=self.user).order_by("identifying_name")
        if self.config.unit_listing == UnitListing.UNNAMED:
            return render.json_response({"businessUnits": [{"id": unit.id} for unit in units]})
        return render.json_response({"businessUnits": [render.business_unit(unit) for unit in units]})


class FindBusinessUnitView(ApiView):
    """Public: the apikey header is enough."""

    def get(self, request: HttpRequest) -> JsonResponse:
        name = request.GET.get("name", "").strip()
        if not name:
            raise bad_request("name is required")
        unit = BusinessUnit.objects.filter(identifying_name__iexact=name).first()
        if unit is None:
            raise not_found("Business unit")
        return _unit_response(unit)


class BusinessUnitView(ApiView):
    """Public: the apikey header is enough."""

    def get(self, request: HttpRequest, business_unit_id: str) -> JsonResponse:
        return _unit_response(_unit(business_unit_id))


class PrivateBusinessUnitView(PrivateApiView):
    def get(self, request: HttpRequest, business_unit_id: str) -> JsonResponse:
        unit = _unit(business_unit_id)
        if not _can_access(self.user, unit):
            raise forbidden()
        return _unit_response(unit)


def _unit(business_unit_id: str) -> BusinessUnit:
    unit = BusinessUnit.objects.filter(pk=business_unit_id).first()
    if unit is None:
        raise not_found("Business unit")
    return unit


def _can_access(user: BusinessUser, unit: BusinessUnit) -> bool:
    return unit.users.filter(pk=user.pk).exists()


def _unit_response(unit: BusinessUnit) -> JsonResponse:
    return render.json_response(render.business_unit(unit, number_of_reviews=unit.reviews.count()))
