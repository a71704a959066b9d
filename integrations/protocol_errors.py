"""Errors a channel endpoint answers with: a status and a JSON body saying what is wrong."""

from __future__ import annotations


class ProtocolError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadRequest(ProtocolError):
    status, code = 400, "bad_request"


class Unauthorized(ProtocolError):
    status, code = 401, "invalid_metadata"


class NotFound(ProtocolError):
    status, code = 404, "not_found"


class Forbidden(ProtocolError):
    """The agent who wrote the reply is outside the roles and groups allowed to answer reviews."""

    status, code = 403, "agent_not_allowed"


class Conflict(ProtocolError):
    status, code = 409, "conflict"


class Unavailable(ProtocolError):
    """Trustpilot is down or rate-limited: nothing was lost, Zendesk should try again."""

    status, code = 503, "trustpilot_unavailable"


class InstanceNotActive(ProtocolError):
    """A channelback for an instance that cannot publish: nothing was stored, nothing was published.

    Zendesk's answer to a failed channelback is [UNCONFIRMED] (docs/zendesk.md §4.3): it
    re-sends after network errors, and a 5xx may count as one. No retry can succeed before an admin acts,
    so this is a 4xx with the JSON error body of every refusal here, in the hope that Zendesk shows the
    agent the failure at once; 403 as for the other refusals an agent cannot fix by trying again.
    """

    status, code = 403, "instance_not_active"


class ReviewRemoved(ProtocolError):
    """Trustpilot answered 404 for the review: it was removed, and no reply can be published on it."""

    status, code = 404, "review_removed"


class ReplyFailed(ProtocolError):
    """A reply that failed for good earlier (Trustpilot unavailable for too long): it is never published now."""

    status, code = 409, "reply_failed"


class TrustpilotAuthorization(ProtocolError):
    """The Trustpilot account behind this instance must be connected again."""

    status, code = 403, "trustpilot_authorization"


class ZendeskUnavailable(ProtocolError):
    """Zendesk's API did not answer a check TrustDesk needs; nothing was published, Zendesk should try again."""

    status, code = 503, "zendesk_unavailable"


class RequestTooLarge(ProtocolError):
    """A body over ZENDESK_MAX_REQUEST_BYTES: refused unread, so no stranger can make TrustDesk parse megabytes."""

    status, code = 413, "request_too_large"


ZENDESK_APP_STEPS = (
    "A TrustDesk admin downloads the Zendesk app for this Zendesk account from TrustDesk's admin "
    "(Zendesk app page); a Zendesk admin uploads and installs it in place of the installed one."
)


class AppAddressRequired(ProtocolError):
    """An un-keyed channel URL: the app was built before each account's URLs carried its secret."""

    status, code = 410, "app_address_required"

    def __init__(self) -> None:
        super().__init__(
            "TrustDesk's channel URLs now carry a secret of each Zendesk account, and this one has none. "
            + ZENDESK_APP_STEPS
        )


class UnknownAppAddress(ProtocolError):
    """A keyed URL whose secret is no account's: made up, or replaced by a rotation."""

    status, code = 404, "unknown_app_address"

    def __init__(self) -> None:
        super().__init__(
            "No Zendesk account has this TrustDesk address: its secret is wrong or was replaced. " + ZENDESK_APP_STEPS
        )


class WrongZendeskAccount(ProtocolError):
    """A keyed URL used for another Zendesk account than its own: nothing is read or changed."""

    status, code = 403, "wrong_zendesk_account"
