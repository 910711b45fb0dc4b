"""The README's examples run as written: every `jaga ...` line in its shell blocks names a real
command and only options that command has, and the ones that need nothing beyond this checkout
(the bundled examples and policies) are run and must succeed."""

from __future__ import annotations

import json
import re
import shlex
import shutil
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from jaga.cli import app

ROOT = Path(__file__).resolve().parents[1]
BLOCK = re.compile(r"^```bash\n(.*?)^```", re.DOTALL | re.MULTILINE)


def readme_commands() -> list[list[str]]:
    """Every `jaga` invocation in the README's bash blocks, as argument lists. `a | b | c` after a
    command lists sibling subcommands (`jaga db upgrade | info`); `cat f | jaga ...` and
    `pip install ... && jaga ...` keep their `jaga` part."""
    commands = []
    for block in BLOCK.findall((ROOT / "README.md").read_text(encoding="utf-8")):
        for line in block.splitlines():
            line = re.split(r"\s{2,}#", line)[0].strip()
            for part in (piece.strip() for piece in line.split("&&")):
                pieces = [piece.strip() for piece in re.split(r"\s\|\s", part)]
                first = next((index for index, piece in enumerate(pieces) if piece.startswith("jaga ")), None)
                if first is None:
                    continue
                words = shlex.split(pieces[first])[1:]
                commands.append(words)
                for sibling in pieces[first + 1:]:
                    if not sibling.startswith(("jaga", "cat")) and re.fullmatch(r"[a-z-]+", sibling):
                        commands.append([words[0], sibling])
    return commands


def test_every_readme_command_and_option_exists() -> None:
    root = typer.main.get_command(app)
    commands = readme_commands()
    assert len(commands) > 40  # the README shows most of the CLI
    for words in commands:
        command, rest = root, list(words)
        while getattr(command, "commands", None):
            if rest and rest[0] in command.commands:
                command = command.commands[rest.pop(0)]
            elif getattr(command, "default_command", None):  # `jaga campaigns posts.jsonl`: `... detect ...`
                command = command.commands[command.default_command]
            else:
                raise AssertionError(f"README: `jaga {' '.join(words)}`: no command {rest[:1]}")
        known = {opt for param in command.params for opt in (*param.opts, *param.secondary_opts)}
        for word in rest:
            if word.startswith("-") and word != "-":
                option = word.split("=", 1)[0]
                assert option in known, f"README: `jaga {' '.join(words)}`: no option {option} (has {sorted(known)})"


RUNNABLE = [  # (the README line's words, what its output must hold)
    ('check "Akaun anda dibekukan, sila klik pautan https://maybank2u-secure.xyz" --json', '"scam_fraud"'),
    ("scan posts.jsonl -o decisions.jsonl", "decisions"),
    ("scan posts.jsonl --jurisdiction MY", "posts.decisions.jsonl"),
    ("policy validate", "ASEAN"),
    ("""policy explain '{"id": "1", "text": "...", "country": "ID"}'""", "ID"),
    ("policy diff ID MY", "MY"),
]


@pytest.mark.parametrize(("line", "expected"), RUNNABLE)
def test_the_readme_examples_that_need_only_this_checkout_run(line: str, expected: str, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    assert shlex.split(line) in readme_commands(), f"no longer in the README: {line}"
    shutil.copyfile(ROOT / "examples" / "posts.jsonl", tmp_path / "posts.jsonl")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("JAGA_HOME", str(tmp_path / "home"))
    result = CliRunner().invoke(app, shlex.split(line))
    assert result.exit_code == 0, result.output
    assert expected in result.output
    if line.startswith("scan posts.jsonl"):
        written = tmp_path / ("decisions.jsonl" if " -o " in line else "posts.decisions.jsonl")
        decisions = [json.loads(row) for row in written.read_text().splitlines()]
        assert len(decisions) == len((tmp_path / "posts.jsonl").read_text().splitlines())
        if "--jurisdiction MY" in line:
            assert {decision["jurisdiction"] for decision in decisions} == {"MY"}


def test_stdin_to_stdout_as_the_readme_pipes_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert ["scan", "-", "-o", "-"] in readme_commands()
    monkeypatch.setenv("JAGA_HOME", str(tmp_path / "home"))
    posts = (ROOT / "examples" / "posts.jsonl").read_text(encoding="utf-8")
    result = CliRunner().invoke(app, ["scan", "-", "-o", "-"], input=posts)
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
    assert len(lines) == len(posts.splitlines()) and all("post_id" in json.loads(line) for line in lines)
