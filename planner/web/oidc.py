"""Office login through the kommune's identity provider: OpenID Connect (`planner serve --oidc
FILE`), beside or instead of the users file.

The kommune's staff already sign in to Entra ID (or ID-porten); an office server should not hold
a second set of passwords for them. planner is an OIDC *client* (authorization code flow with
PKCE and a nonce, the ID token's signature, issuer, audience and expiry checked by authlib), and
takes from the ID token:

- the user name, from `user_claim` (Entra ID: `preferred_username`);
- the role, from `role_claim` (Entra ID app roles: `roles`): `admin` when one of `admin_values`
  is there, else `saksbehandler`;
- or, when the provider gives no usable name or roles (ID-porten gives `pid`, a fødselsnummer),
  both from a `[users]` table keyed by the SHA-256 of the claim (`hash_user_claim = true`), so
  neither the configuration nor the database nor a log ever holds the fødselsnummer.

The file (TOML; see docs/admin/login.md for Entra ID and ID-porten):

    issuer = "https://login.microsoftonline.com/<tenant>/v2.0"
    client_id = "…"
    client_secret_env = "PLANNER_OIDC_SECRET"    # the secret is read from this variable
    label = "Oslo kommunes innlogging"
    user_claim = "preferred_username"
    role_claim = "roles"
    admin_values = ["planner.admin"]
    office_claim = "department"                   # optional: cases seen per office (bydel)
"""

from __future__ import annotations

import hashlib
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .auth import ADMIN, CASEWORKER, OFFICE, ROLES, USER_NAME


class OidcConfigError(ValueError):
    pass


@dataclass(frozen=True)
class OidcConfig:
    issuer: str
    client_id: str
    client_secret: str = field(repr=False)
    label: str = "kommunens innlogging"
    scope: str = "openid profile email"
    user_claim: str = "preferred_username"
    hash_user_claim: bool = False
    role_claim: str = "roles"
    admin_values: tuple[str, ...] = ()
    #: the claim that names the user's office (bydel), e.g. Entra ID's `department`; none: every
    #: user sees every case (unless `[users]` names an office)
    office_claim: str | None = None
    #: claim value (its SHA-256 with `hash_user_claim`) -> (user name, role, office); empty:
    #: anyone the provider signs in, with the role from `role_claim`
    users: dict[str, tuple[str, str, str | None]] = field(default_factory=dict)

    @property
    def metadata_url(self) -> str:
        return self.issuer.rstrip("/") + "/.well-known/openid-configuration"


_KEYS = {"issuer", "client_id", "client_secret", "client_secret_env", "label", "scope", "user_claim",
         "hash_user_claim", "role_claim", "admin_values", "office_claim", "users"}


def _text(path: Path, data: dict, key: str, default: str | None = None) -> str:
    value = data.get(key, default)
    if not isinstance(value, str) or not value.strip():
        raise OidcConfigError(f"{path}: {key}: expected a text" + ("" if default is None else f" (default {default!r})"))
    return value.strip()


def _secret(path: Path, data: dict) -> str:
    if "client_secret_env" in data:
        name = _text(path, data, "client_secret_env")
        value = os.environ.get(name, "")
        if not value:
            raise OidcConfigError(f"{path}: client_secret_env: the environment variable {name} is not set")
        return value
    if "client_secret" in data:
        return _text(path, data, "client_secret")
    raise OidcConfigError(f"{path}: client_secret_env: name the environment variable that holds the client secret")


def _users(path: Path, data: dict) -> dict[str, tuple[str, str, str | None]]:
    table = data.get("users", {})
    if not isinstance(table, dict):
        raise OidcConfigError(f"{path}: users: expected a table of claim value = \"name[:role[:office]]\"")
    users: dict[str, tuple[str, str, str | None]] = {}
    for key, value in table.items():
        name, _, rest = str(value).partition(":")
        role, _, office = rest.partition(":")
        if not isinstance(value, str) or not USER_NAME.match(name) or role not in ("", *ROLES) \
                or (office and not OFFICE.match(office.strip())):
            raise OidcConfigError(f"{path}: users.{key}: expected \"name\", \"name:role\" or \"name:role:office\" "
                                  f"(role: {' or '.join(ROLES)})")
        users[key] = (name, role or CASEWORKER, office.strip() or None)
    return users


def read_oidc_config(path: str | Path) -> OidcConfig:
    """The provider's settings; a missing file, unknown key or wrong value is refused with the
    file and key (the server does not start)."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise OidcConfigError(f"{path}: file not found") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise OidcConfigError(f"{path}: not a TOML file ({exc})") from None
    unknown = sorted(set(data) - _KEYS)
    if unknown:
        raise OidcConfigError(f"{path}: {unknown[0]}: unknown key (known: {', '.join(sorted(_KEYS))})")
    issuer = _text(path, data, "issuer")
    parts = urlsplit(issuer)
    if parts.scheme != "https" and not (parts.scheme == "http" and parts.hostname in ("127.0.0.1", "localhost", "::1")):
        raise OidcConfigError(f"{path}: issuer: expected an https:// address (http only on this machine, for tests)")
    admin_values = data.get("admin_values", [])
    if not isinstance(admin_values, list) or not all(isinstance(v, str) for v in admin_values):
        raise OidcConfigError(f"{path}: admin_values: expected a list of texts")
    hashed = data.get("hash_user_claim", False)
    if not isinstance(hashed, bool):
        raise OidcConfigError(f"{path}: hash_user_claim: expected true or false")
    users = _users(path, data)
    if hashed and not users:
        raise OidcConfigError(f"{path}: users: hash_user_claim needs a [users] table (sha256 of the claim = \"name\")")
    return OidcConfig(issuer=issuer, client_id=_text(path, data, "client_id"), client_secret=_secret(path, data),
                      label=_text(path, data, "label", OidcConfig.label),
                      scope=_text(path, data, "scope", OidcConfig.scope),
                      user_claim=_text(path, data, "user_claim", OidcConfig.user_claim), hash_user_claim=hashed,
                      role_claim=_text(path, data, "role_claim", OidcConfig.role_claim),
                      admin_values=tuple(admin_values),
                      office_claim=_text(path, data, "office_claim") if "office_claim" in data else None, users=users)


def claim_key(value: str) -> str:
    """The key of a hashed claim in `[users]`: `printf %s VALUE | sha256sum`."""
    return hashlib.sha256(value.encode()).hexdigest()


def identify(config: OidcConfig, claims: dict[str, Any]) -> tuple[str, str, str | None] | None:
    """(user name, role, office) for the ID token's claims, or None when this person may not
    sign in (no usable name, or not in `[users]` when the table is given)."""
    value = claims.get(config.user_claim)
    if not isinstance(value, str) or not value:
        return None
    if config.users:
        return config.users.get(claim_key(value) if config.hash_user_claim else value)
    if not USER_NAME.match(value):
        return None
    roles = claims.get(config.role_claim, [])
    roles = [roles] if isinstance(roles, str) else roles if isinstance(roles, list) else []
    role = ADMIN if set(roles) & set(config.admin_values) else CASEWORKER
    office = claims.get(config.office_claim) if config.office_claim else None
    office = office.strip() if isinstance(office, str) and OFFICE.match(office.strip()) else None
    if config.office_claim and office is None and role != ADMIN:
        return None  # offices are in use and the provider names none: a caseworker would see every office
    return value, role, office
