"""`jaga eval`: functional suites, the held-back corpus split, claim retrieval and the harm suites."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from jaga.cli.common import fail, out


def evaluate(
    suite: Annotated[Path, typer.Argument(help="HateCheck-format CSV (text, label, functionality, target, "
                                          "language); `corpus` for the held-back test split of Jaga's functional "
                                          "corpus (11 languages); `claims` for claim-matching retrieval; `harms` for the "
                                          "sexual exploitation, self-harm and violent extremism suites; `writers` for "
                                          "the writers' sets never tuned on (eval/*_writers).")],
    lang: Annotated[str | None, typer.Option(help="Language of every case, when the suite has no language column.")] = None,
    threshold: Annotated[float | None, typer.Option(min=0.0, max=1.0, help="hate_speech score that counts as hateful "
                                                    "(default: the default policy's label threshold).")] = None,
    report: Annotated[Path | None, typer.Option(help="Write the full report as JSON here.")] = None,
    root: Annotated[Path, typer.Option(help="Folder of the writers' sets (`writers`).")] = Path("eval"),
) -> None:
    """Evaluate a functional suite (macro-F1 per language and functionality) or, with `claims`, claim
    retrieval (success@1, success@10, MRR)."""
    from jaga.evaluation.functional import (
        DEFAULT_THRESHOLD,
        SuiteError,
        evaluate_suite,
        load_suite,
        scoring_moderator,
    )
    from jaga.training.corpus_cases import corpus_cases

    if str(suite) == "claims" and not suite.exists():
        from jaga.cli.claims import evaluate_claims

        evaluate_claims(report)
        return
    if str(suite) == "harms" and not suite.exists():
        _evaluate_harms(lang, report)
        return
    if str(suite) == "writers" and not suite.exists():
        _evaluate_writers(root, report)
        return
    try:
        cases = corpus_cases() if str(suite) == "corpus" and not suite.exists() else load_suite(suite, lang)
    except (SuiteError, OSError) as error:
        raise fail(str(error)) from error
    threshold = DEFAULT_THRESHOLD if threshold is None else threshold
    result = evaluate_suite(cases, scoring_moderator(), threshold)
    out.print(f"[bold]{suite.name}[/]: {result['n']} cases, macro-F1 {100 * result['macro_f1']:.1f}, "
              f"accuracy {100 * result['accuracy']:.1f} (threshold {threshold}); "
              f"{100 * result['escalated']:.0f} % read by the contextual tier")
    languages = Table(title="per language")
    for column in ("language", "macro-F1", "cases", "contextual tier"):
        languages.add_column(column)
    for language, values in result["by_language"].items():
        languages.add_row(language or "?", f"{100 * values['macro_f1']:.1f}", str(values["n"]),
                          f"{100 * values['escalated']:.0f} %")
    out.print(languages)
    functionalities = Table(title="per functionality")
    for column in ("functionality", "gold", "accuracy", "cases"):
        functionalities.add_column(column)
    for name, values in result["by_functionality"].items():
        functionalities.add_row(name, values["gold"], f"{100 * values['accuracy']:.1f}", str(values["n"]))
    out.print(functionalities)
    if report:
        report.write_text(json.dumps({"suite": str(suite), **result}, indent=2, ensure_ascii=False) + "\n",
                          encoding="utf-8")
        out.print(f"report: {report}")


def _evaluate_harms(lang: str | None, report: Path | None) -> None:
    """`jaga eval harms`: recall and look-alike false-positive rate per category, language and half
    of the bundled functional suites (sexual exploitation, self-harm, violent extremism)."""
    from jaga.evaluation.harms import FALSE_POSITIVE_TARGET, RECALL_TARGET, evaluate_harms, load_harm_suites

    cases = load_harm_suites(languages=lang.split(",") if lang else None)
    result = evaluate_harms(cases)
    table = Table(title=f"harm suites: {len(cases)} cases (targets: recall >= {RECALL_TARGET:.0%}, "
                        f"look-alikes flagged <= {FALSE_POSITIVE_TARGET:.0%})")
    for column in ("category", "language", "half", "recall", "look-alikes flagged"):
        table.add_column(column)
    for row in result["rows"]:
        table.add_row(row["category"], row["language"], row["half"],
                      f"{row['caught']}/{row['harmful']} ({100 * row['recall']:.0f} %)",
                      f"{row['flagged']}/{row['benign']} ({100 * row['false_positive_rate']:.0f} %)")
    out.print(table)
    for half, totals in result["totals"].items():
        out.print(f"{half}: recall {100 * totals['recall']:.1f} %, look-alikes flagged "
                  f"{100 * totals['false_positive_rate']:.1f} % (for another category: "
                  f"{100 * totals['other_category_rate']:.1f} %), {totals['cells_meeting_targets']}/{totals['cells']} "
                  "category-language cells meet both targets")
    if report:
        report.write_text(json.dumps({"suite": "harms", **result}, indent=2, ensure_ascii=False) + "\n",
                          encoding="utf-8")
        out.print(f"report: {report}")


def _evaluate_writers(root: Path, report: Path | None) -> None:
    """`jaga eval writers`: the exploitation, self-harm and scam writers' posts through the whole pipeline."""
    from jaga.evaluation.writers import WritersError, evaluate_writers, load_writers

    try:
        posts = load_writers(root)
    except (WritersError, OSError) as error:
        raise fail(str(error)) from error
    if not posts:
        raise fail(f"{root}: no writers' sets (exploitation_writers/, self_harm_writers/, scam_writers/)")
    result = evaluate_writers(posts)
    table = Table(title=f"writers' sets under {root}: {len(posts)} posts, never tuned on")
    for column in ("category", "language", "caught / flagged"):
        table.add_column(column)
    for row in result["rows"]:
        hits = row.get("caught", row.get("flagged", 0))
        table.add_row(row["category"], row["language"], f"{hits}/{row['posts']} ({100 * hits / row['posts']:.0f} %)")
    out.print(table)
    for key, total in result["totals"].items():
        verb = "flagged" if key == "look_alike" else "caught"
        out.print(f"{key}: {total['hits']} of {total['posts']} {verb}")
    if report:
        report.write_text(json.dumps({"suite": "writers", **result}, indent=2, ensure_ascii=False) + "\n",
                          encoding="utf-8")
        out.print(f"report: {report}")
