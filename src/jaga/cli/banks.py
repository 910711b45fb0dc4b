"""`jaga banks ...`: hash banks from the command line (the default organisation unless --org)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from jaga.cli.common import EXIT_REJECTS, err, fail, out

if TYPE_CHECKING:
    from jaga.banks.model import BankEntry
    from jaga.store import Store

banks_app = typer.Typer(help="Hash banks of known content: MD5/SHA-256 and PDQ for media, canonical text; "
                        "allow-lists; ThreatExchange/HMA exchange.", no_args_is_help=True)
Org = Annotated[str, typer.Option("--org", help="The organisation whose banks these are.")]



def _store(org: str | None) -> Store:
    from jaga.store import DEFAULT_ORG, Store

    return Store().scoped(org or DEFAULT_ORG)


def _ensure_bank(store: Store, name: str, label: str | None, category: str | None, allow: bool | None) -> None:
    """Create the bank, or change what the options give of an existing one."""
    from jaga.banks.model import Bank
    from jaga.types import Category

    existing = store.bank(name)
    try:
        chosen = Category(category) if category else (existing.category if existing else None)
        bank = Bank(name=name, label=label or (existing.label if existing else name), category=chosen,
                    allow=allow if allow is not None else (existing.allow if existing else False),
                    enabled=existing.enabled if existing else True)
    except ValueError as error:
        raise fail(str(error)) from error
    if existing is None or bank != existing:
        store.save_bank(bank)


def _content_entries(bank: str, files: list[Path], hashes: list[str], texts: list[str],
                     content_id: str | None, note: str | None) -> list[BankEntry]:
    from jaga.banks.exchange import entry
    from jaga.banks.matcher import MediaError, read_media
    from jaga.banks.signals import SIGNAL_TYPES, ContentType

    entries = []
    for path in files:
        try:
            data = read_media(str(path))
        except MediaError as error:
            raise fail(str(error)) from error
        for kind in SIGNAL_TYPES.values():
            if kind.content_type in (ContentType.MEDIA, ContentType.PHOTO):
                signal = kind.from_bytes(data)
                if signal is not None:
                    entries.append(entry(bank, kind.name, signal, content_id or path.name, note))
                elif kind.name == "pdq":
                    err.print(f"[yellow]{path}[/]: no PDQ hash (not an image, or too flat to hash reliably)")
    try:
        for given in hashes:
            kind_name, _, signal = given.partition(":")
            entries.append(entry(bank, kind_name, signal, content_id, note))
        entries += [entry(bank, "text", text, content_id, note) for text in texts]
    except ValueError as error:
        raise fail(str(error)) from error
    return entries


@banks_app.command("add")
def add_command(
    bank: Annotated[str, typer.Argument(help="The bank's name (created if new).")],
    files: Annotated[list[Path] | None, typer.Argument(help="Media files to bank: MD5, SHA-256 and, for images, PDQ.")] = None,
    hashes: Annotated[list[str] | None, typer.Option("--hash", help="A signal to bank, TYPE:VALUE (md5:..., "
                                                     "sha256:..., pdq:...). Repeatable.")] = None,
    texts: Annotated[list[str] | None, typer.Option("--text", help="A text to bank (near-duplicates match). "
                                                    "Repeatable.")] = None,
    label: Annotated[str | None, typer.Option(help="What the bank holds, in words.")] = None,
    category: Annotated[str | None, typer.Option(help="Harm category of a block bank (e.g. sexual_exploitation).")] = None,
    allow: Annotated[bool | None, typer.Option("--allow/--block", help="An allow-list (negative bank) or a block bank.")] = None,
    content_id: Annotated[str | None, typer.Option(help="Your id of this content (kept with its entries).")] = None,
    note: Annotated[str | None, typer.Option(help="A note kept with the entries.")] = None,
    org: Org = "default",
) -> None:
    """Create or update a bank, and add content to it: files, hashes or texts."""
    store = _store(org)
    _ensure_bank(store, bank, label, category, allow)
    entries = _content_entries(bank, list(files or []), list(hashes or []), list(texts or []), content_id, note)
    added = store.add_bank_entries(entries) if entries else 0
    out.print(f"bank {bank}: {added} new entries ({len(entries) - added} already there)")


@banks_app.command("import")
def import_command(
    path: Annotated[Path, typer.Argument(help="A bank file: te (`<signal type> <signal>` lines), csv "
                                         "(hash,signal_type) or jsonl (Jaga's own).")],
    bank: Annotated[str | None, typer.Option(help="The bank the entries go to (required for te and csv).")] = None,
    file_format: Annotated[str | None, typer.Option("--format", help="te, csv or jsonl (default: from the file name).")] = None,
    signal_type: Annotated[str | None, typer.Option(help="The signal type of lines that name none.")] = None,
    label: Annotated[str | None, typer.Option()] = None,
    category: Annotated[str | None, typer.Option()] = None,
    allow: Annotated[bool | None, typer.Option("--allow/--block")] = None,
    org: Org = "default",
) -> None:
    """Load a bank file; lines that cannot be read are listed with their line number (exit 3)."""
    from jaga.banks.exchange import read_file

    store = _store(org)
    try:
        result = read_file(path, file_format, bank, signal_type)
    except (OSError, ValueError) as error:
        raise fail(str(error)) from error
    for name, described in result.banks.items():
        if store.bank(name) is None:
            store.save_bank(described)
    for name in sorted({item.bank for item in result.entries} | ({bank} if bank else set())):
        if bank is not None or store.bank(name) is None:
            _ensure_bank(store, name, label, category, allow)
    added = store.add_bank_entries(result.entries)
    out.print(f"{len(result.entries)} entries read, {added} new, {len(result.rejected)} rejected")
    for line, reason in result.rejected[:20]:
        err.print(f"  line {line}: {reason}")
    if result.rejected:
        raise typer.Exit(EXIT_REJECTS)


@banks_app.command("export")
def export_command(
    output: Annotated[str, typer.Argument(help="File to write ('-' for stdout).")],
    bank: Annotated[str | None, typer.Option(help="Only this bank (default: every bank; te and csv name none).")] = None,
    file_format: Annotated[str | None, typer.Option("--format", help="te, csv or jsonl (default: from the file name).")] = None,
    org: Org = "default",
) -> None:
    """Write banks in the ThreatExchange/HMA formats (te, csv) or Jaga's own (jsonl)."""
    from jaga.banks.exchange import format_of, write_entries

    store = _store(org)
    if bank is not None and store.bank(bank) is None:
        raise fail(f"no bank {bank!r}")
    try:
        form = format_of(Path(output), file_format)
    except ValueError as error:
        raise fail(str(error)) from error
    banks = {item.name: item for item in store.banks()}
    if output == "-":
        count = write_entries(sys.stdout, form, store.bank_entries(bank), banks)
    else:
        with open(output, "w", encoding="utf-8", newline="") as handle:
            count = write_entries(handle, form, store.bank_entries(bank), banks)
        out.print(f"{count} entries written to {output} ({form})")


@banks_app.command("match")
def match_command(
    files: Annotated[list[str] | None, typer.Argument(help="Media files (paths or file:// URLs).")] = None,
    hashes: Annotated[list[str] | None, typer.Option("--hash", help="TYPE:VALUE, as a post's media may carry.")] = None,
    text: Annotated[str | None, typer.Option(help="A text to match.")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    org: Org = "default",
) -> None:
    """Which enabled banks hold this content (after allow-lists)."""
    from jaga.banks.matcher import BankMatcher, MediaError

    media = list(files or []) + list(hashes or [])
    if not media and text is None:
        raise fail("give media files, --hash or --text")
    try:
        matches = BankMatcher(_store(org)).match(text, media)
    except MediaError as error:
        raise fail(str(error)) from error
    if as_json:
        typer.echo(json.dumps([match.to_json() for match in matches], ensure_ascii=False, indent=2))
        return
    table = Table(title=f"{len(matches)} match(es)")
    for column in ("content", "bank", "category", "signal type", "distance", "content id"):
        table.add_column(column)
    for match in matches:
        table.add_row(match.content, match.bank, match.category.value, match.signal_type, str(match.distance),
                      match.content_id or "")
    out.print(table)


@banks_app.command("list")
def list_command(org: Org = "default") -> None:
    """The organisation's banks with their entries."""
    store = _store(org)
    sizes = store.bank_sizes()
    table = Table(title="banks")
    for column in ("name", "label", "category", "kind", "state", "entries"):
        table.add_column(column)
    for bank in store.banks():
        table.add_row(bank.name, bank.label, bank.category.value if bank.category else "", "allow" if bank.allow
                      else "block", "enabled" if bank.enabled else "disabled", str(sizes.get(bank.name, 0)))
    out.print(table)


def _set_enabled(name: str, enabled: bool, org: str) -> None:
    from jaga.store import NotFound

    try:
        _store(org).set_bank_enabled(name, enabled)
    except NotFound as error:
        raise fail(str(error)) from error
    out.print(f"bank {name} {'enabled' if enabled else 'disabled'}")


@banks_app.command("enable")
def enable_command(name: str, org: Org = "default") -> None:
    """Match against this bank again."""
    _set_enabled(name, True, org)


@banks_app.command("disable")
def disable_command(name: str, org: Org = "default") -> None:
    """Stop matching against this bank (its entries are kept)."""
    _set_enabled(name, False, org)


@banks_app.command("remove")
def remove_command(name: str, org: Org = "default") -> None:
    """Delete a bank and its entries."""
    from jaga.store import NotFound

    try:
        removed = _store(org).delete_bank(name)
    except NotFound as error:
        raise fail(str(error)) from error
    out.print(f"bank {name} removed with {removed} entries")
