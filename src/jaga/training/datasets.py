"""The training-data registry: which public datasets exist, their licence class, their languages,
and how each one's labels map onto Jaga's taxonomy.

Data are read from `JAGA_DATA_DIR` (default ../shared/data), never copied into the project. Every
dataset's mapping is written out here, in one place, because the mapping *is* a modelling decision
(is ViHSD's "offensive" harassment? is a Tagalog election insult hate?) that reviewers must be able
to read and argue with.
"""

from __future__ import annotations

import ast
import csv
import re
import sys
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, get_args

from jaga.config import LicenceClass, data_dir
from jaga.training.corpus import corpus_dir as template_dir
from jaga.training.corpus import load_corpus
from jaga.training.exploitation import load_material, material_dir
from jaga.types import Category

csv.field_size_limit(sys.maxsize)

HARM = (Category.HATE_SPEECH, Category.HARASSMENT)
EXPLOITATION = (Category.SCAM_FRAUD, Category.ILLEGAL_GAMBLING)
MODELLED: tuple[Category, ...] = (*HARM, *EXPLOITATION)
"""Categories the harm classifier predicts. The others come from lexicons, URLs, banks, claims."""

FUNCTIONAL_DATASET = "jaga_functional"
"""Jaga's own templates (`training/functional/`)."""
EXPLOITATION_DATASET = "jaga_exploitation"
"""Jaga's own scam and gambling material (`training/exploitation/`)."""

LICENCE_CLASSES: tuple[str, ...] = get_args(LicenceClass)


@dataclass(frozen=True)
class Example:
    text: str
    language: str
    labels: dict[Category, int]
    dataset: str
    weight: float = 1.0
    split: str | None = None
    """Set where the material fixes its own split (the functional corpus splits by template)."""
    functionality: str = ""


Loader = Callable[[Path], Iterator[Any]]
"""Yields (text, language, labels), or an `Example` for material with its own weight and split."""


@dataclass(frozen=True)
class Dataset:
    name: str
    licence: str
    languages: tuple[str, ...]
    description: str
    loader: Loader
    builtin: bool = False
    """Shipped with Jaga (our own material) rather than read from JAGA_DATA_DIR."""
    weight: float = 1.0
    """Sample weight in training: small, targeted material must not drown in 170k tweets."""
    home: Callable[[], Path] = template_dir
    """Where built-in material lives (the functional corpus unless said otherwise)."""

    def path(self, root: Path | None = None) -> Path:
        return self.home() if self.builtin else (root or data_dir()) / self.name

    def available(self, root: Path | None = None) -> bool:
        return self.path(root).is_dir()

    def examples(self, root: Path | None = None) -> Iterator[Example]:
        for item in self.loader(self.path(root)):
            if isinstance(item, Example):
                if item.text.strip():
                    yield replace(item, text=item.text.strip(), dataset=self.name, weight=self.weight * item.weight)
                continue
            text, language, labels = item
            text = text.strip()
            if text:
                yield Example(text=text, language=language, labels=labels, dataset=self.name, weight=self.weight)


def _rows(path: Path, encoding: str = "utf-8-sig", delimiter: str = ",", header: bool = True) -> Iterator[list[str]]:
    with path.open(encoding=encoding, errors="replace", newline="") as handle:
        reader = csv.reader(handle, delimiter=delimiter)
        if header:
            next(reader, None)
        yield from reader


def _dicts(path: Path, encoding: str = "utf-8-sig", delimiter: str = ",") -> Iterator[dict[str, str]]:
    with path.open(encoding=encoding, errors="replace", newline="") as handle:
        yield from csv.DictReader(handle, delimiter=delimiter)


def _not_exploitation() -> dict[Category, int]:
    return {category: 0 for category in EXPLOITATION}


def _not_harm() -> dict[Category, int]:
    return {category: 0 for category in HARM}


def _id_multilabel(root: Path) -> Iterator[tuple[str, str, dict[Category, int]]]:
    # Hate speech = HS aimed at a protected characteristic; harassment = abusive, or HS at a person.
    for row in _dicts(root / "re_dataset.csv", encoding="latin-1"):
        protected = any(row[key] == "1" for key in ("HS_Religion", "HS_Race", "HS_Physical", "HS_Gender"))
        hate = int(row["HS"] == "1" and protected)
        harassment = int(row["Abusive"] == "1" or (row["HS"] == "1" and row["HS_Individual"] == "1"))
        labels = {Category.HATE_SPEECH: hate, Category.HARASSMENT: harassment, **_not_exploitation()}
        if row["HS"] == "1" and not protected:
            labels.pop(Category.HATE_SPEECH)  # group hate without a named protected trait: unknown
        yield row["Tweet"], "id", labels


def _id_abusive(root: Path) -> Iterator[tuple[str, str, dict[Category, int]]]:
    for label, tweet in _rows(root / "re_dataset_two_labels.csv"):
        yield tweet, "id", {Category.HARASSMENT: int(label == "2"), **_not_exploitation()}


def _sg_attacks(root: Path) -> Iterator[tuple[str, str, dict[Category, int]]]:
    languages = {"Indonesian": "id", "Malay": "ms", "Singlish": "en", "English": "en", "('English', 'Malay')": "ms",
                 "('English', 'Indonesian')": "id"}
    for split in ("train_split.csv", "validation_split.csv", "test_split.csv"):
        for row in _dicts(root / split):
            language = languages.get(row["final_label_language"])
            if language is None:
                continue  # Javanese, Sundanese ... outside the 11 languages
            yield row["text"], language, {Category.HARASSMENT: int(row["label"] == "1"), **_not_exploitation()}


def _vihsd(root: Path) -> Iterator[tuple[str, str, dict[Category, int]]]:
    for split in ("train.csv", "dev.csv", "test.csv"):
        for text, label in _rows(root / split):
            labels = {Category.HATE_SPEECH: int(label == "2"), Category.HARASSMENT: int(label in ("1", "2")),
                      **_not_exploitation()}
            yield text, "vi", labels


def _vihos(root: Path) -> Iterator[tuple[str, str, dict[Category, int]]]:
    for split in ("train.csv", "dev.csv", "test.csv"):
        for row in _dicts(root / split):
            spans = ast.literal_eval(row["index_spans"] or "[]")
            yield row["content"], "vi", {Category.HARASSMENT: int(bool(spans)), **_not_exploitation()}


def _tagalog_elf(root: Path) -> Iterator[tuple[str, str, dict[Category, int]]]:
    # "Hate" here is mostly insults at politicians: harassment, not protected-group hate.
    for split in ("dataset-train.csv", "dataset-test.csv", "annotated-dataset.csv"):
        for text, label in _rows(root / split):
            if label in ("0", "1"):
                yield text, "tl", {Category.HARASSMENT: int(label), **_not_exploitation()}


def _tagalog_mlthsc(root: Path) -> Iterator[tuple[str, str, dict[Category, int]]]:
    # Every row is hateful; rows whose target is a protected trait are hate speech.
    for row in _dicts(root / "mlthsc.csv"):
        protected = any(row[key] == "1" for key in ("Gender", "Physical", "Race", "Religion"))
        labels: dict[Category, int] = {Category.HARASSMENT: 1, **_not_exploitation()}
        if protected:
            labels[Category.HATE_SPEECH] = 1
        yield row["Text"], "tl", labels


_MY_TAG = re.compile(r"/(ab|re|ra|bo|se|le|po|ed|no)(\|(ab|re|ra|bo|se|le|po|ed|no))*")


def _my_hatespeech(root: Path) -> Iterator[tuple[str, str, dict[Category, int]]]:
    for line in (root / "myHateSpeech_ver1.0.txt").read_text(encoding="utf-8", errors="replace").splitlines():
        if "\t" not in line:
            continue
        tagged, label = line.rsplit("\t", 1)
        label = label.strip()
        if label not in {"ab", "re", "ra", "bo", "se", "le", "po", "ed", "no"}:
            continue
        text = _MY_TAG.sub("", tagged).replace(" ", "")  # word-segmented corpus: join like real posts
        labels = {Category.HATE_SPEECH: int(label in ("re", "ra")),
                  Category.HARASSMENT: int(label in ("ab", "bo", "se", "le", "re", "ra")), **_not_exploitation()}
        if label in ("po", "ed"):
            labels.pop(Category.HARASSMENT)
        yield text, "my", labels


def _tamil_hasoc(root: Path) -> Iterator[tuple[str, str, dict[Category, int]]]:
    for name, delimiter in (("task1_tamil_script_train.tsv", "\t"), ("task1_tamil_script_test_with_labels.tsv", "\t"),
                            ("task2_tanglish_HL_train.csv", ","), ("task2_tanglish_test_with_labels.tsv", "\t")):
        for row in _dicts(root / name, delimiter=delimiter):
            category = (row.get("category") or "").strip()
            if category in ("OFF", "NOT"):
                yield row["text"], "ta", {Category.HARASSMENT: int(category == "OFF"), **_not_exploitation()}


def _tamil_dravidian(root: Path) -> Iterator[tuple[str, str, dict[Category, int]]]:
    for name in ("tamil_offensive_full_dev.tsv", "tamil_offensive_full_test_with_labels.tsv"):
        for row in _rows(root / name, delimiter="\t", header=False):
            if len(row) < 2 or row[1] == "not-Tamil":
                continue
            yield row[0], "ta", {Category.HARASSMENT: int(row[1] != "Not_offensive"), **_not_exploitation()}


def _cold(root: Path) -> Iterator[tuple[str, str, dict[Category, int]]]:
    # Offensive comments on race, region and gender topics: attacks on groups.
    for split in ("train.csv", "dev.csv", "test.csv"):
        for row in _dicts(root / split):
            fine = row.get("fine-grained-label")
            labels: dict[Category, int] = {Category.HATE_SPEECH: int(row["label"] == "1"), **_not_exploitation()}
            if fine == "1":
                labels = {Category.HATE_SPEECH: 0, Category.HARASSMENT: 1, **_not_exploitation()}
            yield row["TEXT"], "zh", labels


def _davidson(root: Path) -> Iterator[tuple[str, str, dict[Category, int]]]:
    for row in _dicts(root / "labeled_data.csv"):
        label = row["class"]
        labels = {Category.HATE_SPEECH: int(label == "0"), Category.HARASSMENT: int(label in ("0", "1")),
                  **_not_exploitation()}
        yield row["tweet"], "en", labels


def _uci_sms(root: Path) -> Iterator[tuple[str, str, dict[Category, int]]]:
    for row in _rows(root / "SMSSpamCollection.tsv", delimiter="\t"):
        if len(row) >= 2 and row[0] in ("ham", "spam"):
            yield row[1], "en", {Category.SCAM_FRAUD: int(row[0] == "spam"), Category.ILLEGAL_GAMBLING: 0, **_not_harm()}


def _id_sms(root: Path) -> Iterator[tuple[str, str, dict[Category, int]]]:
    # 1 = fraud; 2 = operator promotions, which are legitimate advertising, not scams.
    for text, label in _rows(root / "dataset_sms_spam_v1.csv"):
        yield text, "id", {Category.SCAM_FRAUD: int(label == "1"), Category.ILLEGAL_GAMBLING: 0, **_not_harm()}


def _vi_smishing(root: Path) -> Iterator[tuple[str, str, dict[Category, int]]]:
    for row in _dicts(root / "dataset.csv"):
        yield row["content"], "vi", {Category.SCAM_FRAUD: int(row["label"] == "1"), **_not_harm()}


def _fil_sms(root: Path) -> Iterator[tuple[str, str, dict[Category, int]]]:
    # Preprocessed (lower-cased, stop-words removed); spam includes gambling lures, so gambling is unknown.
    for row in _dicts(root / "cleaned_sms_text_labels_only_v2.csv"):
        yield row["text"], "tl", {Category.SCAM_FRAUD: int(row["label"] == "spam"), **_not_harm()}


def _judol(root: Path) -> Iterator[tuple[str, str, dict[Category, int]]]:
    # The raw copy: it keeps the styled letters and emoji digits that real promotion uses.
    for row in _dicts(root / "dataset_judol_labelled.csv"):
        positive = row["label"] == "1"
        labels: dict[Category, int] = {Category.ILLEGAL_GAMBLING: int(positive), Category.SCAM_FRAUD: 0}
        if positive:
            labels.update(_not_harm())
        yield row["comment_text"], "id", labels


CORPUS_SPLITS = {"train": "train", "dev": "calibration", "test": "test"}


def _exploitation(root: Path) -> Iterator[Example]:
    """Jaga's authored scam and gambling material (`jaga.training.exploitation`), each case in the
    split its id hashes to."""
    for case in load_material(root):
        yield Example(text=case.text, language=case.language, labels=case.labels, dataset=EXPLOITATION_DATASET,
                      split=CORPUS_SPLITS[case.split], functionality=case.family)


def _functional(root: Path) -> Iterator[Example]:
    """Jaga's functional corpus (`jaga.training.corpus`), each case in its template's split. Within a
    language, the non-hateful cases weigh as much as the hateful ones: otherwise the group names
    (in every hateful case) would learn to signal hate, and "my neighbours are Muslims" be flagged."""
    cases = load_corpus(directory=root)
    hateful: dict[str, int] = defaultdict(int)
    total: dict[str, int] = defaultdict(int)
    for case in cases:
        hateful[case.language] += case.hateful
        total[case.language] += 1
    for case in cases:
        labels = {Category.HATE_SPEECH: int(case.hateful)}
        if case.harassment is not None:
            labels[Category.HARASSMENT] = int(case.harassment)
        others = total[case.language] - hateful[case.language]
        weight = 1.0 if case.hateful else hateful[case.language] / max(others, 1)
        yield Example(text=case.text, language=case.language, labels=labels, dataset=FUNCTIONAL_DATASET,
                      weight=weight, split=CORPUS_SPLITS[case.split], functionality=case.functionality)


REGISTRY: dict[str, Dataset] = {
    dataset.name: dataset
    for dataset in [
        Dataset(FUNCTIONAL_DATASET, "permissive", ("en", "id", "ms", "tl", "vi", "th", "zh", "ta", "km", "lo", "my"),
                "Jaga's own templates: hate without slurs vs counter-speech, negation, neutral mentions, "
                "abuse of individuals and objects.", _functional, builtin=True, weight=2.0),
        Dataset(EXPLOITATION_DATASET, "permissive", ("en", "id", "ms", "tl", "vi", "th", "zh", "ta", "km", "lo", "my"),
                "Jaga's own scam and gambling material: promotions in every language and their look-alikes "
                "(news, campaigns, games, telco offers, bank warnings).", _exploitation, builtin=True, weight=2.0,
                home=material_dir),
        Dataset("id_multilabel_hate_abusive", "non-commercial", ("id",), "Indonesian tweets: hate speech, abuse, targets.",
                _id_multilabel),
        Dataset("id_abusive_2018", "non-commercial", ("id",), "Indonesian tweets: abusive or not.", _id_abusive),
        Dataset("sg_online_attacks", "unknown", ("id", "ms", "en"), "Reddit (SG/MY/ID): online attacks.", _sg_attacks),
        Dataset("vihsd", "non-commercial", ("vi",), "Vietnamese comments: clean / offensive / hate.", _vihsd),
        Dataset("vihos", "permissive", ("vi",), "Vietnamese comments with offensive spans.", _vihos),
        Dataset("tagalog_hate_elf", "unknown", ("tl",), "Tagalog/Taglish election tweets and Reddit: hate (insults).",
                _tagalog_elf),
        Dataset("tagalog_mlthsc", "unknown", ("tl",), "Tagalog hateful posts with target categories.", _tagalog_mlthsc),
        Dataset("my_hatespeech", "non-commercial", ("my",), "Burmese Facebook comments, 9 hate types.", _my_hatespeech),
        Dataset("tamil_hasoc2021", "unknown", ("ta",), "Tamil script and Tanglish: offensive or not.", _tamil_hasoc),
        Dataset("tamil_offensive_dravidian_eacl2021", "permissive", ("ta",), "Tamil-English YouTube: offensive types.",
                _tamil_dravidian),
        Dataset("cold_zh", "permissive", ("zh",), "Chinese offensive language on race, region, gender.", _cold),
        Dataset("davidson_en", "permissive", ("en",), "English tweets: hate / offensive / neither.", _davidson),
        Dataset("uci_sms_spam_en", "permissive", ("en",), "English SMS spam (UK/SG).", _uci_sms),
        Dataset("id_sms_spam", "unknown", ("id",), "Indonesian SMS: normal / fraud / promo.", _id_sms),
        Dataset("vi_sms_smishing", "unknown", ("vi",), "Vietnamese SMS smishing.", _vi_smishing),
        Dataset("fil_sms_spam", "permissive", ("tl",), "Filipino SMS spam (preprocessed text).", _fil_sms),
        Dataset("id_judol_youtube", "permissive", ("id",), "Indonesian YouTube comments: gambling promotion.", _judol),
    ]
}
"""Left out on purpose: filipino_hatespeech_election (contained in tagalog_hate_elf, incl. its test
split), vi_sms_spam_mt (a machine translation of uci_sms_spam_en: would leak across splits), and the
functional suites hatecheck_en / multilingual_hatecheck (evaluation only, never training)."""


def select(licences: tuple[str, ...] = LICENCE_CLASSES, names: tuple[str, ...] | None = None) -> list[Dataset]:
    unknown = set(licences) - set(LICENCE_CLASSES)
    if unknown:
        raise ValueError(f"unknown licence class {sorted(unknown)}; choose from {LICENCE_CLASSES}")
    chosen = [dataset for dataset in REGISTRY.values() if dataset.licence in licences]
    if names:
        missing = set(names) - set(REGISTRY)
        if missing:
            raise ValueError(f"unknown dataset {sorted(missing)}; known: {sorted(REGISTRY)}")
        chosen = [dataset for dataset in chosen if dataset.name in names]
    return chosen
