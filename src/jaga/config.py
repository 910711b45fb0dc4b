"""Where Jaga finds its data, its database and its secrets, and the limits it runs under: one typed
`Settings` (pydantic-settings) for every `JAGA_*` environment variable, each with an embedded
default, so one machine works with no configuration at all.

`settings()` follows the environment (tests and operators change it between runs). A value that
does not parse is an error naming the variable, at the moment it is read, not a silent default. `python -m jaga.config`
prints docs/CONFIGURATION.md (a test keeps the two equal).
"""

from __future__ import annotations

import os
import sys
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

Listed = Annotated[tuple[str, ...], NoDecode]
"""A comma-separated list in the environment (not JSON)."""
LicenceClass = Literal["permissive", "non-commercial", "copyleft", "unknown"]
"""What a dataset's terms allow a model trained on it (the training registry's classes)."""


class ConfigError(ValueError):
    """A `JAGA_*` variable whose value cannot be used; the message names it."""


class Settings(BaseSettings):
    """Every `JAGA_*` variable. Booleans accept on/off, true/false, yes/no and 1/0."""

    model_config = SettingsConfigDict(env_prefix="JAGA_", extra="ignore", frozen=True)

    data_dir: Path | None = Field(default=None, description="Public labelled datasets (read-only, never committed); "
                                  "default: ../shared/data beside the checkout.")
    home: Path | None = Field(default=None, description="Jaga's writable state on this machine (SQLite file, keys); "
                              "default: ~/.local/share/jaga.")
    database_url: str | None = Field(default=None, description="SQLAlchemy URL of the database; default: SQLite in "
                                     "JAGA_HOME. PostgreSQL: postgresql+psycopg://user@host/db.")
    model_dir: Path | None = Field(default=None, description="A folder of detection models trained with `jaga train -o "
                                   "DIR` (the fast tier; with --contextual and --heads, those tiers beside it), used "
                                   "instead of the bundled ones.")
    claim_encoder: str | None = Field(default=None, description="Folder of a claim encoder trained with `python -m "
                                      "jaga.training.claim_encoder`, used instead of the bundled one; `pretrained`: "
                                      "e5's own layers. Claim indexes rebuild when it changes.")
    claim_reranker: str | None = Field(default=None, description="Folder of a claim reranker trained with `python -m "
                                       "jaga.training.claim_reranker`, used instead of the bundled one; `off`: "
                                       "candidates are ranked by the first stage alone. A reranker needs a calibration "
                                       "fitted with it (`jaga claims calibrate`).")
    encoder_tier: bool = Field(default=True, description="The detectors that run e5 on a post: the cascade's contextual "
                               "tier and the exploitation heads; off trades their accuracy for the fast tier's "
                               "throughput (the rules still run) and does not load them.")
    contextual_int8: bool = Field(default=True, description="The contextual tier on int8 kernels (3x float32's speed); "
                                  "off runs float32, for an exact comparison with training.")
    contextual_threads: int | None = Field(default=None, ge=1, le=64, description="Threads the int8 e5 engines "
                                           "(contextual tier, exploitation heads) run their batches on (each token "
                                           "quantised alone: the same answer whatever the batch); default: the "
                                           "usable cores, at most 4.")
    pseudonym_key: SecretStr | None = Field(default=None, description="Key of the author pseudonyms (HMAC); share it "
                                            "across machines of one deployment. Default: made once in JAGA_HOME.")
    audit_key_file: Path | None = Field(default=None, description="Ed25519 key that signs audit checkpoints; a named "
                                        "file is never made up. Default: made once in JAGA_HOME.")
    exchange_key_dir: Path | None = Field(default=None, description="Where this organisation's exchange signing keys "
                                          "live. Default: JAGA_HOME/exchange.")
    media_roots: Annotated[tuple[Path, ...] | None, NoDecode] = Field(
        default=None, description="Folders (OS path separator) a post's media files may be read from for hash banks. "
        "Unset: anywhere for the CLI and library, nowhere for the HTTP service (it takes hashes).")
    metrics_open: bool = Field(default=False, description="Serve /metrics without an API key (a scraper on a private "
                               "network); otherwise it takes an organisation-wide admin or auditor key.")
    rate_limit: float = Field(default=50.0, gt=0, description="Requests per second per API key (bursts of twice that).")
    rate_limit_storage: str = Field(default="memory://", description="Where rate-limit counts live: memory:// "
                                    "(each service worker counts alone) or redis://host:6379 (shared by every "
                                    "worker and host).")
    threads: int | None = Field(default=None, ge=1, description="Request threads per service worker; default: 2 x cores + 2.")
    moderation_budget: float = Field(default=10.0, gt=0, description="Seconds a moderation request may wait for its "
                                     "decisions before a 503 with Retry-After (the work still finishes).")
    header_timeout: float = Field(default=10.0, gt=0, description="Seconds for a request's line and headers to arrive.")
    body_timeout: float = Field(default=30.0, gt=0, description="Seconds for a request's body to arrive (else 408).")
    max_header_bytes: int = Field(default=32_768, ge=1024, description="Request line and headers together (else 431).")
    max_headers: int = Field(default=100, ge=1, description="Header fields in one request (else 431).")
    max_connections: int = Field(default=1000, ge=1, description="Open connections per service worker (else 503).")
    webhook_delivery: bool = Field(default=True, description="Send webhooks from `jaga serve` (off: events still queue).")
    licences: Annotated[tuple[LicenceClass, ...], NoDecode] = Field(default=(), description="Licence classes (permissive, non-commercial, copyleft, "
                             "unknown) the data behind a loaded detection or claim model may carry, comma-separated; a model "
                             "trained on others is refused at load. Default: any, and a model trained on "
                             "non-permissive data says so once at load.")
    webhook_allow_hosts: Listed = Field(default=(), description="Host names and networks a webhook may reach although "
                                        "they are not public (an operator's own receiver), comma-separated.")
    webhook_allow_http_hosts: Listed = Field(default=(), description="Host names and networks a webhook may reach over "
                                             "plain http (others must use https), comma-separated.")

    @field_validator("webhook_allow_hosts", "webhook_allow_http_hosts", "licences", mode="before")
    @classmethod
    def _comma_list(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(entry.strip() for entry in value.split(",") if entry.strip())
        return value

    @field_validator("media_roots", mode="before")
    @classmethod
    def _path_list(cls, value: Any) -> Any:
        if isinstance(value, str):
            parts = tuple(Path(part).expanduser() for part in value.split(os.pathsep) if part.strip())
            return parts or None
        return value

    @field_validator("data_dir", "home", "model_dir", "claim_encoder", "claim_reranker", "audit_key_file", "exchange_key_dir", "database_url",
                     "threads", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value


def settings() -> Settings:
    """The settings as the environment gives them now (parsed once per distinct set of `JAGA_*`
    values: building a `Settings` takes about a millisecond, and the service reads some per
    connection)."""
    return _parsed(tuple(sorted((name, value) for name, value in os.environ.items() if name.startswith("JAGA_"))))


@lru_cache(maxsize=8)
def _parsed(_environment: tuple[tuple[str, str], ...]) -> Settings:
    try:
        return Settings()
    except ValidationError as error:
        problems = "; ".join(f"JAGA_{str(problem['loc'][0]).upper()}: {problem['msg']}" for problem in error.errors())
        raise ConfigError(f"invalid configuration: {problems}") from None


DOCUMENT_HEAD = """# Configuration

Jaga runs with no configuration on one machine; every setting is an environment variable with an
embedded default, read into one typed `jaga.config.Settings`. A value that does not parse is an error
that names the variable. This page is generated: `python -m jaga.config > docs/CONFIGURATION.md`
writes it again after a setting changes (a test fails while it differs).

"""


def document() -> str:
    """docs/CONFIGURATION.md: every variable, its default and what it does."""
    lines = [DOCUMENT_HEAD + "| variable | default | what it does |", "|---|---|---|"]
    for name, field in Settings.model_fields.items():
        default = field.default
        shown = "on" if default is True else "off" if default is False else "-" if default in (None, ()) else default
        lines.append(f"| `JAGA_{name.upper()}` | {shown} | {field.description} |")
    return "\n".join(lines) + "\n"


def data_dir() -> Path:
    """Public labelled datasets (read-only, never committed). `JAGA_DATA_DIR` overrides."""
    configured = settings().data_dir
    if configured:
        return configured
    # The layout used in development and CI: <checkout>/../shared/data, seen from the checkout
    # (any install) or from the source tree (editable install run from elsewhere).
    candidates = [Path.cwd().parent / "shared" / "data", Path(__file__).resolve().parents[3] / "shared" / "data"]
    return next((path for path in candidates if path.is_dir()), candidates[0])


def home_dir() -> Path:
    """Jaga's own writable state on this machine (SQLite file, pseudonymisation key)."""
    path = settings().home or Path.home() / ".local" / "share" / "jaga"
    path.mkdir(parents=True, exist_ok=True)
    return path


def database_url() -> str:
    """SQLite file by default; `JAGA_DATABASE_URL` selects PostgreSQL (postgresql+psycopg://...)."""
    return settings().database_url or f"sqlite:///{home_dir() / 'jaga.db'}"


def model_dir() -> Path | None:
    """`JAGA_MODEL_DIR`: a harm classifier trained with `jaga train -o DIR` to use instead of the
    bundled one (for instance one trained on permissive data only)."""
    configured = settings().model_dir
    return configured.expanduser() if configured else None


def encoder_tier_enabled() -> bool:
    """The detectors that run e5 on a post (on by default): the cascade's contextual tier and the
    exploitation heads. `JAGA_ENCODER_TIER=off` trades the accuracy they add for the fast tier's
    throughput (the harm rules, lexicons and URL checks still run), and does not load them."""
    return settings().encoder_tier


def contextual_int8() -> bool:
    """The contextual tier on int8 kernels (on by default, when the model ships its input ranges):
    three times the float32 speed, logits within 0.14 on average. `JAGA_CONTEXTUAL_INT8=off` runs
    float32, for an exact comparison with training or a CPU without fast int8."""
    return settings().contextual_int8


def contextual_threads() -> int:
    """`JAGA_CONTEXTUAL_THREADS`: how many batches the int8 e5 engines run at once (default: the
    cores this process may use, at most 4)."""
    configured = settings().contextual_threads
    if configured:
        return configured
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(4, usable))


def metrics_open() -> bool:
    """`JAGA_METRICS_OPEN=on` serves `/metrics` without an API key, for a Prometheus scraper on a
    private network. Off by default: then it takes an organisation-wide admin or auditor key (the
    metrics are deployment-wide totals, with no per-organisation labels)."""
    return settings().metrics_open


def accepted_licences() -> tuple[LicenceClass, ...]:
    """`JAGA_LICENCES`: the licence classes a loaded model's data may carry (empty: any)."""
    return settings().licences


def webhook_allow_hosts() -> tuple[str, ...]:
    """`JAGA_WEBHOOK_ALLOW_HOSTS`: host names and networks (`receiver.internal`, `10.1.2.0/24`,
    `127.0.0.1`) a webhook may reach although they are not public: an operator's own receiver."""
    return settings().webhook_allow_hosts


def webhook_allow_http_hosts() -> tuple[str, ...]:
    """`JAGA_WEBHOOK_ALLOW_HTTP_HOSTS`: host names and networks a webhook may reach over plain
    `http` (every other webhook must use `https`)."""
    return settings().webhook_allow_http_hosts


def webhook_delivery_enabled() -> bool:
    """`JAGA_WEBHOOK_DELIVERY=off` keeps `jaga serve` from sending webhooks (events still queue)."""
    return settings().webhook_delivery


def header_timeout() -> float:
    """`JAGA_HEADER_TIMEOUT` (10 s): a request's line and headers must all arrive within this time
    of its first byte (of the connection, for a new one), else the connection is closed."""
    return settings().header_timeout


def body_timeout() -> float:
    """`JAGA_BODY_TIMEOUT` (30 s): a request's body must all arrive within this time of the
    request reaching the application, else it is answered 408."""
    return settings().body_timeout


def max_header_bytes() -> int:
    """`JAGA_MAX_HEADER_BYTES` (32 KiB): the request line and headers together; more is answered 431."""
    return settings().max_header_bytes


def max_headers() -> int:
    """`JAGA_MAX_HEADERS` (100): header fields in one request; more is answered 431."""
    return settings().max_headers


def max_connections() -> int:
    """`JAGA_MAX_CONNECTIONS` (1000): open connections per `jaga serve` worker; past it new
    requests are answered 503 at once instead of using up the process's file descriptors."""
    return settings().max_connections


def moderation_budget() -> float:
    """`JAGA_MODERATION_BUDGET` (10 s): how long a moderation request may wait for its decisions;
    past it the service answers 503 with Retry-After, and finishes (and stores) the work anyway."""
    return settings().moderation_budget


def media_roots() -> tuple[Path, ...] | None:
    """`JAGA_MEDIA_ROOTS` (folders, separated by the OS path separator): the only places a post's
    media files are read from for hash-bank matching. Unset: anywhere on this machine for the CLI
    and library, nowhere for the HTTP service (its callers send hashes: md5:..., pdq:...)."""
    return settings().media_roots


if __name__ == "__main__":
    sys.stdout.write(document())
