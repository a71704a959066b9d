"""A review's public page, standing in for www.trustpilot.com/reviews/<id>: where Zendesk's links lead."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from sandbox.trustpilot.models import Review
from sandbox.trustpilot.views.base import SandboxView


class PublicReviewView(SandboxView):
    def get(self, request: HttpRequest, review_id: str) -> HttpResponse:
        review = get_object_or_404(Review.objects.select_related("business_unit"), pk=review_id, removed=False)
        stars = "★" * review.stars + "☆" * (5 - review.stars)
        return render(request, "trustpilot_sandbox/review.html", {"review": review, "stars": stars})
