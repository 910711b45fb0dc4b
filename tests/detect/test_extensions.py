"""Detectors from other packages: a real installed distribution (a `.dist-info` with its entry
points, on sys.path) declares a factory in the `jaga.detectors` group; the default moderator and the
registry moderator build it with the settings and the store, it passes the contract battery, and
its signals reach the decision. A broken plugin stops Jaga with its name, not silently."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from jaga.detect.extensions import ENTRY_POINT_GROUP, PluginError, plugin_factories
from jaga.moderation import registry_moderator
from jaga.pipeline import Moderator
from jaga.store import Store
from jaga.types import Post

from .test_contract import POSTS, check_detector

PLUGIN = '''
from typing import ClassVar

from jaga.detect.base import Detector
from jaga.types import Category, Signal


class DurianDetector(Detector):
    """Flags posts that mention durian on a bus (a house rule some platform has)."""

    name: ClassVar[str] = "durian"
    categories: ClassVar[tuple[Category, ...]] = (Category.HARASSMENT,)

    def __init__(self, with_store: bool) -> None:
        self.with_store = with_store

    def detect(self, batch):
        found = []
        for item in batch:
            start = item.text.original.lower().find("durian")
            found.append([Signal(source="plugin:durian", category=Category.HARASSMENT, score=0.99,
                                 details={"store": self.with_store})] if start >= 0 else [])
        return found


def factory(context):
    return DurianDetector(context.store is not None)


def broken(context):
    raise ValueError("no durian today")
'''


def _install(root: Path, name: str, entry: str) -> None:
    """A distribution as pip would leave it: the module, and its dist-info with entry points."""
    (root / f"{name}.py").write_text(textwrap.dedent(PLUGIN), encoding="utf-8")
    info = root / f"{name}-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1\n", encoding="utf-8")
    (info / "entry_points.txt").write_text(f"[{ENTRY_POINT_GROUP}]\n{entry}\n", encoding="utf-8")


@pytest.fixture
def installed(tmp_path: Path) -> Iterator[Path]:
    root = tmp_path / "site"
    root.mkdir()
    sys.path.insert(0, str(root))
    try:
        yield root
    finally:
        sys.path.remove(str(root))
        for module in [name for name in sys.modules if name.startswith("jaga_plugin_")]:
            del sys.modules[module]


def test_an_installed_plugin_is_built_with_the_context_and_keeps_the_contract(installed: Path,
                                                                              tmp_path: Path) -> None:
    _install(installed, "jaga_plugin_durian", "durian = jaga_plugin_durian:factory")
    assert "durian" in plugin_factories()
    plain = Moderator()
    [plugin] = [detector for detector in plain.detectors if detector.name == "durian"]
    check_detector(plugin, [plain.prepare(post) for post in POSTS])
    decision = plain.moderate(Post(id="bus", text="Makan durian dalam bas lagi, busuk betul"))
    assert any(signal.source == "plugin:durian" and signal.details == {"store": False} for signal in decision.signals)
    url = f"sqlite:///{tmp_path / 'jaga.db'}"
    Store(url).close()  # the database exists (registry_moderator never creates one by looking)
    with_store = registry_moderator(url)
    [plugin] = [detector for detector in with_store.detectors if detector.name == "durian"]
    assert plugin.with_store  # type: ignore[attr-defined]


def test_a_plugin_that_fails_names_itself(installed: Path) -> None:
    _install(installed, "jaga_plugin_broken", "broken = jaga_plugin_broken:broken")
    with pytest.raises(PluginError, match="'broken' failed to build: no durian today"):
        Moderator()


def test_a_plugin_that_cannot_be_imported_names_itself(installed: Path) -> None:
    _install(installed, "jaga_plugin_missing", "missing = jaga_plugin_missing:nothing_here")
    with pytest.raises(PluginError, match=r"'missing'.*cannot be loaded"):
        plugin_factories()
