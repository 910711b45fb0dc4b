"""Where Jaga finds its data, its database and its secrets. Everything is an environment variable
with an embedded default, so one machine works with no configuration at all."""

from __future__ import annotations

import os
from pathlib import Path


def data_dir() -> Path:
    """Public labelled datasets (read-only, never committed). `JAGA_DATA_DIR` overrides."""
    configured = os.environ.get("JAGA_DATA_DIR")
    if configured:
        return Path(configured)
    # The layout used in development and CI: <checkout>/../shared/data, seen from the checkout
    # (any install) or from the source tree (editable install run from elsewhere).
    candidates = [Path.cwd().parent / "shared" / "data", Path(__file__).resolve().parents[3] / "shared" / "data"]
    return next((path for path in candidates if path.is_dir()), candidates[0])


def home_dir() -> Path:
    """Jaga's own writable state on this machine (SQLite file, pseudonymisation key)."""
    configured = os.environ.get("JAGA_HOME")
    path = Path(configured) if configured else Path.home() / ".local" / "share" / "jaga"
    path.mkdir(parents=True, exist_ok=True)
    return path


def database_url() -> str:
    """SQLite file by default; `JAGA_DATABASE_URL` selects PostgreSQL (postgresql+psycopg://...)."""
    return os.environ.get("JAGA_DATABASE_URL") or f"sqlite:///{home_dir() / 'jaga.db'}"


def model_dir() -> Path | None:
    """`JAGA_MODEL_DIR`: a harm classifier trained with `jaga train -o DIR` to use instead of the
    bundled one (for instance one trained with `--encoder e5`, or on permissive data only)."""
    value = os.environ.get("JAGA_MODEL_DIR", "").strip()
    return Path(value).expanduser() if value else None


def encoder_tier_enabled() -> bool:
    """The detection cascade's contextual tier (on by default). `JAGA_ENCODER_TIER=off` trades the
    functional accuracy it adds for the fast tier's throughput alone, and does not load it."""
    return os.environ.get("JAGA_ENCODER_TIER", "on").strip().lower() not in ("off", "0", "false", "no")
