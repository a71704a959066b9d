"""What a Trustpilot sign-in gives access to, whichever of its [UNCONFIRMED] endpoints answer (docs/trustpilot.md §3.1).

`/v1/private/me` and the user's business-unit listing are seen only against Trustpilot's staging host,
where the listing carried ids without names. So: names missing, each unit is read for them; `/me` or
the listing missing or refused, the admin types their domains, and `domains_check` resolves each one
and proves access to it. Outages, rate limits and a refused token (401) raise TrustpilotError.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import Enum

from reviews.models import TrustpilotAccount
from reviews.services.accounts import call_as_account
from reviews.trustpilot import get_client
from reviews.trustpilot.client import TrustpilotClient, normalize_domain
from reviews.trustpilot.errors import AuthError, BadRequest, NotFound, TrustpilotError
from reviews.trustpilot.types import BusinessUnit, BusinessUser, TokenSet

# A host name as Trustpilot's identifying names are written: dot-separated labels, no port (after IDNA).
DOMAIN = re.compile(r"(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9][a-z0-9-]{0,61}[a-z0-9]")


@dataclass(frozen=True)
class Discovery:
    user: BusinessUser  # id "" when Trustpilot does not say who signed in
    units: list[BusinessUnit]  # each with a display name: the identifying name when Trustpilot gave none
    units_listed: bool  # False: Trustpilot would not list the user's units; the admin will type domains


class DomainProblem(Enum):
    NOT_ON_TRUSTPILOT = "not_on_trustpilot"
    NOT_YOURS = "not_yours"
    INVALID = "invalid"


@dataclass(frozen=True)
class DomainCheck:
    domain: str  # as normalize_domain writes it: no scheme, path or trailing dot, lower case
    unit: BusinessUnit | None  # set only when the domain is the signed-in user's (problem None)
    problem: DomainProblem | None


def sign_in_discover(*, tokens: TokenSet, client: TrustpilotClient | None = None) -> Discovery:
    """Who signed in and which business units they can access, right after the code exchange."""
    fallback = BusinessUser(id=tokens.app_enduser, name="", email="")
    with _client(client) as api:
        return _discover(api, tokens.access_token, fallback)


def account_units(*, account: TrustpilotAccount, client: TrustpilotClient | None = None) -> Discovery:
    """The same for a stored account, refreshing its tokens as needed; raises ReauthorizationNeeded."""
    fallback = BusinessUser(id=account.author_id or "", name=account.name, email=account.email)
    with _client(client) as api:
        return call_as_account(account, lambda token: _discover(api, token, fallback))


def domains_check(
    *, access_token: str, domains: list[str], client: TrustpilotClient | None = None
) -> list[DomainCheck]:
    """Each typed domain once, in the order typed: its business unit when this token may read it."""
    names = dict.fromkeys(normalize_domain(domain).strip(".") for domain in domains)
    with _client(client) as api:
        return [_check(api, access_token, name) for name in names]


def refused(error: TrustpilotError) -> bool:
    """An [UNCONFIRMED] endpoint (docs/trustpilot.md §3.1) missing (404) or not granted to this application (403).

    A 401 is not among them: it means the token itself is refused, and call_as_account refreshes on it.
    """
    return isinstance(error, NotFound) or (isinstance(error, AuthError) and error.status == 403)


def _discover(api: TrustpilotClient, token: str, fallback: BusinessUser) -> Discovery:
    try:
        user = api.business_user(access_token=token)
    except TrustpilotError as error:
        if not refused(error):
            raise
        return Discovery(user=fallback, units=[], units_listed=False)
    try:
        units = api.user_business_units(access_token=token, user_id=user.id)
    except TrustpilotError as error:
        if not refused(error):
            raise
        return Discovery(user=user, units=[], units_listed=False)
    return Discovery(user=user, units=[_named(api, token, unit) for unit in units], units_listed=True)


def _named(api: TrustpilotClient, token: str, unit: BusinessUnit) -> BusinessUnit:
    """The unit with its names: read from the private endpoint, else the public one, else its id stands in."""
    if unit.name:
        return unit
    for access_token in (token, None):
        found = _unit_or_none(api, unit.id, access_token)
        if found is not None and found.name:
            return BusinessUnit(id=unit.id, name=found.name, display_name=found.display_name or found.name)
    return BusinessUnit(id=unit.id, name=unit.id, display_name=unit.display_name or unit.id)


def _unit_or_none(api: TrustpilotClient, business_unit_id: str, access_token: str | None) -> BusinessUnit | None:
    # Refused, missing or rejected: the caller tries the next source. An outage still raises.
    try:
        return api.get_business_unit(business_unit_id=business_unit_id, access_token=access_token)
    except (AuthError, NotFound, BadRequest):
        return None


def _check(api: TrustpilotClient, token: str, domain: str) -> DomainCheck:
    if not _is_domain(domain):
        return DomainCheck(domain=domain, unit=None, problem=DomainProblem.INVALID)
    try:
        found = api.find_business_unit(domain=domain)
    except NotFound:
        return DomainCheck(domain=domain, unit=None, problem=DomainProblem.NOT_ON_TRUSTPILOT)
    except BadRequest:
        return DomainCheck(domain=domain, unit=None, problem=DomainProblem.INVALID)
    if not api.has_access(access_token=token, business_unit_id=found.id):
        return DomainCheck(domain=domain, unit=None, problem=DomainProblem.NOT_YOURS)
    name = found.name or domain
    unit = BusinessUnit(id=found.id, name=name, display_name=found.display_name or name)
    return DomainCheck(domain=domain, unit=unit, problem=None)


def _is_domain(name: str) -> bool:
    try:
        ascii_name = name.encode("idna").decode("ascii")
    except UnicodeError:
        return False
    return DOMAIN.fullmatch(ascii_name) is not None


@contextmanager
def _client(client: TrustpilotClient | None) -> Iterator[TrustpilotClient]:
    """The given client, or one that fails fast (a person is waiting) and is closed afterwards."""
    if client is not None:
        yield client
        return
    api = get_client(max_attempts=1)
    try:
        yield api
    finally:
        api.session.close()
