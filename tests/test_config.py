"""One typed Settings for every JAGA_* variable: parsed values, errors that name the variable, and a
documentation table that cannot drift from the code."""

from __future__ import annotations

import re
import tokenize
from pathlib import Path

import pytest

from jaga import config

ROOT = Path(__file__).resolve().parents[1]
TEST_ONLY = {"JAGA_TEST_POSTGRES_URL"}


def test_defaults_work_with_no_configuration(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in [name for name in __import__("os").environ if name.startswith("JAGA_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert config.encoder_tier_enabled() and config.contextual_int8() and not config.metrics_open()
    assert config.database_url() == f"sqlite:///{tmp_path / '.local/share/jaga/jaga.db'}"
    assert config.media_roots() is None and config.webhook_allow_hosts() == ()
    assert config.settings().rate_limit == 50.0 and config.max_header_bytes() == 32_768


def test_values_parse_into_their_types(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("JAGA_ENCODER_TIER", "off")
    monkeypatch.setenv("JAGA_METRICS_OPEN", "yes")
    monkeypatch.setenv("JAGA_WEBHOOK_ALLOW_HOSTS", " receiver.internal, 10.1.2.0/24 ,")
    monkeypatch.setenv("JAGA_MEDIA_ROOTS", f"{tmp_path / 'a'}:{tmp_path / 'b'}")
    monkeypatch.setenv("JAGA_HEADER_TIMEOUT", "2.5")
    monkeypatch.setenv("JAGA_PSEUDONYM_KEY", "s3cret")
    assert not config.encoder_tier_enabled() and config.metrics_open()
    assert config.webhook_allow_hosts() == ("receiver.internal", "10.1.2.0/24")
    assert config.media_roots() == (tmp_path / "a", tmp_path / "b")
    assert config.header_timeout() == 2.5
    assert "s3cret" not in repr(config.settings())  # a secret never shows in logs or tracebacks


@pytest.mark.parametrize(("name", "value"), [("JAGA_HEADER_TIMEOUT", "ten"), ("JAGA_MAX_HEADERS", "0"),
                                             ("JAGA_ENCODER_TIER", "maybe"), ("JAGA_RATE_LIMIT", "-1")])
def test_a_value_that_does_not_parse_is_an_error_naming_the_variable(monkeypatch: pytest.MonkeyPatch, name: str,
                                                                     value: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(config.ConfigError, match=name):
        config.settings()


def test_the_configuration_page_is_the_generated_one() -> None:
    assert (ROOT / "docs" / "CONFIGURATION.md").read_text(encoding="utf-8") == config.document(), (
        "regenerate it: python -m jaga.config > docs/CONFIGURATION.md")


def test_every_variable_the_code_reads_is_a_setting() -> None:
    """A JAGA_* name in any string or comment of the package (where environment variables are named
    and documented) is one of the Settings, so it is typed and on the configuration page."""
    known = {f"JAGA_{name.upper()}" for name in config.Settings.model_fields}
    used: dict[str, set[str]] = {}
    for path in (ROOT / "src" / "jaga").rglob("*.py"):
        with path.open("rb") as handle:
            for token in tokenize.tokenize(handle.readline):
                if token.type in (tokenize.STRING, tokenize.COMMENT):
                    # (?<!{): not a constant interpolated in an f-string, such as {JAGA_NS}
                    for name in re.findall(r"(?<!{)\bJAGA_[A-Z0-9_]*[A-Z0-9]\b", token.string):
                        used.setdefault(name, set()).add(path.name)
    unknown = {name: sorted(files) for name, files in used.items() if name not in known | TEST_ONLY}
    assert not unknown, f"JAGA_* names that are not settings: {unknown}"
