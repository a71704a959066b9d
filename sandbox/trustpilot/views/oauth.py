"""The OAuth token endpoints (docs/trustpilot.md §2.2, §2.5): form-encoded in, strings-only JSON out.

Besides the authorization code TrustDesk uses, the token endpoint takes the password grant: deprecated, but the
only sign-in python-trustpilot (Trustpilot's own client) has.
"""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse

from sandbox.trustpilot import oauth, render
from sandbox.trustpilot.errors import ApiError, ErrorCode, bad_request
from sandbox.trustpilot.views.base import ApplicationApiView


def _required(request: HttpRequest, name: str) -> str:
    value = request.POST.get(name, "").strip()
    if not value:
        raise bad_request(f"{name} is required", ErrorCode.MALFORMED)
    return value


def _invalid_grant(problem: oauth.InvalidGrant) -> ApiError:
    return ApiError(400, str(problem), code=ErrorCode.INVALID_GRANT)


def _refresh(request: HttpRequest, view: ApplicationApiView) -> JsonResponse:
    try:
        issued = oauth.tokens_refresh(refresh_token=_required(request, "refresh_token"), api_key=view.api_key)
    except oauth.InvalidGrant as problem:
        raise _invalid_grant(problem) from None
    return _tokens_response(issued, view)


def _password(request: HttpRequest, view: ApplicationApiView) -> JsonResponse:
    """A business user's login email and password, checked as the browser sign-in checks them."""
    user = oauth.user_authenticate(email=_required(request, "username"), password=request.POST.get("password", ""))
    if user is None:
        raise ApiError(400, "Invalid username or password", code=ErrorCode.INVALID_GRANT)
    return _tokens_response(oauth.tokens_issue(user=user, api_key=view.api_key), view)


def _tokens_response(issued: oauth.IssuedTokens, view: ApplicationApiView) -> JsonResponse:
    return render.json_response(render.tokens(issued, app_enduser=view.config.send_app_enduser))


class AccessTokenView(ApplicationApiView):
    def post(self, request: HttpRequest) -> JsonResponse:
        grant_type = _required(request, "grant_type")
        if grant_type == "refresh_token":
            return _refresh(request, self)
        if grant_type == "password":
            return _password(request, self)
        if grant_type != "authorization_code":
            raise bad_request("grant_type must be authorization_code, password or refresh_token")
        try:
            issued = oauth.code_redeem(
                code=_required(request, "code"),
                api_key=self.api_key,
                redirect_uri=_required(request, "redirect_uri"),
            )
        except oauth.InvalidGrant as problem:
            raise _invalid_grant(problem) from None
        return _tokens_response(issued, self)


class RefreshView(ApplicationApiView):
    def post(self, request: HttpRequest) -> JsonResponse:
        if request.POST.get("grant_type", "refresh_token") != "refresh_token":
            raise bad_request("grant_type must be refresh_token")
        return _refresh(request, self)


class RevokeView(ApplicationApiView):
    def post(self, request: HttpRequest) -> JsonResponse:
        # An unknown token is not an error: the caller's goal, a dead token, is met (as RFC 7009 says).
        oauth.token_revoke(value=_required(request, "token"), api_key=self.api_key)
        return render.json_response({})
