"""The sandbox's routes, mounted at /sandbox/trustpilot/ (the client's TRUSTPILOT_API_URL)."""

from __future__ import annotations

from django.urls import URLPattern, path

from sandbox.trustpilot.views import api, authenticate, control, oauth, public, reviews

app_name = "trustpilot_sandbox"

OAUTH = "v1/oauth/oauth-business-users-for-applications"

urlpatterns: list[URLPattern] = [
    path("authenticate", authenticate.AuthenticateView.as_view(), name="authenticate"),
    path(f"{OAUTH}/accesstoken", oauth.AccessTokenView.as_view(), name="accesstoken"),
    path(f"{OAUTH}/refresh", oauth.RefreshView.as_view(), name="refresh"),
    path(f"{OAUTH}/revoke", oauth.RevokeView.as_view(), name="revoke"),
    path("v1/private/me", api.MeView.as_view(), name="me"),
    path(
        "v1/private/business-users/<str:business_user_id>/business-units",
        api.UserBusinessUnitsView.as_view(),
        name="user-business-units",
    ),
    # find before <business_unit_id>, which would otherwise take "find" for an id.
    path("v1/business-units/find", api.FindBusinessUnitView.as_view(), name="find-business-unit"),
    path("v1/business-units/<str:business_unit_id>", api.BusinessUnitView.as_view(), name="business-unit"),
    path(
        "v1/private/business-units/<str:business_unit_id>",
        api.PrivateBusinessUnitView.as_view(),
        name="private-business-unit",
    ),
    path(
        "v1/private/business-units/<str:business_unit_id>/reviews",
        reviews.ReviewListView.as_view(),
        name="reviews",
    ),
    path("v1/private/reviews/<str:review_id>", reviews.ReviewView.as_view(), name="review"),
    path("v1/private/reviews/<str:review_id>/reply", reviews.ReplyView.as_view(), name="reply"),
    path("reviews/<str:review_id>", public.PublicReviewView.as_view(), name="public-review"),
    path("_control/faults", control.FaultsView.as_view(), name="faults"),
    path("_control/reset", control.ResetView.as_view(), name="reset"),
    path("_control/webhooks", control.WebhooksView.as_view(), name="webhooks"),
    path("_control/reviews", control.ReviewWriteView.as_view(), name="review-write"),
    path("_control/reviews/<str:review_id>", control.ReviewModerationView.as_view(), name="review-moderation"),
]
