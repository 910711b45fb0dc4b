"""Reading fact-checks: the public sets in `$JAGA_DATA_DIR/claims/`, ClaimReview JSON-LD, and CSV.

Every reader yields, for each record, either a `FactCheck` or a `Rejected` with the line it started
on and why, so an import reports what it could not use instead of dropping it.
"""

from __future__ import annotations

import ast
import csv
import io
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from jaga.claims.claimreview import from_claimreview
from jaga.claims.model import Appearance, FactCheck, verdict_from_rating
from jaga.config import LicenceClass

csv.field_size_limit(1 << 24)


@dataclass(frozen=True)
class Rejected:
    line: int
    reason: str
    raw: str


Imported = FactCheck | Rejected
Reader = Callable[[Path], Iterator[Imported]]


def _csv_records(text: str, delimiter: str = ",") -> Iterator[tuple[int, dict[str, str]]]:
    """Rows as dicts with the line each starts on (a quoted field may span lines)."""
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = next(reader)
    start = reader.line_num + 1
    for row in reader:
        if any(cell.strip() for cell in row):
            yield start, dict(zip(header, row, strict=False))
        start = reader.line_num + 1


def _build(line: int, raw: Any, **fields: Any) -> Imported:
    """A FactCheck from fields, or the reason it cannot be one."""
    rating = fields.get("rating") or ""
    verdict = fields.pop("verdict", None) or verdict_from_rating(rating)
    if verdict is None:
        return Rejected(line, f"unknown rating {rating!r}: add it to claims/data/ratings.yaml", _raw(raw))
    try:
        return FactCheck(verdict=verdict, **fields)
    except ValidationError as error:
        problem = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())
        return Rejected(line, problem, _raw(raw))


def _raw(raw: Any) -> str:
    return raw if isinstance(raw, str) else json.dumps(raw, ensure_ascii=False, default=str)


def _lead(text: str, limit: int = 300, title_line: bool = False) -> str:
    """The opening of an article, as its claim: its title line when it has one, else whole sentences
    up to `limit` characters (hard-wrapped text is joined first)."""
    text = text.strip()
    first_line = text.split("\n", 1)[0].strip()
    if title_line and 15 <= len(first_line) <= limit:
        return first_line
    sentences = re.split(r"(?<=[.!?])\s+", " ".join(text.split()))
    lead = ""
    for sentence in sentences:
        if lead and len(lead) + len(sentence) > limit:
            break
        lead = f"{lead} {sentence}".strip()
    return lead[:limit]


# --- TurnBackHoax (Mafindo), Indonesian ---------------------------------------------------------

_NARASI = re.compile(r"\(?NARASI\)?\s*(?:\|\s*NARRATION)?\s*:?\s*(.*?)\s*"
                     r"(?=======|=?\(?\bPENJELASAN|\bANALISA\s*:|\(?\bREFEREN(?:SI|CE)|\(?SUMBER\)?\s*[:|(]"
                     r"|(?<=[”\"]\s)FAKTA\b|(?<=[”\"])FAKTA\b|\bFAKTANYA\s*:|$)", re.DOTALL)
"""The NARASI block ends where the article's next block starts. Headers are upper case and often bare
("... pesan berantai.” PENJELASAN Foto tersebut ..."): until 2026-12-02 only "PENJELASAN:" ended
it, and 98 of 316 messages ran on into the fact-checker's explanation."""
_KATEGORI = re.compile(r"\(?KATEGORI\)?\s*(?:\|\s*CATEGORI\w*)?\s*:?\s*([^=|.\n]{3,40})")


def turnbackhoax_narrative(body: str) -> str | None:
    """The circulating message a TurnBackHoax article debunks (its "(NARASI)" block), if it has one."""
    match = _NARASI.search(body)
    if not match:
        return None
    narrative = match.group(1).strip(" \"“”:")
    return narrative if len(narrative) >= 20 else None


_BLOCK = re.compile(r"\(?\b(?:KATEGORI|SUMBER|NARASI|PENJELASAN|REFERENSI)\b")
_PENJELASAN = re.compile(r"\(?PENJELASAN\)?\s*(?:\|\s*\w+)?\s*:?\s*(.+?)\s*(?=======|\(?REFERENSI\)?|"
                         r"\(?SUMBER\)?\s*[:|(]|$)", re.DOTALL)
_PHOTO_CREDIT = re.compile(r"^\s*Foto\s*:\s*\S+\s*")


def turnbackhoax_summary(body: str, narrative: str | None = None, limit: int = 600) -> str | None:
    """The fact-checker's finding in a TurnBackHoax article: its opening paragraph (before the
    KATEGORI / SUMBER / NARASI blocks), or else the opening of its PENJELASAN (explanation), in whole
    sentences up to `limit` characters. Sentences that repeat the circulating message (six words in a
    row of `narrative`) are left out: the message is an appearance, and the summary is what the
    fact-checker wrote about it."""
    text = _PHOTO_CREDIT.sub("", body.strip())
    block = _BLOCK.search(text)
    opening = (text[:block.start()] if block else "").split("======")[0]
    if len(opening.strip()) < 40:
        explanation = _PENJELASAN.search(text)
        opening = explanation.group(1) if explanation else ""
    sentences = re.split(r"(?<=[.!?])\s+", " ".join(opening.split()))
    if narrative:
        sentences = _without_quotes(sentences, narrative)
    summary = _lead(" ".join(sentences), limit)
    return summary if len(summary) >= 20 else None


def _without_quotes(sentences: list[str], source: str, run: int = 6) -> list[str]:
    """The sentences with no word in a run of `run` words that `source` also has (a run may cross
    sentence boundaries: a quoted list splits into many short "sentences")."""
    words = [(index, word) for index, sentence in enumerate(sentences) for word in re.findall(r"\w+", sentence.casefold())]
    source_words = re.findall(r"\w+", source.casefold())
    quoted = {tuple(source_words[start:start + run]) for start in range(len(source_words) - run + 1)}
    touched: set[int] = set()
    for start in range(len(words) - run + 1):
        window = words[start:start + run]
        if tuple(word for _, word in window) in quoted:
            touched.update(index for index, _ in window)
    return [sentence for index, sentence in enumerate(sentences) if index not in touched]


def read_turnbackhoax(directory: Path) -> Iterator[Imported]:
    text = (directory / "Scrapping.csv").read_bytes().decode("cp1252", errors="replace")
    for number, (line, row) in enumerate(_csv_records(text, ";"), start=1):
        headline = " ".join((row.get("Headline") or "").split())
        claim = headline.split(" | ")[0].strip(" \"“”")  # bilingual headlines: "id | en"
        body = row.get("Body") or ""
        category = _KATEGORI.search(body)
        rating = category.group(1).strip() if category else ("Klarifikasi" if row.get("Label") == "1" else "Hoaks")
        if verdict_from_rating(rating) is None:
            rating = "Klarifikasi" if row.get("Label") == "1" else "Hoaks"
        # In a hoax debunk the NARASI block quotes the circulating message; in a clarification
        # ("Klarifikasi", label 1) it is the official's account, which is not an appearance.
        # The summary leaves out whatever repeats the NARASI block in either case.
        quoted = turnbackhoax_narrative(body)
        narrative = quoted if row.get("Label") == "0" else None
        yield _build(line, row, id=f"turnbackhoax_id_2021:{number}", claim=claim, language="id", country="ID",
                     rating=rating, publisher="TurnBackHoax (Mafindo)", title=headline or None,
                     summary=turnbackhoax_summary(body, quoted),
                     appearances=[Appearance(text=narrative[:3_000])] if narrative else [],
                     source="turnbackhoax_id_2021")


# --- Anti-Fake News Center Thailand --------------------------------------------------------------

_AFNC_NOT_VERDICTS = {"คลังความรู้": "a knowledge article", "อาชญากรรมออนไลน์": "an online-crime warning",
                      "ข่าวอื่นๆ": "other news", "กิจกรรม": "an activity notice"}


def _buddhist_date(value: str) -> date | None:
    match = re.match(r"(\d{1,2})/(\d{1,2})/(\d{4})", value.strip())
    if not match:
        return None
    day, month, year = (int(part) for part in match.groups())
    return date(year - 543 if year > 2400 else year, month, day)


def read_afnc(directory: Path) -> Iterator[Imported]:
    for path in sorted(directory.glob("*.csv")):
        for line, row in _csv_records(path.read_text(encoding="utf-8-sig")):
            kind = (row.get("ประเภทข่าว") or "").strip()
            if kind in _AFNC_NOT_VERDICTS:
                yield Rejected(line, f"not a fact-check verdict: {_AFNC_NOT_VERDICTS[kind]} ({kind})", _raw(row))
                continue
            url = (row.get("ลิงค์ข่าว") or "").strip() or None
            post_number = re.search(r"[?&]p=(\d+)", url or "")
            claim = " ".join((row.get("หัวข้อข่าว") or "").split())
            yield _build(line, row, id=f"afnc_th:{post_number.group(1) if post_number else line}", claim=claim,
                         language="th", country="TH", rating=kind or "-", publisher="Anti-Fake News Center Thailand",
                         url=url, title=claim or None, summary=_opening(row.get("เนื้อหาข่าว") or ""),
                         review_date=_buddhist_date(row.get("วันและเวลาที่เผยแพร่", "")), source="afnc_th_opendata")


_LINK = re.compile(r"\(?https?://\S+\)?")


def _opening(text: str, limit: int = 600) -> str | None:
    """The opening of an article without its links, cut at a space (Thai marks no sentence ends)."""
    text = " ".join(_LINK.sub(" ", text).split())
    if len(text) > limit:
        text = text[:limit].rsplit(" ", 1)[0]
    return text if len(text) >= 20 else None


# --- Labelled news articles (a claim store seed, not fact-checks proper) --------------------------

def read_fake_news_filipino(directory: Path) -> Iterator[Imported]:
    text = (directory / "full.csv").read_text(encoding="utf-8")
    for number, (line, row) in enumerate(_csv_records(text), start=1):
        rating = {"0": "real", "1": "fake"}.get((row.get("label") or "").strip(), row.get("label") or "")
        yield _build(line, row, id=f"fake_news_filipino:{number}", claim=_lead(row.get("article") or ""),
                     language="tl", country="PH", rating=rating, publisher="Fake News Filipino (Cruz et al., 2020)",
                     source="fake_news_filipino")


def read_indo_hoax(directory: Path) -> Iterator[Imported]:
    for path in sorted(directory.glob("*.csv")):
        size = path.name.split("_", 1)[0]
        text = path.read_bytes().decode("cp1252", errors="replace")
        for number, (line, row) in enumerate(_csv_records(text, ";"), start=1):
            yield _build(line, row, id=f"indo_hoax_pratiwi:{size}:{number}", claim=_lead(row.get("berita") or ""),
                         language="id", country="ID", rating=(row.get("tagging") or "").strip(),
                         publisher="Indonesian hoax news (Pratiwi et al., 2017)", source="indo_hoax_pratiwi")


def _tokens(value: str | list[str]) -> list[str]:
    tokens = value if isinstance(value, list) else ast.literal_eval(value) if value.startswith("[") else [value]
    return [str(token) for token in tokens]


def read_limesoda(directory: Path) -> Iterator[Imported]:
    for path in sorted(directory.glob("*.jsonl")):
        with path.open(encoding="utf-8") as handle:
            for line, raw in enumerate(handle, start=1):
                try:
                    record = json.loads(raw)
                    tokens = _tokens(record.get("Title") or record.get("Text") or "")
                    detail = _tokens(record.get("Detail") or "")
                except (ValueError, SyntaxError) as error:
                    yield Rejected(line, f"malformed record: {error}", raw.rstrip("\n"))
                    continue
                title, _, body = "".join(tokens).partition("|||")
                title = title.strip() or _lead(body or "".join(detail))  # some records have only a body
                yield _build(line, raw.rstrip("\n"), id=f"limesoda_th:{path.stem}:{line}", claim=title[:1_000],
                             language="th", country="TH", rating=record.get("Document Tag") or "",
                             publisher="LimeSoda (Payoungkhamdee et al., 2021)", source="limesoda_th")


def read_vfnd(directory: Path) -> Iterator[Imported]:
    for path in sorted(directory.glob("*.csv")):
        for line, row in _csv_records(path.read_text(encoding="utf-8")):
            text = row.get("text") or ""
            claim = _lead(text, title_line=True)
            domain = (row.get("domain") or "").strip()
            rating = {"0": "real", "1": "fake"}.get((row.get("label") or "").strip(), row.get("label") or "")
            yield _build(line, row, id=FactCheck.make_id("vfnd", claim), claim=claim, language="vi", country="VN",
                         rating=rating, publisher="VFND (Ho & Ninh, 2019)",
                         appearances=[Appearance(url=f"http://{domain}")] if domain else [], source="vfnd_vi")


# --- SemEval-2025 Task 7 (MultiClaim format) -----------------------------------------------------

ISO3 = {"eng": "en", "spa": "es", "kor": "ko", "por": "pt", "fra": "fr", "deu": "de", "ara": "ar", "tha": "th",
         "msa": "ms", "ind": "id", "tgl": "tl", "vie": "vi", "zho": "zh", "tam": "ta", "mya": "my", "khm": "km",
         "lao": "lo", "pol": "pl", "slk": "sk", "tur": "tr", "hin": "hi"}


def multiclaim_text(value: str) -> tuple[str, str, str]:
    """(original, English translation, language) from a MultiClaim text tuple."""
    original, english, languages = ast.literal_eval(value)
    language = languages[0][0] if languages else "und"
    return original, english, ISO3.get(language, language)


def read_semeval(directory: Path) -> Iterator[Imported]:
    ratings: dict[str, list[str]] = {}
    posts = {row["post_id"]: row for _, row in _csv_records((directory / "trial_posts.csv").read_text(encoding="utf-8"))}
    for _, pair in _csv_records((directory / "trial_data_mapping.csv").read_text(encoding="utf-8")):
        post = posts.get(pair["post_id"])
        if post:
            ratings.setdefault(pair["fact_check_id"], []).extend(ast.literal_eval(post["verdicts"] or "[]"))
    for line, row in _csv_records((directory / "trial_fact_checks.csv").read_text(encoding="utf-8")):
        try:
            claim, _, language = multiclaim_text(row["claim"])
            title = multiclaim_text(row["title"])[0] if row.get("title") else None
            instances = ast.literal_eval(row.get("instances") or "[]")
        except (ValueError, SyntaxError) as error:
            yield Rejected(line, f"malformed MultiClaim tuple: {error}", _raw(row))
            continue
        url = instances[0][1] if instances else None
        reviewed = datetime.fromtimestamp(instances[0][0], UTC).date() if instances else None
        rating = next(iter(ratings.get(row["fact_check_id"], [])), "")
        if not rating:
            yield Rejected(line, "no rating: no post mapped to this fact-check carries a verdict", _raw(row))
            continue
        yield _build(line, row, id=f"semeval2025_task7_trial:{row['fact_check_id']}", claim=claim,
                     language=language, rating=rating.rstrip("."), publisher=(url or "").split("/")[2] if url else "-",
                     url=url, title=title, review_date=reviewed, source="semeval2025_task7_trial")


#: The public sets under `$JAGA_DATA_DIR/claims/`, by folder name.
DATASETS: dict[str, Reader] = {
    "afnc_th_opendata": read_afnc,
    "turnbackhoax_id_2021": read_turnbackhoax,
    "fake_news_filipino": read_fake_news_filipino,
    "indo_hoax_pratiwi": read_indo_hoax,
    "limesoda_th": read_limesoda,
    "vfnd_vi": read_vfnd,
    "semeval2025_task7_trial": read_semeval,
}

#: Each public set's licence class (its SOURCE.md): what a model trained on its claims inherits
#: (`jaga.provenance`). AFNC's export sits in an MIT repository that states no terms for the data.
LICENCES: dict[str, LicenceClass] = {
    "afnc_th_opendata": "unknown",
    "turnbackhoax_id_2021": "unknown",
    "fake_news_filipino": "unknown",
    "indo_hoax_pratiwi": "unknown",
    "limesoda_th": "permissive",      # CC BY 4.0
    "vfnd_vi": "copyleft",            # GPL-3.0
    "semeval2025_task7_trial": "non-commercial",  # MultiClaim: research use only
}
_ID_PREFIXES = {"afnc_th": "afnc_th_opendata"}


def dataset_of(fact_check_id: str) -> str:
    """The public set a fact-check's id comes from (`afnc_th:12` -> `afnc_th_opendata`); ids of
    records a user brought name their own prefix."""
    prefix = fact_check_id.split(":", 1)[0]
    return _ID_PREFIXES.get(prefix, prefix)


def datasets_of(fact_check_ids: Iterable[str]) -> list[dict[str, str]]:
    """The `{"name", "licence"}` of every set these fact-checks come from, as a model's metadata lists
    its training data; a set Jaga does not know is of `unknown` licence."""
    names = sorted({dataset_of(fact_check_id) for fact_check_id in fact_check_ids})
    return [{"name": name, "licence": LICENCES.get(name, "unknown")} for name in names]


# --- Files a user brings ---------------------------------------------------------------------------

CSV_COLUMNS = ["id", "claim", "language", "country", "verdict", "rating", "publisher", "url", "title",
               "summary", "claim_date", "review_date", "appearances", "source"]


def read_claimreview(path: Path) -> Iterator[Imported]:
    """ClaimReview JSON-LD: `.jsonl` holds one per line; `.json` / `.jsonld` one document, a list,
    {"claims": [...]}, an ItemList or an @graph. In a document, `line` is the record's position."""
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() == ".jsonl":
        items: Iterable[tuple[int, Any]] = _json_lines(text)
    else:
        try:
            items = enumerate(_claimreview_items(json.loads(text)), start=1)
        except json.JSONDecodeError as error:
            yield Rejected(error.lineno, f"malformed JSON: {error.msg} (column {error.colno})", text[:2_000])
            return
    for line, item in items:
        if isinstance(item, Rejected):
            yield item
            continue
        try:
            yield from_claimreview(item)
        except (ValueError, ValidationError) as error:
            yield Rejected(line, f"not a usable ClaimReview: {error}", _raw(item))


def _json_lines(text: str) -> Iterator[tuple[int, Any]]:
    for line, raw in enumerate(text.splitlines(), start=1):
        if raw.strip():
            try:
                yield line, json.loads(raw)
            except json.JSONDecodeError as error:
                yield line, Rejected(line, f"malformed JSON: {error.msg}", raw)


def _claimreview_items(loaded: Any) -> list[Any]:
    if isinstance(loaded, list):
        return loaded
    if isinstance(loaded, dict):
        for key in ("claims", "@graph", "itemListElement"):
            if isinstance(loaded.get(key), list):
                return [item.get("item", item) if isinstance(item, dict) else item for item in loaded[key]]
    return [loaded]


def read_csv(path: Path) -> Iterator[Imported]:
    """Jaga's CSV (the columns of `CSV_COLUMNS`; appearances as a JSON list). A missing `verdict` is
    derived from `rating`; a missing `id` from the publisher and URL or claim."""
    for line, row in _csv_records(path.read_text(encoding="utf-8-sig")):
        unknown = set(row) - set(CSV_COLUMNS)
        if unknown:
            yield Rejected(line, f"unknown column(s) {sorted(unknown)}", _raw(row))
            continue
        fields: dict[str, Any] = {key: value.strip() or None for key, value in row.items() if value is not None}
        try:
            fields["appearances"] = json.loads(fields.get("appearances") or "[]")
        except json.JSONDecodeError as error:
            yield Rejected(line, f"appearances is not a JSON list: {error.msg}", _raw(row))
            continue
        claim, publisher = fields.get("claim") or "", fields.get("publisher") or ""
        fields["id"] = fields.get("id") or FactCheck.make_id(publisher, claim, fields.get("url"))
        fields = {key: value for key, value in fields.items() if value is not None}
        yield _build(line, row, **fields)


def read_file(path: Path) -> Iterator[Imported]:
    """A user's file, by its extension: `.json` / `.jsonld` / `.jsonl` (ClaimReview) or `.csv`."""
    if path.suffix.lower() == ".csv":
        return read_csv(path)
    if path.suffix.lower() in (".json", ".jsonld", ".jsonl"):
        return read_claimreview(path)
    raise ValueError(f"{path}: unknown format {path.suffix!r}; expected .csv, .json, .jsonld or .jsonl")
