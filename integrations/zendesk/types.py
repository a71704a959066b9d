"""What TrustDesk reads from Zendesk's REST API, parsed into plain values."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ApiToken:
    """API token authentication: an agent's email and a token (Admin Center > Apps and integrations > APIs)."""

    email: str
    token: str = field(repr=False)  # never in a log line or a traceback


@dataclass(frozen=True)
class Named:
    """A custom role or a group: what the admin chooses from."""

    id: int
    name: str

    def as_json(self) -> dict[str, int | str]:
        return {"id": self.id, "name": self.name}


@dataclass(frozen=True)
class Installation:
    id: int
    app_id: int | None
    enabled: bool
    role_ids: list[int] | None
    group_ids: list[int] | None


@dataclass(frozen=True)
class Agent:
    id: int
    name: str
    role: str  # "admin", "agent" or "end-user"
    custom_role_id: int | None


@dataclass(frozen=True)
class Comment:
    id: int
    author_id: int
    body: str
    public: bool
