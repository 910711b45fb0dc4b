"""`jaga keys ...`: API keys for the HTTP service."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from jaga.cli.common import OrgOption, err, fail, out

keys_app = typer.Typer(help="API keys for the HTTP service: one organisation, one role, optional jurisdictions.",
                       no_args_is_help=True)


@keys_app.command("create")
def keys_create(
    name: Annotated[str, typer.Argument(help="Who or what uses the key, e.g. 'acme-platform'.")],
    org: OrgOption,
    role: Annotated[str, typer.Option(help="platform, reviewer, regulator, admin or auditor.")],
    jurisdiction: Annotated[list[str] | None, typer.Option(help="Limit to these jurisdictions (repeat); "
                                                           "default: all.")] = None,
) -> None:
    """Create a key and print its token once (only a hash is stored)."""
    from jaga.store import Role, Store

    try:
        chosen = Role(role)
    except ValueError as error:
        raise fail(f"unknown role {role!r}; one of {', '.join(r.value for r in Role)}") from error
    key, token = Store(org=org).create_key(name, chosen, jurisdiction)
    err.print(f"key {key.id} for {key.org} ({key.role.value}"
              + (f", {', '.join(key.jurisdictions)}" if key.jurisdictions else ", all jurisdictions") + ")")
    typer.echo(token)


@keys_app.command("list")
def keys_list(org: OrgOption) -> None:
    """The organisation's keys (never their secrets)."""
    from jaga.store import Store

    table = Table()
    for column in ("id", "name", "role", "jurisdictions", "created", "revoked"):
        table.add_column(column)
    for key, created, revoked in Store(org=org).api_keys():
        table.add_row(key.id, key.name, key.role.value, ", ".join(key.jurisdictions) or "all",
                      created.isoformat(timespec="seconds"), revoked.isoformat(timespec="seconds") if revoked else "")
    out.print(table)


@keys_app.command("revoke")
def keys_revoke(key_id: str, org: OrgOption) -> None:
    """Revoke a key at once."""
    from jaga.store import Store

    if not Store(org=org).revoke_key(key_id):
        raise fail(f"no active key {key_id} in {org}")
    out.print(f"revoked {key_id}")
