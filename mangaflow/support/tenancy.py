"""Tenants and roles. Every support record, blob and vector is scoped by a tenant id; a caller
is a :class:`Principal` (tenant, user, roles) taken from its token: Cognito groups on AWS
(``tenant:<id>`` and ``role:<admin|agent|customer>``), claims of a local token offline. Services
take a principal and check it with :func:`require`; keys are built with :func:`scoped`, the one
place a tenant id enters a key, so no code path can forget it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from mangaflow.platform.errors import MangaFlowError, ValidationError

Role = Literal["admin", "agent", "customer"]
ROLES: tuple[Role, ...] = ("admin", "agent", "customer")
_TENANT = re.compile(r"^[a-z0-9][a-z0-9-]{1,39}$")


class Forbidden(MangaFlowError):
    """The caller's role may not do this (HTTP 403). Records of another tenant are not
    forbidden but absent: reading them raises ``NotFound``."""

    code = "forbidden"


def check_tenant_id(tenant_id: str) -> str:
    if not isinstance(tenant_id, str) or not _TENANT.match(tenant_id):
        raise ValidationError(
            f"invalid tenant id {tenant_id!r}",
            details=[{"field": "tenant_id", "message": "2-40 lowercase letters, digits, dashes"}],
        )
    return tenant_id


@dataclass(frozen=True)
class Principal:
    """Who is calling: a user of one tenant with some roles."""

    tenant_id: str
    user_id: str
    roles: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        check_tenant_id(self.tenant_id)
        unknown = set(self.roles) - set(ROLES)
        if unknown:
            raise ValidationError(f"unknown role(s) {sorted(unknown)}",
                                  details=[{"field": "roles", "message": f"one of {ROLES}"}])  # fmt: skip

    def has(self, role: Role) -> bool:
        """Admins may do what agents may; agents what customers may."""
        rank = {"customer": 0, "agent": 1, "admin": 2}
        return any(rank[r] >= rank[role] for r in self.roles)


def require(principal: Principal, role: Role, what: str) -> None:
    if not principal.has(role):
        raise Forbidden(f"{what} needs the {role} role (you have: "
                        f"{', '.join(sorted(principal.roles)) or 'none'})")  # fmt: skip


def scoped(tenant_id: str, *parts: str) -> str:
    """``TENANT#<id>#part#part``: the partition/prefix of a tenant's records, blobs, vectors."""
    return "#".join(("TENANT", check_tenant_id(tenant_id), *parts))


def blob_prefix(tenant_id: str) -> str:
    """Where a tenant's files live in the blob store (an IAM prefix condition on AWS)."""
    return f"support/tenants/{check_tenant_id(tenant_id)}/"


def from_claims(claims: dict[str, object], user_id: str) -> Principal:
    """A principal from token claims: ``custom:tenant``/``tenant`` and ``cognito:groups`` /
    ``roles`` (``tenant:<id>`` and ``role:<name>`` groups are understood too)."""
    raw = claims.get("cognito:groups") or claims.get("roles") or []
    groups = [str(g) for g in raw] if isinstance(raw, list | tuple) else [str(raw)]
    tenant = str(claims.get("custom:tenant") or claims.get("tenant") or "")
    tenants = {g.split(":", 1)[1] for g in groups if g.startswith("tenant:")}
    if len(tenants | ({tenant} if tenant else set())) > 1:
        # Roles are groups of the whole pool: with two tenants they would apply to both.
        raise ValidationError("the token names more than one tenant",
                              details=[{"field": "tenant", "message": "one tenant per user; "
                                        "use a separate user per tenant"}])  # fmt: skip
    tenant = tenant or next(iter(tenants), "")
    roles = {g.split(":", 1)[1] if g.startswith("role:") else g for g in groups
             if not g.startswith("tenant:")}  # fmt: skip
    if not tenant:
        raise ValidationError("the token names no tenant",
                              details=[{"field": "tenant", "message": "a tenant claim or a "
                                        "tenant:<id> group is required"}])  # fmt: skip
    return Principal(tenant, user_id, frozenset(r for r in roles if r in ROLES))
