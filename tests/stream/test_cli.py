"""`jaga consume`'s face: settings that cannot work fail at once, before any model is loaded."""

from __future__ import annotations

import typer
from typer.testing import CliRunner

from jaga.cli.stream import consume


def _app() -> typer.Typer:
    app = typer.Typer()
    app.command("consume")(consume)
    app.command("other")(lambda: None)  # two commands: `consume` is named, as under `jaga`
    return app


def test_a_result_subject_under_the_input_subject_is_refused() -> None:
    result = CliRunner().invoke(_app(), ["consume", "nats://127.0.0.1:4222", "--subject", "posts.>",
                                         "--result-subject", "posts.decided.{jurisdiction}"])
    assert result.exit_code == 1
    assert "would read its own output" in result.output


def test_an_unknown_placeholder_is_refused() -> None:
    result = CliRunner().invoke(_app(), ["consume", "--result-subject", "decisions.{country}"])
    assert result.exit_code == 1
    assert "may only use {jurisdiction}" in result.output
