"""Detection's extension points, in one place (as datasette keeps its hook specifications in one
file): what a detector factory is given, the built-in factories that need reference data, and the
entry-point group through which another package adds a detector without touching Jaga.

Every detector is built the same way, built-ins included: a factory receives a `DetectorContext`
(the settings, and the store when Jaga runs with a database) and returns a detector, or None when it
has nothing to detect with (claim matching with an empty registry). The contract every detector
keeps is tests/detect/test_contract.py; a plugin's package can run the same battery on its own
detector.

A plugin declares, in its pyproject.toml:

    [project.entry-points."jaga.detectors"]
    my_signal = "my_package.detector:factory"   # def factory(context: DetectorContext) -> Detector | None
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from jaga.config import Settings, settings
from jaga.detect.base import Detector

ENTRY_POINT_GROUP = "jaga.detectors"


@dataclass(frozen=True)
class DetectorContext:
    """What a detector factory may use."""

    settings: Settings = field(default_factory=settings)
    store: Any | None = None
    """The store, when there is a database: seen by detection only through the protocols the
    reference-data stages define (a fact-check source, banks, campaign indicators); detection never
    opens a database of its own."""
    media_roots: Sequence[Path] | None = None
    """Where media files may be read from for hash banks (default: JAGA_MEDIA_ROOTS)."""


DetectorFactory = Callable[[DetectorContext], Detector | None]


def _claims(context: DetectorContext) -> Detector | None:
    if context.store is None:
        return None
    from jaga.detect.claims import registry_detector

    return registry_detector(context.store)


def _banks(context: DetectorContext) -> Detector | None:
    if context.store is None:
        return None
    from jaga.detect.banks import bank_detector

    # Kept with no banks yet, so that banks added later (API, CLI) take effect.
    return bank_detector(context.store, context.media_roots)


def _campaigns(context: DetectorContext) -> Detector | None:
    indicators = context.store.campaign_indicators() if context.store is not None else []
    if not indicators:
        return None
    from jaga.detect.campaigns import campaign_detector

    return campaign_detector(indicators)


REFERENCE_DETECTORS: dict[str, DetectorFactory] = {"claims": _claims, "banks": _banks, "campaigns": _campaigns}
"""Built-in detectors that match against the store's reference data (fact-checks, hash banks,
saved coordinated campaigns)."""


class PluginError(RuntimeError):
    """A detector plugin that cannot be loaded or built; the message names it."""


def plugin_factories() -> dict[str, DetectorFactory]:
    """The factories installed packages declare in the `jaga.detectors` entry-point group."""
    found: dict[str, DetectorFactory] = {}
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        try:
            found[entry.name] = entry.load()
        except Exception as error:  # whatever the plugin's import raises
            raise PluginError(f"detector plugin {entry.name!r} ({entry.value}) cannot be loaded: {error}") from error
    return found


def build_detectors(context: DetectorContext, builtin: dict[str, Callable[[], Detector]]) -> list[Detector]:
    """Every detector for `context`: the built-ins that need nothing (`builtin`), those that need
    reference data when there is a store, then the plugins'."""
    built = [factory() for factory in builtin.values()]
    for name, factory in {**REFERENCE_DETECTORS, **plugin_factories()}.items():
        try:
            detector = factory(context)
        except PluginError:
            raise
        except Exception as error:
            if name in REFERENCE_DETECTORS:
                raise
            raise PluginError(f"detector plugin {name!r} failed to build: {error}") from error
        if detector is not None:
            if not isinstance(detector, Detector):
                raise PluginError(f"detector plugin {name!r} returned {type(detector).__name__}, not a Detector")
            built.append(detector)
    return built
