"""`jaga exchange ...`: signed bundles between organisations from the command line (the default
organisation unless --org). The lead mounts it with `app.add_typer(exchange_app, name="exchange")`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from jaga.cli.common import EXIT_REJECTS, err, fail, out, read_text

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from jaga.exchange.indicators import CampaignIndicator
    from jaga.store import Store

exchange_app = typer.Typer(help="Exchange between members: signed bundles of fact-checks, hash-bank entries and "
                           "campaign indicators, imported only from allow-listed partners.", no_args_is_help=True)
partners_app = typer.Typer(help="The partners whose bundles this organisation imports.", no_args_is_help=True)
exchange_app.add_typer(partners_app, name="partners")

Org = Annotated[str, typer.Option("--org", help="The organisation (tenant) to act for.")]
KeyFile = Annotated[Path | None, typer.Option("--key", help="The private signing key (default: the organisation's "
                                              "in $JAGA_EXCHANGE_KEY_DIR or Jaga's home).")]


def _store(org: str) -> Store:
    from jaga.store import Store

    return Store().scoped(org)


def _key_path(org: str, key: Path | None) -> Path:
    from jaga.exchange.bundle import key_path

    try:
        return key or key_path(org)
    except ValueError as error:
        raise fail(str(error)) from error


@exchange_app.command("keygen")
def keygen_command(org: Org = "default", key: KeyFile = None) -> None:
    """Make the organisation's signing key (once; an existing key is kept) and print its public key,
    the PEM to give partners."""
    from jaga.exchange.bundle import generate_key, public_pem
    from jaga.store.checkpoints import key_id

    path = _key_path(org, key)
    try:
        private, made = generate_key(path)
    except (OSError, ValueError) as error:
        raise fail(escape(str(error))) from error
    err.print(f"{'made' if made else 'kept the existing'} key {escape(str(path))} (key id {key_id(private.public_key())})")
    typer.echo(public_pem(private), nl=False)  # the PEM exactly, never restyled or wrapped


def _load_key(org: str, key: Path | None) -> Ed25519PrivateKey:
    from jaga.exchange.bundle import load_private_key

    try:
        return load_private_key(_key_path(org, key))
    except ValueError as error:
        raise fail(escape(str(error))) from error


def _indicators(path: Path) -> list[CampaignIndicator]:
    """Indicators from a JSON list or JSON lines; any bad one fails the export, naming its place."""
    from pydantic import ValidationError

    from jaga.exchange.indicators import CampaignIndicator

    text = read_text(path)
    try:
        values = json.loads(text) if text.lstrip().startswith("[") else [
            json.loads(line) for line in text.splitlines() if line.strip()]
    except json.JSONDecodeError as error:
        raise fail(f"{escape(str(path))} is neither a JSON list nor JSON lines: {error.msg} "
                   f"(line {error.lineno})") from error
    indicators = []
    for number, value in enumerate(values, 1):
        try:
            indicators.append(CampaignIndicator.model_validate(value))
        except ValidationError as error:
            problem = error.errors()[0]
            raise fail(f"{escape(str(path))}: indicator {number}: {'.'.join(map(str, problem['loc']))} "
                       f"{escape(problem['msg'])}") from error
    return indicators


@exchange_app.command("export")
def export_command(
    output: Annotated[Path, typer.Option("-o", "--output", help="The bundle file to write.")],
    kinds: Annotated[str, typer.Option(help="What to share: fact-checks, banks, campaigns (comma-separated).")] =
    "fact-checks,banks,campaigns",
    licence: Annotated[str, typer.Option(help="The SPDX licence your own items are shared under "
                                         "(e.g. CC-BY-4.0); received items keep theirs.")] = "CC-BY-4.0",
    campaigns: Annotated[Path | None, typer.Option(help="Campaign indicators to share (JSON list or JSON "
                                                   "lines); shared indicators are kept and sent again.")] = None,
    banks: Annotated[list[str] | None, typer.Option("--bank", help="Share only these banks (repeatable).")] = None,
    org: Org = "default",
    key: KeyFile = None,
) -> None:
    """Sign the organisation's items into a bundle for its partners."""
    from pydantic import ValidationError

    from jaga.exchange.bundle import parse_kinds
    from jaga.exchange.transfer import export_bundle

    try:
        chosen = parse_kinds(kinds)
    except ValueError as error:
        raise fail(str(error)) from error
    signing = _load_key(org, key)
    indicators = _indicators(campaigns) if campaigns else []
    try:
        result = export_bundle(_store(org), chosen, licence, signing, indicators, banks)
    except (ValidationError, ValueError) as error:
        raise fail(escape(str(error))) from error
    try:
        output.write_text(json.dumps(result.document, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    except OSError as error:
        raise fail(escape(str(error))) from error
    summary = ", ".join(f"{count} {kind}" for kind, count in sorted(result.counts.items())) or "no items"
    err.print(f"signed {summary} into {escape(str(output))}")


@exchange_app.command("import")
def import_command(
    path: Annotated[Path, typer.Argument(help="A bundle from a partner.")],
    org: Org = "default",
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Verify a partner's bundle and add its items; rejected items are listed (exit 3), a bundle
    that cannot be trusted is refused whole (exit 1)."""
    from jaga.exchange.bundle import BundleError
    from jaga.exchange.transfer import import_bundle

    try:
        document = json.loads(read_text(path))
    except json.JSONDecodeError as error:
        raise fail(f"{escape(str(path))} is not JSON: {error.msg} (line {error.lineno})") from error
    try:
        report = import_bundle(_store(org), document)
    except BundleError as error:
        raise fail(f"bundle refused ({error.code}): {escape(str(error))}") from error
    if as_json:
        out.print_json(json.dumps(report.to_json(), ensure_ascii=False))
    else:
        added = ", ".join(f"{n} {kind}" for kind, n in sorted(report.added.items())) or "nothing"
        updated = sum(report.updated.values())
        err.print(f"from {report.issuer}: added {added}; {updated} updated, {report.unchanged} unchanged, "
                  f"{len(report.rejected)} rejected")
        for rejection in report.rejected:
            where = f"item {rejection.index}" if rejection.index is not None else "manifest"
            err.print(f"  {where} {escape(str(rejection.kind))} {escape(str(rejection.id))}: {escape(rejection.reason)}")
    if report.rejected:
        raise typer.Exit(EXIT_REJECTS)


@partners_app.command("add")
def partners_add(
    name: Annotated[str, typer.Argument(help="The partner organisation, as it signs its bundles.")],
    public_key: Annotated[Path, typer.Option("--public-key", help="The partner's Ed25519 public key (PEM file, "
                                             "what its `jaga exchange keygen` printed).")],
    kinds: Annotated[str, typer.Option(help="What to accept from it: fact-checks, banks, campaigns.")] =
    "fact-checks,banks,campaigns",
    org: Org = "default",
) -> None:
    """Accept the partner's bundles (or replace its key and kinds)."""
    from jaga.exchange.transfer import new_partner

    try:
        partner = new_partner(name, read_text(public_key), kinds)
    except ValueError as error:
        raise fail(escape(str(error))) from error
    _store(org).save_partner(partner)
    err.print(f"partner {name}: key {partner.key_id[:16]}…, accepts {', '.join(partner.kinds)}")


@partners_app.command("list")
def partners_list(org: Org = "default",
                  as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    partners = _store(org).partners()
    if as_json:
        out.print_json(json.dumps([partner.to_json() for partner in partners]))
        return
    table = Table("partner", "key id", "accepts", "since")
    for partner in partners:
        table.add_row(partner.name, partner.key_id[:16] + "…", ", ".join(partner.kinds),
                      partner.added_at.isoformat() if partner.added_at else "")
    out.print(table)


@partners_app.command("remove")
def partners_remove(name: str, org: Org = "default") -> None:
    """Stop accepting the partner's bundles (what came from it stays, with its provenance)."""
    if not _store(org).remove_partner(name):
        raise fail(f"no partner {escape(name)!r}")
    err.print(f"partner {escape(name)} removed")
