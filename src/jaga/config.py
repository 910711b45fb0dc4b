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


def contextual_int8() -> bool:
    """The contextual tier on int8 kernels (on by default, when the model ships its input ranges):
    three times the float32 speed, logits within 0.14 on average. `JAGA_CONTEXTUAL_INT8=off` runs
    float32, for an exact comparison with training or a CPU without fast int8."""
    return os.environ.get("JAGA_CONTEXTUAL_INT8", "on").strip().lower() not in ("off", "0", "false", "no")


def metrics_open() -> bool:
    """`JAGA_METRICS_OPEN=on` serves `/metrics` without an API key, for a Prometheus scraper on a
    private network. Off by default: then it takes an organisation-wide admin or auditor key (the
    metrics are deployment-wide totals, with no per-organisation labels)."""
    return os.environ.get("JAGA_METRICS_OPEN", "off").strip().lower() in ("on", "1", "true", "yes")


def _listed(name: str) -> tuple[str, ...]:
    return tuple(entry.strip() for entry in os.environ.get(name, "").split(",") if entry.strip())


def webhook_allow_hosts() -> tuple[str, ...]:
    """`JAGA_WEBHOOK_ALLOW_HOSTS`: host names and networks (`receiver.internal`, `10.1.2.0/24`,
    `127.0.0.1`) a webhook may reach although they are not public: an operator's own receiver."""
    return _listed("JAGA_WEBHOOK_ALLOW_HOSTS")


def webhook_allow_http_hosts() -> tuple[str, ...]:
    """`JAGA_WEBHOOK_ALLOW_HTTP_HOSTS`: host names and networks a webhook may reach over plain
    `http` (every other webhook must use `https`)."""
    return _listed("JAGA_WEBHOOK_ALLOW_HTTP_HOSTS")


def webhook_delivery_enabled() -> bool:
    """`JAGA_WEBHOOK_DELIVERY=off` keeps `jaga serve` from sending webhooks (events still queue)."""
    return os.environ.get("JAGA_WEBHOOK_DELIVERY", "on").strip().lower() not in ("off", "0", "false", "no")


def _number(name: str, default: float) -> float:
    value = os.environ.get(name, "").strip()
    return float(value) if value else default


def header_timeout() -> float:
    """`JAGA_HEADER_TIMEOUT` (10 s): a request's line and headers must all arrive within this time
    of its first byte (of the connection, for a new one), else the connection is closed."""
    return _number("JAGA_HEADER_TIMEOUT", 10.0)


def body_timeout() -> float:
    """`JAGA_BODY_TIMEOUT` (30 s): a request's body must all arrive within this time of the
    request reaching the application, else it is answered 408."""
    return _number("JAGA_BODY_TIMEOUT", 30.0)


def max_header_bytes() -> int:
    """`JAGA_MAX_HEADER_BYTES` (32 KiB): the request line and headers together; more is answered 431."""
    return int(_number("JAGA_MAX_HEADER_BYTES", 32_768))


def max_headers() -> int:
    """`JAGA_MAX_HEADERS` (100): header fields in one request; more is answered 431."""
    return int(_number("JAGA_MAX_HEADERS", 100))


def max_connections() -> int:
    """`JAGA_MAX_CONNECTIONS` (1000): open connections per `jaga serve` worker; past it new
    requests are answered 503 at once instead of using up the process's file descriptors."""
    return int(_number("JAGA_MAX_CONNECTIONS", 1000))


def moderation_budget() -> float:
    """`JAGA_MODERATION_BUDGET` (10 s): how long a moderation request may wait for its decisions;
    past it the service answers 503 with Retry-After, and finishes (and stores) the work anyway."""
    return _number("JAGA_MODERATION_BUDGET", 10.0)


def media_roots() -> tuple[Path, ...] | None:
    """`JAGA_MEDIA_ROOTS` (folders, separated by the OS path separator): the only places a post's
    media files are read from for hash-bank matching. Unset: anywhere on this machine for the CLI
    and library, nowhere for the HTTP service (its callers send hashes: md5:..., pdq:...)."""
    value = os.environ.get("JAGA_MEDIA_ROOTS", "").strip()
    if not value:
        return None
    return tuple(Path(part).expanduser() for part in value.split(os.pathsep) if part.strip())
