"""Fact-check registry and cross-lingual claim matching.

    from jaga.claims import ClaimMatcher, import_path
    from jaga.store import Store

    store = Store()
    import_path(store, Path("checks.jsonld"))      # ClaimReview JSON-LD or CSV
    matcher = ClaimMatcher(store)
    matcher.sync()                                  # index what is new
    for match in matcher.search("ข่าวลือว่า ..."):   # any of the region's languages
        print(match.score, match.is_match, match.fact_check.claim, match.fact_check.url)
"""

from importlib import import_module
from typing import Any

_EXPORTS = {
    "CheckWorthiness": "checkworthy", "check_worthiness": "checkworthy",
    "ClaimMatch": "matcher", "ClaimMatcher": "matcher",
    "Appearance": "model", "FactCheck": "model", "Verdict": "model", "verdict_from_rating": "model",
    "ImportReport": "registry", "export_fact_checks": "registry", "import_dataset": "registry", "import_path": "registry",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    """Imported on first use: moderation needs only check-worthiness, not the store and the index."""
    if name in _EXPORTS:
        return getattr(import_module(f"jaga.claims.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module 'jaga.claims' has no attribute {name!r}")
