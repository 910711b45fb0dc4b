"""Jaga: trust and safety for social media in Southeast Asia.

    from jaga import Moderator, Post
    decision = Moderator().moderate(Post(id="1", text="Slot gacor hari ini, maxwin!"))

The names below load on first use, so that importing one stage (say `jaga.training.contextual` on
a GPU machine that has numpy and torch but none of the service's dependencies) does not import
every stage.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jaga.pipeline import Moderator
    from jaga.types import Action, Category, Decision, LanguageInfo, Post, Signal, Span

__version__ = "0.1.0"

__all__ = ["Action", "Category", "Decision", "LanguageInfo", "Moderator", "Post", "Signal", "Span", "__version__"]

_WHERE = {"Moderator": "jaga.pipeline", **{name: "jaga.types" for name in
                                           ("Action", "Category", "Decision", "LanguageInfo", "Post", "Signal", "Span")}}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        value = getattr(import_module(_WHERE[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'jaga' has no attribute {name!r}")
