"""Business users and business units (reference §2)."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse

from reviews.sandbox import render
from reviews.sandbox.errors import bad_request, forbidden, not_found
from reviews.sandbox.models import BusinessUnit
from reviews.sandbox.views.base import ApiView, PrivateApiView


class MeView(PrivateApiView):
    def get(self, request: HttpRequest) -> JsonResponse:
        return render.json_response(render.business_user(self.user))


class UserBusinessUnitsView(PrivateApiView):
    def get(self, request: HttpRequest, business_user_id: str) -> JsonResponse:
        if business_user_id != self.user.id:
            raise forbidden()
        units = BusinessUnit.objects.filter(users=self.user).order_by("identifying_name")
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
        return render.json_response(render.business_unit(unit, number_of_reviews=unit.reviews.count()))
