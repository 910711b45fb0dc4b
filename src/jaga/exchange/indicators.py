"""Campaign indicators: what one organisation tells another about a coordinated campaign it found,
so that the other can recognise the same campaign in its own posts.

An indicator carries what is matchable across platforms (text fingerprints, normalised URLs,
hashtags) and what helps a person judge it (a representative text, the time span, languages, sizes).
It never carries account ids: they are pseudonyms keyed to the sharing deployment, meaningless
elsewhere and personal data besides. The schema is independent of `jaga.campaigns` (which finds
campaigns); a detector's cluster maps onto it field by field.
"""

from __future__ import annotations

from typing import Annotated, Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

Hex64 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
Short = Annotated[str, Field(min_length=1, max_length=200)]


class MinHashSignature(BaseModel):
    """A MinHash of the campaign's normalised text. Comparable only with a signature made the same
    way, so how it was made travels with it: the scheme (library and normaliser), the character
    shingle size, the number of permutations and the seed. Values are 32-bit (datasketch's range),
    which keeps them exact in JSON (I-JSON numbers stop at 2^53)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    scheme: str = Field(default="datasketch", min_length=1, max_length=64)
    shingle: int = Field(ge=1, le=32, description="Characters per shingle.")
    num_perm: int = Field(ge=16, le=1024)
    seed: int = Field(ge=0, le=2**32 - 1)
    hashvalues: list[Annotated[int, Field(ge=0, le=2**32 - 1)]]

    @model_validator(mode="after")
    def _length(self) -> Self:
        if len(self.hashvalues) != self.num_perm:
            raise ValueError(f"hashvalues holds {len(self.hashvalues)} values, num_perm says {self.num_perm}")
        return self


class CampaignIndicator(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$",
                    description="The cluster's id at the organisation that found it.")
    representative_text: str | None = Field(default=None, max_length=5_000)
    urls: list[Annotated[str, Field(min_length=1, max_length=2_000)]] = Field(
        default_factory=list, max_length=1_000, description="Normalised URLs (shorteners expanded).")
    hashtags: list[Short] = Field(default_factory=list, max_length=1_000, description="Lower-case, without '#'.")
    text_hashes: list[Hex64] = Field(default_factory=list, max_length=1_000,
                                     description="SHA-256 of normalised texts (exact re-posts).")
    minhash: MinHashSignature | None = None
    first_seen: AwareDatetime
    last_seen: AwareDatetime
    languages: list[Annotated[str, Field(pattern=r"^[a-z]{2,3}$")]] = Field(default_factory=list, max_length=20)
    accounts: int = Field(default=0, ge=0, description="How many accounts took part (never who).")
    posts: int = Field(default=0, ge=0)
    fact_checks: list[Annotated[str, Field(min_length=1, max_length=256)]] = Field(
        default_factory=list, max_length=100, description="Ids of fact-checks the campaign's posts matched.")
    note: str | None = Field(default=None, max_length=2_000)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.last_seen < self.first_seen:
            raise ValueError("last_seen is before first_seen")
        if not (self.representative_text or self.urls or self.hashtags or self.text_hashes or self.minhash):
            raise ValueError("an indicator needs something to match: a text, URLs, hashtags, text hashes or a MinHash")
        return self
