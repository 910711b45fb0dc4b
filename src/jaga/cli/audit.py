"""`jaga audit ...`: verify, checkpoint and adopt rows into the hash-chained audit log."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from jaga.cli.common import EXIT_ERROR, err, fail, out, read_text

audit_app = typer.Typer(help="The hash-chained audit log.", no_args_is_help=True)


@audit_app.command("verify")
def audit_verify(
    checkpoint: Annotated[Path | None, typer.Option(
        "--checkpoint", help="A file from `jaga audit checkpoint`: also prove the log still begins with the rows it "
        "signed (detects rows deleted from the end, or a tail recomputed after an edit).")] = None,
    public_key: Annotated[Path | None, typer.Option(
        "--public-key", help="The signer's public key (PEM, from `jaga audit public-key`), kept apart from this "
        "machine; default: this machine's audit key.")] = None,
) -> None:
    """Walk the whole chain and check every decision and key row against it; exit 1 and list the
    problems if a row was changed, deleted or malformed, or the log no longer matches the checkpoint."""
    from rich.markup import escape

    from jaga.store import Store
    from jaga.store.checkpoints import Checkpoint, CheckpointError, load_public_key, signing_key

    problems: list[str] = []
    pinned = None
    if checkpoint is not None:
        try:
            pinned = Checkpoint.from_json(read_text(checkpoint), str(checkpoint))
            key = (load_public_key(read_text(public_key).encode(), str(public_key)) if public_key is not None
                   else signing_key(create=False).public_key())
        except CheckpointError as error:
            raise fail(escape(str(error))) from error
        problems += pinned.signature_problems(key)
    problems += Store().verify_audit(None if problems else pinned)  # an unsigned prefix proves nothing
    for line in problems:
        err.print(f"[red]{escape(line)}[/]")
    if problems:
        raise typer.Exit(EXIT_ERROR)
    out.print("audit log intact" + (f"; it begins with the {pinned.length} rows signed at {pinned.at}"
                                    if pinned is not None else ""))


@audit_app.command("checkpoint")
def audit_checkpoint(
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write it here (default: stdout).")] = None,
) -> None:
    """Sign the chain's tip (row count, last sequence number, hash) with this machine's audit key
    (JAGA_AUDIT_KEY_FILE, else made in Jaga's home). Keep the file where this database's writers
    can't reach it; `jaga audit verify --checkpoint FILE` later shows rows deleted or rewritten
    before that point. Refuses to sign a log that does not verify."""
    from rich.markup import escape

    from jaga.store import Store
    from jaga.store.checkpoints import Checkpoint, CheckpointError, signing_key

    store = Store()
    seq, length, tip = store.audit_tip()
    problems = store.verify_audit(Checkpoint(seq=seq, length=length, hash=tip, at="now", key_id=""))
    for line in problems:
        err.print(f"[red]{escape(line)}[/]")
    if problems:
        raise fail("the audit log does not verify; not signing it")
    try:
        signed = Checkpoint.sign(seq, length, tip, signing_key())
    except CheckpointError as error:
        raise fail(escape(str(error))) from error
    if output is None:
        typer.echo(signed.to_json(), nl=False)
    else:
        output.write_text(signed.to_json(), encoding="utf-8")
        err.print(f"checkpoint of {length} rows (up to seq {seq}) written to {output}")


@audit_app.command("public-key")
def audit_public_key(
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write it here (default: stdout).")] = None,
) -> None:
    """The audit key's public half (PEM), for whoever verifies checkpoints elsewhere."""
    from rich.markup import escape

    from jaga.store.checkpoints import CheckpointError, public_key_pem, signing_key

    try:
        pem = public_key_pem(signing_key()).decode("ascii")
    except CheckpointError as error:
        raise fail(escape(str(error))) from error
    if output is None:
        typer.echo(pem, nl=False)
    else:
        output.write_text(pem, encoding="ascii")


@audit_app.command("adopt")
def audit_adopt() -> None:
    """Once, after upgrading from a Jaga that did not seal decisions and keys in the chain: record
    the rows the chain does not know yet. Rows that differ from what the chain recorded stay findings."""
    from rich.markup import escape

    from jaga.store import Store

    try:
        counts = Store().adopt_unsealed()
    except ValueError as error:
        raise fail(escape(str(error))) from error
    out.print(f"adopted {counts['decisions']} decisions and {counts['keys']} keys into the audit chain")
