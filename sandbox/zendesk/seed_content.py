"""What every seeded sandbox account holds, with fixed ids so tests and demos can name them."""

from __future__ import annotations

from dataclasses import dataclass

from sandbox.zendesk.models import SandboxUser

APP_ID = 470001
INSTALLATION_ID = 360001
APP_NAME = "TrustDesk"

# Custom roles; role_type: 0 custom agent, 1 light agent, 4 administrator (Zendesk's custom roles API).
ROLE_ADMINISTRATOR = 361001
ROLE_AGENT = 361002
ROLE_LIGHT_AGENT = 361003
ROLE_TEAM_LEAD = 361004
ROLE_REVIEW_RESPONDER = 361005

GROUP_SUPPORT = 362001
GROUP_REVIEWS_TEAM = 362002
GROUP_BILLING = 362003
GROUP_ESCALATIONS = 362004
GROUP_SOCIAL_MEDIA = 362005
GROUP_COUNT = 120
# Deleted groups sit among the others, so a page that leaves them out still has to be full.
DELETED_GROUP_IDS = (362045, 362090)
ACTIVE_GROUP_COUNT = GROUP_COUNT - len(DELETED_GROUP_IDS)

USER_ADMIN = 363001
USER_RILEY_REVIEWER = 363002
USER_AVERY_AGENT = 363003
USER_LEE_LIGHT = 363004
USER_TAYLOR_LEAD = 363005
USER_ERIN_CUSTOMER = 363006

MEMBERSHIP_BASE = 364000


@dataclass(frozen=True)
class Role:
    id: int
    name: str
    description: str
    role_type: int


@dataclass(frozen=True)
class Group:
    id: int
    name: str
    description: str = ""
    is_default: bool = False
    deleted: bool = False


@dataclass(frozen=True)
class User:
    id: int
    name: str
    email_name: str
    role: str
    custom_role_id: int | None
    group_ids: tuple[int, ...]  # the first one is the default group

    def email(self, subdomain: str) -> str:
        return f"{self.email_name}@{subdomain}.example"


ROLES = (
    Role(ROLE_ADMINISTRATOR, "Administrator", "Manages the account and its settings", 4),
    Role(ROLE_AGENT, "Agent", "Solves tickets", 0),
    Role(ROLE_LIGHT_AGENT, "Light agent", "Adds private comments", 1),
    Role(ROLE_TEAM_LEAD, "Team lead", "Solves tickets and manages their team's views", 0),
    Role(ROLE_REVIEW_RESPONDER, "Review responder", "Answers Trustpilot reviews from tickets", 0),
)

_NAMED_GROUPS = (
    Group(GROUP_SUPPORT, "Support", "First line", is_default=True),
    Group(GROUP_REVIEWS_TEAM, "Reviews team", "Answers public reviews"),
    Group(GROUP_BILLING, "Billing", "Invoices and refunds"),
    Group(GROUP_ESCALATIONS, "Escalations", "Second line"),
    Group(GROUP_SOCIAL_MEDIA, "Social media", "Public channels"),
)


def groups() -> list[Group]:
    first_region = GROUP_SUPPORT + len(_NAMED_GROUPS)
    regions = [
        Group(group_id, f"Region {group_id - first_region + 1:03}", deleted=group_id in DELETED_GROUP_IDS)
        for group_id in range(first_region, GROUP_SUPPORT + GROUP_COUNT)
    ]
    return [*_NAMED_GROUPS, *regions]


def memberships() -> list[tuple[int, User, int, bool]]:
    """(membership id, user, group id, is the user's default group) for every seeded membership."""
    pairs = [(user, group_id, position == 0) for user in USERS for position, group_id in enumerate(user.group_ids)]
    return [(MEMBERSHIP_BASE + number, *pair) for number, pair in enumerate(pairs, start=1)]


ADMIN = User(USER_ADMIN, "Alex Admin", "admin", SandboxUser.Role.ADMIN, ROLE_ADMINISTRATOR, (GROUP_SUPPORT,))
USERS = (
    ADMIN,
    User(
        USER_RILEY_REVIEWER,
        "Riley Reviewer",
        "riley",
        SandboxUser.Role.AGENT,
        ROLE_REVIEW_RESPONDER,
        (GROUP_REVIEWS_TEAM,),
    ),
    User(USER_AVERY_AGENT, "Avery Agent", "avery", SandboxUser.Role.AGENT, ROLE_AGENT, (GROUP_SUPPORT,)),
    User(USER_LEE_LIGHT, "Lee Light", "lee", SandboxUser.Role.AGENT, ROLE_LIGHT_AGENT, (GROUP_SUPPORT,)),
    User(
        USER_TAYLOR_LEAD,
        "Taylor Lead",
        "taylor",
        SandboxUser.Role.AGENT,
        ROLE_TEAM_LEAD,
        (GROUP_REVIEWS_TEAM, GROUP_SUPPORT, GROUP_ESCALATIONS),
    ),
    User(USER_ERIN_CUSTOMER, "Erin Customer", "erin", SandboxUser.Role.END_USER, None, ()),
)
