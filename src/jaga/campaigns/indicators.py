"""Campaign indicators: what makes a known campaign recognisable in new posts, and the matching.

A campaign found today keeps posting tomorrow, from new accounts too. Its indicator carries what is
matchable without the accounts: a MinHash of its representative text, SHA-256 hashes of its
normalised texts (exact re-posts), its links and hashtags. The dictionaries made here follow the
exchange format (`jaga.exchange.indicators.CampaignIndicator`, field for field), so an
organisation's own campaigns and those its partners shared are matched the same way; this module
does not import the exchange (it comes later in the import order) and reads indicators as plain
mappings.

Scores are heuristics, not calibrated probabilities: 0.9 for an exact re-post of a campaign text,
0.5 + 0.4 x the estimated Jaccard similarity for a near-duplicate (0.7 at the 0.5 threshold), and
0.3 for a shared link alone (a campaign may push a real news article; alone, a link is evidence for
a policy rule, not a label). Policies see the source `campaign:<id>` and can act on it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from jaga.campaigns.detect import Campaign
from jaga.campaigns.features import links, matching_text
from jaga.campaigns.minhash import DEFAULT_LSH, LshParams, signatures

SCHEME = "jaga-numpy-1"
"""How signatures here are made (`jaga.campaigns.minhash`, fast `matching_text`); a signature made
another way (datasketch, another normaliser) is not comparable and is not used."""
EXACT_SCORE, LINK_SCORE = 0.9, 0.3
NEAR_THRESHOLD = 0.5


def text_hash(text: str) -> str:
    return hashlib.sha256(matching_text(text).encode()).hexdigest()


def indicator(campaign: Campaign, lsh: LshParams = DEFAULT_LSH) -> dict[str, Any]:
    """The campaign as an exchange indicator (a `CampaignIndicator`'s JSON): never its accounts,
    which are pseudonyms keyed to this deployment, only how many."""
    signature = signatures([matching_text(campaign.representative_text)], lsh)[0] if campaign.representative_text else None
    found: dict[str, Any] = {
        "id": campaign.id, "representative_text": campaign.representative_text[:5_000] or None,
        "urls": campaign.urls[:1_000], "hashtags": campaign.hashtags[:1_000],
        "text_hashes": sorted({text_hash(text) for text in campaign.texts})[:1_000],
        "first_seen": campaign.start.isoformat(), "last_seen": campaign.end.isoformat(),
        "languages": [code for code in campaign.languages if 2 <= len(code) <= 3 and code.isalpha()][:20],
        "accounts": len(campaign.accounts), "posts": len(campaign.posts), "fact_checks": campaign.fact_checks[:100],
    }
    if signature is not None:
        found["minhash"] = {"scheme": SCHEME, "shingle": lsh.shingle, "num_perm": lsh.num_perm, "seed": lsh.seed,
                            "hashvalues": [int(value) for value in signature]}
    return {key: value for key, value in found.items() if value is not None}


@dataclass(frozen=True)
class IndicatorMatch:
    campaign: str
    how: str  # "text", "near_text" or "url"
    score: float
    similarity: float | None = None
    value: str | None = None

    def to_json(self) -> dict[str, Any]:
        found: dict[str, Any] = {"campaign": self.campaign, "how": self.how, "score": round(self.score, 4)}
        if self.similarity is not None:
            found["similarity"] = round(self.similarity, 4)
        if self.value is not None:
            found["value"] = self.value
        return found


class CampaignMatcher:
    """Matches posts against campaign indicators (plain mappings in the exchange format). Stateless
    after construction and safe to share between threads."""

    def __init__(self, indicators: Iterable[Mapping[str, Any]], lsh: LshParams = DEFAULT_LSH) -> None:
        self.lsh = lsh
        self.by_hash: dict[str, str] = {}
        self.by_url: dict[str, list[str]] = {}
        ids: list[str] = []
        rows: list[list[int]] = []
        for item in indicators:
            campaign = str(item["id"])
            for digest in item.get("text_hashes") or []:
                self.by_hash.setdefault(str(digest), campaign)
            for url in item.get("urls") or []:
                self.by_url.setdefault(str(url), []).append(campaign)
            minhash = item.get("minhash") or {}
            if (minhash.get("scheme") == SCHEME and minhash.get("shingle") == lsh.shingle
                    and minhash.get("num_perm") == lsh.num_perm and minhash.get("seed") == lsh.seed):
                ids.append(campaign)
                rows.append([int(value) for value in minhash["hashvalues"]])
        self.ids = ids
        self.signatures = np.array(rows, dtype=np.uint32).reshape(len(rows), lsh.num_perm)

    def __len__(self) -> int:
        return len({*self.by_hash.values(), *self.ids, *(c for cs in self.by_url.values() for c in cs)})

    def match_many(self, texts: Sequence[str], declared_urls: Sequence[Sequence[str]] | None = None
                   ) -> list[list[IndicatorMatch]]:
        """The campaigns each text matches, best first (one match per campaign)."""
        keys = [matching_text(text) for text in texts]
        near = signatures(keys, self.lsh) if len(self.ids) else None
        results: list[list[IndicatorMatch]] = []
        for index, (text, key) in enumerate(zip(texts, keys, strict=True)):
            found: list[IndicatorMatch] = []
            exact = self.by_hash.get(hashlib.sha256(key.encode()).hexdigest()) if key else None
            if exact:
                found.append(IndicatorMatch(exact, "text", EXACT_SCORE))
            if near is not None and len(key) - key.count(" ") >= 20:
                similarity = (self.signatures == near[index]).mean(axis=1)
                for position in np.flatnonzero(similarity >= NEAR_THRESHOLD).tolist():
                    value = float(similarity[position])
                    found.append(IndicatorMatch(self.ids[position], "near_text", 0.5 + 0.4 * value, value))
            declared = declared_urls[index] if declared_urls is not None else ()
            for url in links(text, declared):
                found.extend(IndicatorMatch(campaign, "url", LINK_SCORE, value=url)
                             for campaign in self.by_url.get(url, []))
            best: dict[str, IndicatorMatch] = {}
            for match in sorted(found, key=lambda match: -match.score):
                best.setdefault(match.campaign, match)
            results.append(list(best.values()))
        return results
