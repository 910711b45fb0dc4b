"""Optional parts of Jaga and the pip extra that installs each.

The core (`pip install jaga`) scans, decides, stores in SQLite, matches claims and banks, and runs
the CLI: what the quick start does. The HTTP service, PostgreSQL, Parquet, NATS, Ray and training
each pull in large or native dependencies that a batch job on one machine does not need, so they
come as extras, and a command that needs one says which instead of failing with an import error
deep inside a library."""

from __future__ import annotations

import importlib.util

EXTRAS: dict[str, tuple[str, ...]] = {
    "service": ("fastapi", "fastapi_offline", "uvicorn", "prometheus_client", "limits"),
    "postgres": ("psycopg",),
    "parquet": ("pyarrow",),
    "stream": ("nats",),
    "ray": ("ray",),
    "train": ("torch",),
}
"""Extra -> the top-level modules it provides (pyproject.toml's `optional-dependencies`)."""


class MissingExtra(ImportError):
    """A feature was asked for whose extra is not installed."""

    def __init__(self, extra: str, feature: str, module: str) -> None:
        self.extra, self.feature, self.module = extra, feature, module
        super().__init__(f"{feature} needs the '{extra}' extra: pip install 'jaga[{extra}]' "
                         f"(module {module!r} is not installed)")


def installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # a parent package missing or broken
        return False


def require(extra: str, feature: str) -> None:
    """Raise `MissingExtra` naming the extra to install when any of its modules is missing."""
    for module in EXTRAS[extra]:
        if not installed(module):
            raise MissingExtra(extra, feature, module)
