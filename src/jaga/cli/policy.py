"""`jaga policy ...`: validate, explain, compare, test and export jurisdiction policies."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from jaga.cli.common import EXIT_ERROR, fail, out

policy_app = typer.Typer(help="Jurisdiction policies: validate, explain, compare and test them.", no_args_is_help=True)


PolicyDirOption = Annotated[Path | None, typer.Option("--policies", help="Directory of policy files "
                                                       "(default: the bundled ones).")]


def _engine(directory: Path | None) -> object:
    from jaga.policy import PolicyEngine, PolicyError

    try:
        return PolicyEngine(directory)
    except PolicyError as error:
        raise fail(str(error)) from error


@policy_app.command("validate")
def policy_validate(policies: PolicyDirOption = None) -> None:
    """Load every policy file; report the first problem with its file and line."""
    from jaga.policy import PolicyEngine

    engine = _engine(policies)
    assert isinstance(engine, PolicyEngine)
    table = Table(title="policies")
    for column in ("jurisdiction", "version", "effective", "instruments", "rules", "appeal path"):
        table.add_column(column)
    for code, loaded in sorted(engine.policies.items()):
        policy = loaded.policy
        table.add_row(code, loaded.version, str(policy.effective), str(len(policy.instruments)), str(len(loaded.rules)),
                      " > ".join(policy.appeal_path))
    out.print(table)
    out.print(f"{len(engine.policies)} policies valid")


@policy_app.command("explain")
def policy_explain(
    post: Annotated[str, typer.Argument(help="A post as JSON, or a path to a JSON file.")],
    jurisdiction: Annotated[str | None, typer.Option(help="Default: the post's country, else ASEAN.")] = None,
    policies: PolicyDirOption = None,
) -> None:
    """Moderate one post and print the decision with its full statement of reasons."""
    from pydantic import ValidationError

    from jaga.ingest.readers import describe_validation_error
    from jaga.pipeline import Moderator
    from jaga.policy import PolicyEngine
    from jaga.types import Post

    engine = _engine(policies)
    assert isinstance(engine, PolicyEngine)
    text = Path(post).read_text(encoding="utf-8") if Path(post).is_file() else post
    try:
        parsed = Post.model_validate_json(text)
    except ValidationError as error:
        raise fail(describe_validation_error(error)) from error
    decision = Moderator(policy=engine).moderate(parsed, jurisdiction)
    out.print_json(json.dumps(decision.to_json_dict(), ensure_ascii=False))


@policy_app.command("diff")
def policy_diff(a: str, b: str, policies: PolicyDirOption = None) -> None:
    """What differs between two jurisdictions, category by category."""
    from jaga.policy import PolicyEngine

    engine = _engine(policies)
    assert isinstance(engine, PolicyEngine)
    left, right = engine.policy_for(a).policy, engine.policy_for(b).policy
    table = Table(title=f"{left.jurisdiction} vs {right.jurisdiction}")
    for column in ("category", "field", left.jurisdiction, right.jurisdiction):
        table.add_column(column)
    for category in sorted(set(left.categories) | set(right.categories)):
        one, two = left.categories.get(category), right.categories.get(category)
        for field in ("thresholds", "legal_basis", "deadline", "urgent_deadline", "extra_actions", "rules"):
            first = getattr(one, field, None) if one else None
            second = getattr(two, field, None) if two else None
            if first != second:
                table.add_row(category.value, field, _show(first), _show(second))
    for field in ("notices", "appeal_path", "safeguards"):
        if getattr(left, field) != getattr(right, field):
            table.add_row("-", field, _show(getattr(left, field)), _show(getattr(right, field)))
    out.print(table)


def _show(value: object) -> str:
    if value is None:
        return "-"
    if hasattr(value, "model_dump"):
        return json.dumps(value.model_dump(mode="json", exclude_none=True), ensure_ascii=False)  # type: ignore[attr-defined]
    if isinstance(value, list):
        return ", ".join(_show(item) for item in value) or "-"
    return str(value)


@policy_app.command("test")
def policy_test(
    cases: Annotated[Path | None, typer.Argument(help="A case file or a folder of them; default: the bundled "
                                                "case file of every jurisdiction.")] = None,
    policies: PolicyDirOption = None,
) -> None:
    """Run policy cases: each gives a post, its signals and the outcome the law's terms lead to."""
    from jaga.policy import PolicyEngine
    from jaga.policy.cases import BUNDLED_CASES, run_cases

    engine = _engine(policies)
    assert isinstance(engine, PolicyEngine)
    try:
        outcomes = run_cases(engine, cases or BUNDLED_CASES)
    except (OSError, ValueError) as error:
        raise fail(str(error)) from error
    failures = 0
    for outcome in outcomes:
        label = f"{outcome.source.stem}: {outcome.name}"
        if outcome.problems:
            failures += 1
            out.print(f"[red]FAIL[/] {label}: {'; '.join(outcome.problems)}")
        else:
            out.print(f"[green]ok[/]   {label}")
    out.print(f"{len(outcomes) - failures} passed, {failures} failed")
    if failures:
        raise typer.Exit(EXIT_ERROR)


@policy_app.command("export-dsa")
def policy_export_dsa(
    territorial_scope: Annotated[str, typer.Option(help="EU/EEA country codes the restriction applies in, "
                                                   "comma-separated (the database accepts only these).")],
    decisions: Annotated[Path | None, typer.Argument(help="Decisions JSONL (the output of jaga scan); "
                                                     "omit with --from-store.")] = None,
    from_store: Annotated[bool, typer.Option("--from-store", help="Read the decisions stored in the database "
                                             "(their current statements), a page at a time.")] = False,
    org: Annotated[str, typer.Option("--org", help="Organisation whose decisions to export (--from-store).")] = "default",
    since: Annotated[datetime | None, typer.Option(formats=["%Y-%m-%d"], help="First day (UTC) of decisions "
                                                   "to export (--from-store).")] = None,
    until: Annotated[datetime | None, typer.Option(formats=["%Y-%m-%d"], help="Last day (UTC), included "
                                                   "(--from-store).")] = None,
    output: Annotated[Path, typer.Option("--output", "-o")] = Path("dsa_statements.jsonl"),
) -> None:
    """Export final decisions as DSA Transparency Database statements: one line per request to the
    database's batch endpoint ({"statements": [...]}, at most 100 each)."""
    from jaga.policy.dsa import BATCH_SIZE, NotExportable, to_dsa_statement

    scope = [code.strip() for code in territorial_scope.split(",") if code.strip()]
    if from_store == (decisions is not None):
        raise fail("give either a decisions file or --from-store")
    written = skipped = 0
    try:
        with output.open("w", encoding="utf-8") as handle:
            if from_store:
                from jaga.store import Store
                from jaga.store.dsa_export import DsaExport

                with Store(org=org) as store:
                    export = DsaExport(store, scope, since.date() if since else None, until.date() if until else None)
                    for chunk in export:
                        handle.write(json.dumps({"statements": chunk}, ensure_ascii=False) + "\n")
                    written, skipped = export.written, export.skipped
            else:
                from jaga.types import Decision

                assert decisions is not None
                batch: list[dict[str, Any]] = []
                with decisions.open(encoding="utf-8") as lines:
                    for line in lines:
                        try:
                            batch.append(to_dsa_statement(Decision.model_validate_json(line), scope))
                        except NotExportable as error:
                            if "territorial_scope" in str(error):
                                raise
                            skipped += 1
                            continue
                        written += 1
                        if len(batch) == BATCH_SIZE:
                            handle.write(json.dumps({"statements": batch}, ensure_ascii=False) + "\n")
                            batch = []
                if batch:
                    handle.write(json.dumps({"statements": batch}, ensure_ascii=False) + "\n")
    except NotExportable as error:
        output.unlink(missing_ok=True)  # half an export must not be mistaken for one
        raise fail(str(error)) from error
    out.print(f"{written} statements written to {output} in batches of up to {BATCH_SIZE}; {skipped} decisions "
              "not exportable (allowed, or pending human review)")
