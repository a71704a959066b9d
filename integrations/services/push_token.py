"""Ask Zendesk whether the push token of an admin_ui POST is real, before the setup page is shown
(docs/zendesk.md §8.3).

An admin is waiting in Zendesk's iframe: one attempt with a short timeout, no retries, and a Zendesk
that cannot be reached does not block the setup.
"""

from __future__ import annotations

import enum
import logging
import re

import requests

from integrations.zendesk import errors
from integrations.zendesk.client import ZendeskClient

logger = logging.getLogger(__name__)

# requests applies it to the connection and to each read, so a slow answer can take a little longer in all.
TIMEOUT_SECONDS = 5.0
# Zendesk's subdomain rule, checked here too: the token must never be sent to a host built from anything else.
SUBDOMAIN = re.compile(r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?")


class PushTokenCheck(enum.Enum):
    VALID = "valid"
    INVALID = "invalid"  # Zendesk answered that the token (or instance_push_id) is not valid
    UNKNOWN = "unknown"  # Zendesk could not be reached or answered with an outage/rate limit: do not block the setup


def push_token_check(*, subdomain: str, instance_push_id: str, token: str) -> PushTokenCheck:
    """What Zendesk says of `token` for this subdomain and integration instance. The token is never logged."""
    if not (token and instance_push_id and SUBDOMAIN.fullmatch(subdomain)):
        logger.info("Push token of %r not checked: no token, no instance_push_id or an impossible subdomain", subdomain)
        return PushTokenCheck.INVALID
    with requests.Session() as session:
        client = ZendeskClient(subdomain=subdomain, timeout=TIMEOUT_SECONDS, session=session)
        try:
            client.validate_push_token(access_token=token, instance_push_id=instance_push_id)
        except errors.ZendeskError as error:
            check = check_of(error)
            log = logger.warning if check is PushTokenCheck.UNKNOWN else logger.info
            # Zendesk's words are logged, with the token taken out should an answer ever echo it.
            reason = str(error).replace(token, "[push token]")
            log("Push token of %s (instance_push_id %r) %s: %s", subdomain, instance_push_id, check.value, reason)
            return check
    return PushTokenCheck.VALID


def check_of(error: errors.ZendeskError) -> PushTokenCheck:
    """The verdict of a refused validate_token call.

    [UNCONFIRMED] Zendesk documents only the 200 of a valid token (docs/zendesk.md §8.3). Any other 4xx is taken as
    Zendesk's word that the token or instance_push_id is not valid (401/403 as Zendesk answers bad credentials,
    404/422 as its answers about the instance); 429, 5xx, timeouts, connection failures and answers that are
    not Zendesk's word at all (a 3xx) leave the question open.
    """
    if isinstance(error, errors.RETRYABLE) or error.status is None:
        return PushTokenCheck.UNKNOWN
    if 400 <= error.status < 500:
        return PushTokenCheck.INVALID
    return PushTokenCheck.UNKNOWN
