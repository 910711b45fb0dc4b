"""Jaga: trust and safety for social media in Southeast Asia.

    from jaga import Moderator, Post
    decision = Moderator().moderate(Post(id="1", text="Slot gacor hari ini, maxwin!"))
"""

from jaga.pipeline import Moderator
from jaga.types import Action, Category, Decision, LanguageInfo, Post, Signal, Span

__version__ = "0.1.0"

__all__ = ["Action", "Category", "Decision", "LanguageInfo", "Moderator", "Post", "Signal", "Span", "__version__"]
