"""Export an organisation's fact-checks, bank entries and campaign indicators as a signed bundle,
and import a partner's bundle into the importing organisation only.

What import refuses, and why:
- the whole bundle, when its issuer is not an allow-listed partner of the importing organisation,
  when it is signed by another key than the partner's, or when the signature fails;
- one item at a time (the rest still land), when it is not in the signed manifest (altered or
  slipped in), malformed, of a kind not accepted from that partner, claims another sharer than the
  issuer, or would overwrite something this organisation holds from itself or another source.

A partner's bank entries go to banks named `<partner>.<bank>`: they never mix with the importer's
own, and each partner's can be disabled alone. A partner's allow-list bank starts disabled, as it
would otherwise silence the importer's own block banks. Re-importing a bundle writes nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from jaga.banks.exchange import entry as bank_entry
from jaga.banks.model import Bank, BankEntry, valid_bank_name
from jaga.banks.signals import signal_type
from jaga.claims.claimreview import from_claimreview, to_claimreview
from jaga.claims.model import FactCheck
from jaga.exchange.bundle import (
    ORG_NAME,
    BundleError,
    Item,
    Kind,
    ManifestEntry,
    Provenance,
    digest,
    open_bundle,
    parse_kinds,
    read_public_key,
    sign,
    verify,
)
from jaga.exchange.indicators import CampaignIndicator
from jaga.store.checkpoints import key_id
from jaga.store.exchange import Partner, SharedItem
from jaga.types import Category, now_utc

M = TypeVar("M", bound=BaseModel)

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from jaga.store import Store


class BankItem(BaseModel):
    """A bank entry as exchanged: HMA's bank (name, label, category, allow-list or not) and the
    signal under its ThreatExchange signal type name (pdq, video_md5, video_sha256, raw_text)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    bank: str = Field(min_length=1, max_length=64)
    label: str | None = Field(default=None, max_length=200)
    category: Category | None = None
    allow: bool = False
    signal_type: str = Field(min_length=1, max_length=32)
    signal: str = Field(min_length=1, max_length=10_000)
    content_id: str | None = Field(default=None, max_length=256)
    note: str | None = Field(default=None, max_length=2_000)


def bank_item_id(bank: str, kind_name: str, signal: str) -> str:
    """An entry's id: its bank, its signal type's exchange name and the SHA-256 of its signal."""
    return f"{bank}:{signal_type(kind_name).exchange_name}:{hashlib.sha256(signal.encode()).hexdigest()}"


@dataclass
class ExportResult:
    document: dict[str, Any]
    counts: dict[str, int]


def export_bundle(store: Store, kinds: Sequence[Kind], licence: str, key: Ed25519PrivateKey,
                  campaigns: Iterable[CampaignIndicator] = (), banks: Sequence[str] | None = None,
                  actor: str = "cli") -> ExportResult:
    """Sign the organisation's items of `kinds` (`banks` limits the bank entries to those banks).
    Items received from partners keep their origin, licence and source (no one re-licenses
    another's work); this organisation's own are shared under `licence`, and their first sharing is
    recorded so that later bundles give them the same `shared_at`."""
    issuer, now = store.org, now_utc()
    if not ORG_NAME.fullmatch(issuer):
        raise ValueError(f"organisation {issuer[:80]!r} cannot issue bundles: its name must be 1-64 letters, digits, "
                         "'_', '.' or '-'")
    items: list[Item] = []
    own: list[SharedItem] = []

    def add(kind: Kind, item_id: str, data: dict[str, Any], source: str | None, known: SharedItem | None) -> None:
        if known is not None and known.partner is not None:
            provenance = Provenance(origin=known.origin, shared_by=issuer, shared_at=known.shared_at,
                                    licence=known.licence, source=known.source)
        else:
            # the organisation's own: under today's licence, first shared when it first was
            provenance = Provenance(origin=issuer, shared_by=issuer, shared_at=known.shared_at if known else now,
                                    licence=licence, source=source)
        item = Item(kind=kind, id=item_id, provenance=provenance, data=data)
        items.append(item)
        if known is None or known.partner is None:
            document = item.model_dump(mode="json", exclude_none=True)
            item_digest = digest(document)
            if known is None or known.digest != item_digest:  # first shared, or changed since
                own.append(SharedItem(kind=kind, item_id=_local_id(kind, item_id, issuer), origin=issuer,
                                      partner=None, licence=provenance.licence, source=source,
                                      shared_at=provenance.shared_at, digest=item_digest, document=document))

    if Kind.FACT_CHECK in kinds:
        fact_checks = list(store.iter_fact_checks())
        known = store.shared_items_by_id(Kind.FACT_CHECK, [fc.id for fc in fact_checks])
        for fc in fact_checks:
            add(Kind.FACT_CHECK, fc.id, to_claimreview(fc), fc.source or fc.url, known.get(fc.id))
    if Kind.BANK_ENTRY in kinds:
        chosen = [bank for bank in store.banks() if banks is None or bank.name in banks]
        for bank in chosen:
            entries = list(store.bank_entries(bank.name))
            ids = [bank_item_id(bank.name, e.signal_type, e.signal) for e in entries]
            known = store.shared_items_by_id(Kind.BANK_ENTRY, ids)
            for item_id, e in zip(ids, entries, strict=True):
                data = BankItem(bank=bank.name, label=bank.label, category=bank.category, allow=bank.allow,
                                signal_type=signal_type(e.signal_type).exchange_name, signal=e.signal,
                                content_id=e.content_id, note=e.note).model_dump(mode="json", exclude_none=True)
                add(Kind.BANK_ENTRY, item_id, data, None, known.get(item_id))
    if Kind.CAMPAIGN in kinds:
        # The organisation's saved campaigns (jaga campaigns --save), then any given now (which win).
        given = {indicator["id"]: CampaignIndicator.model_validate(indicator) for indicator in store.campaign_indicators()}
        given.update({indicator.id: indicator for indicator in campaigns})
        known = store.shared_items_by_id(Kind.CAMPAIGN, [_local_id(Kind.CAMPAIGN, i, issuer) for i in given])
        for indicator in given.values():
            add(Kind.CAMPAIGN, indicator.id, indicator.model_dump(mode="json", exclude_none=True), None,
                known.get(_local_id(Kind.CAMPAIGN, indicator.id, issuer)))
        for stored in store.shared_items(Kind.CAMPAIGN):
            if stored.partner is None and stored.document["id"] in given:
                continue  # given again just now, perhaps changed
            add(Kind.CAMPAIGN, stored.document["id"], stored.document["data"], stored.source, stored)
    document = sign(issuer, licence, items, key, now)
    counts: dict[str, int] = {}
    for item in items:
        counts[item.kind] = counts.get(item.kind, 0) + 1
    store.record_shared_items(own, actor=actor, action="exchange.share", subject=f"{len(own)} own items")
    store.audit(actor, "exchange.export", digest(document["header"]), {"items": counts, "licence": licence})
    return ExportResult(document, counts)


def _local_id(kind: Kind, item_id: str, origin: str) -> str:
    """The id an item is filed under in an organisation: campaign ids are only unique at their
    origin, so they are prefixed with it; fact-check and bank-entry ids are the records' own."""
    return f"{origin}/{item_id}" if kind is Kind.CAMPAIGN else item_id


@dataclass(frozen=True)
class Rejection:
    index: int | None
    """Position in the bundle's items; None for a manifest entry whose item is missing."""
    kind: str | None
    id: str | None
    reason: str

    def to_json(self) -> dict[str, Any]:
        return {"index": self.index, "kind": self.kind, "id": self.id, "reason": self.reason}


@dataclass
class ImportReport:
    bundle: str
    issuer: str
    created_at: str
    added: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    unchanged: int = 0
    rejected: list[Rejection] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"bundle": self.bundle, "issuer": self.issuer, "created_at": self.created_at, "added": self.added,
                "updated": self.updated, "unchanged": self.unchanged,
                "rejected": [rejection.to_json() for rejection in self.rejected]}


@dataclass
class _Accepted:
    item: Item
    local_id: str
    digest: str
    record: FactCheck | BankEntry | CampaignIndicator
    bank: Bank | None = None
    update: bool = False


class _Refused(ValueError):
    pass


def import_bundle(store: Store, document: Any, actor: str = "cli") -> ImportReport:
    """Verify `document` against the importing organisation's partners and upsert its good items.
    Raises BundleError when the bundle as a whole cannot be trusted."""
    opened = open_bundle(document)
    header = opened.header
    partner = store.partner(header.issuer)
    if partner is None:
        raise BundleError("unknown_partner", f"{header.issuer!r} is not a partner of {store.org!r}: add its public "
                          "key with `jaga exchange partners add` first")
    public_key, _ = read_public_key(partner.public_key, f"partner {partner.name}'s key")
    verify(opened, public_key)
    _check_fresh(header.created_at, opened.id, partner)
    report = ImportReport(bundle=opened.id, issuer=header.issuer, created_at=header.created_at.isoformat())
    manifest: dict[str, ManifestEntry] = {entry.sha256: entry for entry in header.items}
    seen: set[str] = set()
    candidates: list[tuple[int, Item, str]] = []
    for index, raw in enumerate(opened.items):
        try:
            item_digest = digest(raw)
            listed = manifest.get(item_digest)
            if listed is None:
                raise _Refused("not in the signed manifest: altered after signing, or added by someone else")
            if item_digest in seen:
                raise _Refused("appears twice in the bundle")
            seen.add(item_digest)
            item = _parse(Item, raw)
            if (item.kind, item.id) != (listed.kind, listed.id):
                raise _Refused(f"the manifest lists this content as {listed.kind} {listed.id!r}")
            if item.provenance.shared_by != header.issuer:
                raise _Refused(f"says it was shared by {item.provenance.shared_by!r}, in a bundle of {header.issuer!r}")
            if item.kind not in partner.kinds:
                raise _Refused(f"{item.kind} items are not accepted from {partner.name!r} "
                               f"(accepted: {', '.join(partner.kinds) or 'none'})")
            candidates.append((index, item, item_digest))
        except (_Refused, ValueError) as error:
            raw_kind, raw_id = (raw.get("kind"), raw.get("id")) if isinstance(raw, dict) else (None, None)
            report.rejected.append(Rejection(index, _text(raw_kind), _text(raw_id), str(error)))
    altered = {(rejection.kind, rejection.id) for rejection in report.rejected}
    for missing in manifest.keys() - seen:  # an altered item's entry is missing too: said once, above
        entry = manifest[missing]
        if (entry.kind, entry.id) not in altered:
            report.rejected.append(Rejection(None, entry.kind, entry.id, "listed in the signed manifest but missing"))

    accepted = _accept(store, header.issuer, candidates, report)
    _write(store, accepted, header.issuer, opened.id, actor, report)
    store.note_bundle(header.issuer, opened.id, header.created_at)
    return report


CLOCK_SKEW = timedelta(minutes=10)
"""How far ahead of this machine's clock a partner's signing time may be."""


def _check_fresh(created_at: datetime, bundle: str, partner: Partner) -> None:
    """Refuse a replay: a bundle signed before the newest one already imported from this partner
    would put back item versions the partner has since replaced (a withdrawn fact-check, a removed
    bank entry), and its signature is still good. The same bundle again is fine (nothing changes);
    a bundle signed in the future is refused, so that it cannot block the partner's next ones."""
    if created_at > now_utc() + CLOCK_SKEW:
        raise BundleError("future_bundle", f"the bundle says it was signed at {created_at.isoformat()}, later than "
                          "this machine's clock allows: check the partner's clock")
    if partner.last_bundle_at is not None and created_at < partner.last_bundle_at:
        raise BundleError("replayed_bundle", f"{partner.name!r} signed this bundle at {created_at.isoformat()}, "
                          f"before the newest bundle already imported from it ({partner.last_bundle_at.isoformat()}): "
                          "an old bundle sent again is refused; ask the partner for a new export")


def _text(value: Any) -> str | None:
    return str(value)[:256] if value is not None else None


def _parse(model: type[M], value: Any) -> M:
    try:
        return model.model_validate(value)
    except ValidationError as error:
        problem = error.errors()[0]
        where = ".".join(str(part) for part in problem["loc"])
        raise _Refused(f"{where + ': ' if where else ''}{problem['msg']}"
                       f"{f' (and {error.error_count() - 1} more)' if error.error_count() > 1 else ''}") from None


def _accept(store: Store, issuer: str, candidates: list[tuple[int, Item, str]],
            report: ImportReport) -> list[_Accepted]:
    """Turn each candidate into the record it describes, and decide whether it is new, an update
    of what this partner sent before, unchanged, or a clash with what the organisation holds."""
    converted: list[tuple[int, _Accepted]] = []
    banks: dict[str, Bank] = {}
    for index, item, item_digest in candidates:
        try:
            converted.append((index, _convert(store, issuer, item, item_digest, banks)))
        except (_Refused, ValueError) as error:
            report.rejected.append(Rejection(index, item.kind, item.id, str(error)))
    by_kind: dict[Kind, list[str]] = {}
    for _, accepted in converted:
        by_kind.setdefault(accepted.item.kind, []).append(accepted.local_id)
    held = {kind: store.shared_items_by_id(kind, ids) for kind, ids in by_kind.items()}
    local_fact_checks = store.fact_check_ids(by_kind.get(Kind.FACT_CHECK, []))
    result: list[_Accepted] = []
    taken: set[tuple[Kind, str]] = set()
    for index, accepted in converted:
        kind, local_id = accepted.item.kind, accepted.local_id
        known = held[kind].get(local_id)
        if (kind, local_id) in taken:
            reason = "another item of this bundle has the same id"
        elif known is not None and known.partner != issuer:
            reason = (f"already held here from {'this organisation' if known.partner is None else known.partner!r}"
                      "; not overwritten")
        elif known is None and kind is Kind.FACT_CHECK and local_id in local_fact_checks:
            reason = "a fact-check with this id already exists in this organisation; not overwritten"
        elif known is not None and known.digest == accepted.digest:
            report.unchanged += 1
            taken.add((kind, local_id))
            continue
        else:
            accepted.update = known is not None
            taken.add((kind, local_id))
            result.append(accepted)
            continue
        report.rejected.append(Rejection(index, kind, accepted.item.id, reason))
    return result


def _convert(store: Store, issuer: str, item: Item, item_digest: str, banks: dict[str, Bank]) -> _Accepted:
    if item.kind is Kind.FACT_CHECK:
        fact_check = from_claimreview(item.data)
        if fact_check.id != item.id:
            raise _Refused(f"the ClaimReview's identifier {fact_check.id!r} is not the item's id")
        return _Accepted(item, fact_check.id, item_digest, fact_check)
    if item.kind is Kind.BANK_ENTRY:
        shared = _parse(BankItem, item.data)
        local_bank = valid_bank_name(f"{issuer}.{shared.bank}")
        new_entry = bank_entry(local_bank, shared.signal_type, shared.signal, shared.content_id, shared.note)
        if item.id != bank_item_id(shared.bank, new_entry.signal_type, new_entry.signal):
            raise _Refused("the item's id does not name its bank, signal type and signal")
        bank = banks.get(local_bank) or store.bank(local_bank)
        if bank is None:
            bank = Bank(name=local_bank, label=shared.label or f"{shared.bank} from {issuer}",
                        category=shared.category, allow=shared.allow, enabled=not shared.allow)
        banks[local_bank] = bank
        return _Accepted(item, bank_item_id(local_bank, new_entry.signal_type, new_entry.signal), item_digest,
                         new_entry, bank)
    indicator = _parse(CampaignIndicator, item.data)
    if indicator.id != item.id:
        raise _Refused(f"the indicator's id {indicator.id!r} is not the item's id")
    return _Accepted(item, _local_id(Kind.CAMPAIGN, indicator.id, item.provenance.origin), item_digest, indicator)


def _write(store: Store, accepted: list[_Accepted], issuer: str, bundle: str, actor: str,
           report: ImportReport) -> None:
    """Records first, provenance after: a crash between the two leaves records a re-import files."""
    fact_checks = [a.record for a in accepted if isinstance(a.record, FactCheck)]
    if fact_checks:
        store.save_fact_checks(fact_checks)
    entries = [a for a in accepted if isinstance(a.record, BankEntry)]
    for bank in {a.bank.name: a.bank for a in entries if a.bank is not None}.values():
        if store.bank(bank.name) is None:
            store.save_bank(bank, actor=actor)
    if entries:
        store.add_bank_entries([a.record for a in entries if isinstance(a.record, BankEntry)], actor=actor)
    received: datetime = now_utc()
    store.record_shared_items(
        [SharedItem(kind=a.item.kind, item_id=a.local_id, origin=a.item.provenance.origin, partner=issuer,
                    licence=a.item.provenance.licence, source=a.item.provenance.source,
                    shared_at=a.item.provenance.shared_at, digest=a.digest,
                    document=a.item.model_dump(mode="json", exclude_none=True), bundle=bundle, received_at=received)
         for a in accepted], actor=actor, action="exchange.import", subject=f"{issuer} {bundle[:16]}")
    for a in accepted:
        counts = report.updated if a.update else report.added
        counts[a.item.kind] = counts.get(a.item.kind, 0) + 1


def campaign_indicators(store: Store) -> list[CampaignIndicator]:
    """Every campaign indicator the organisation holds, its own and its partners'."""
    return [CampaignIndicator.model_validate(item.document["data"]) for item in store.shared_items(Kind.CAMPAIGN)]


def new_partner(name: str, public_key_pem: str, kinds: Sequence[Kind] | str) -> Partner:
    """A partner to allow-list, checked: its name as it signs, an Ed25519 public key, known kinds.
    ValueError says what is wrong."""
    if not ORG_NAME.fullmatch(name):
        raise ValueError(f"partner names are organisation names: 1-64 letters, digits, '_', '.' or '-': {name[:80]!r}")
    chosen = parse_kinds(kinds) if isinstance(kinds, str) else tuple(sorted(set(kinds)))
    key, pem = read_public_key(public_key_pem, f"{name}'s public key")
    return Partner(name=name, public_key=pem, key_id=key_id(key), kinds=tuple(str(kind) for kind in chosen))
