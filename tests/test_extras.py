"""The core installs without the optional extras and still runs the quick start; a command that
needs an extra says which one to install. Run in subprocesses where the extras' modules cannot be
imported (as on a machine that ran only `pip install jaga`)."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from jaga.extras import EXTRAS, MissingExtra, installed, require

ROOT = Path(__file__).resolve().parents[1]
BLOCKED = ["fastapi", "fastapi_offline", "starlette", "uvicorn", "httptools", "uvloop", "prometheus_client", "limits",
           "psycopg", "pyarrow", "nats", "ray", "torch"]
RUNNER = """
import importlib.abc, sys
blocked = set(sys.argv[1].split(","))
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.split(".")[0] in blocked:
            raise ImportError(f"No module named {name!r}")
        return None
sys.meta_path.insert(0, Block())
sys.argv = ["jaga", *sys.argv[2:]]
from jaga.cli import run
run()
"""


def jaga_without_extras(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    runner = tmp_path / "runner.py"
    runner.write_text(RUNNER)
    environment = {"PATH": "/usr/bin:/bin", "JAGA_HOME": str(tmp_path / "home"), "COLUMNS": "200", **(env or {})}
    return subprocess.run([sys.executable, str(runner), ",".join(BLOCKED), *args], capture_output=True, text=True,
                          cwd=ROOT, env=environment, timeout=300)


def test_the_quick_start_runs_on_the_core_alone(tmp_path: Path) -> None:
    result = jaga_without_extras(tmp_path, "scan", "examples/posts.jsonl", "-o", str(tmp_path / "out.jsonl"), "--store")
    assert result.returncode == 0, result.stderr
    lines = (tmp_path / "out.jsonl").read_text().splitlines()
    assert len(lines) == len((ROOT / "examples" / "posts.jsonl").read_text().splitlines())
    assert (tmp_path / "home").is_dir()  # stored in the SQLite file under JAGA_HOME


@pytest.mark.parametrize(("args", "env", "extra"), [
    (["serve"], {}, "service"),
    (["consume", "nats://127.0.0.1:4222", "--subject", "jaga.test.>"], {}, "stream"),
    (["db", "info"], {"JAGA_DATABASE_URL": "postgresql+psycopg://postgres@127.0.0.1:5432/test"}, "postgres"),
    (["scan", "examples/posts.jsonl", "-o", "-", "--format", "parquet"], {}, "parquet"),
])
def test_a_command_that_needs_an_extra_names_it(tmp_path: Path, args: list[str], env: dict[str, str], extra: str) -> None:
    result = jaga_without_extras(tmp_path, *args, env=env)
    assert result.returncode == 1
    assert f"pip install 'jaga[{extra}]'" in " ".join(result.stderr.split()), result.stderr
    assert "Traceback" not in result.stderr


def test_the_extras_match_the_package_metadata() -> None:
    """Each extra `jaga.extras` knows is declared in pyproject.toml, and none of its packages is a
    core dependency (that would make the extra meaningless)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    optional = project["optional-dependencies"]
    core = {re.split(r"[<>=~!\[; ]", requirement, maxsplit=1)[0].lower() for requirement in project["dependencies"]}
    assert {"numpy", "sqlalchemy", "onnxruntime"} <= core
    for extra in EXTRAS:
        assert extra in optional, extra
    assert not core & {"fastapi", "uvicorn", "psycopg", "pyarrow", "nats-py", "torch", "ray", "prometheus-client"}
    assert "jaga[all,ray,fonts]" in optional["test"]  # the test suite exercises every extra


def test_require_names_the_missing_module() -> None:
    assert installed("numpy") and not installed("no_such_module_for_jaga")
    require("service", "the service")  # installed here (the test extra has them all)
    EXTRAS["_probe"] = ("no_such_module_for_jaga",)
    try:
        with pytest.raises(MissingExtra, match=r"pip install 'jaga\[_probe\]'.*no_such_module_for_jaga"):
            require("_probe", "a probe")
    finally:
        del EXTRAS["_probe"]
