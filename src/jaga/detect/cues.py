"""Functional cues: the distinctions a bag of n-grams cannot make, made explicit as features.

"Muslims are vermin", "I would never say Muslims are vermin" and "If you say 'Muslims are
vermin' you are a bigot" share nearly all their n-grams, so a linear n-gram model scores them
alike (measured: 38 % of negated hate and 54 % of quoted counter-speech judged right on HateCheck).
Per language, `cues/<code>.yaml` lists word classes: protected groups, slurs, dehumanising and
insulting terms, hateful verbs, threats, exclusion, positive terms, negation and counter-speech.
The analyser finds them, decides for each whether it is negated (a negation cue earlier in the
same clause) or quoted (inside quotation marks), and emits a few dozen binary features such as
"a protected group with a plain (un-negated, unquoted) derogatory term". The classifier learns their
weights along with the n-grams, from real data and Jaga's own functional templates.

The same pass rewrites the text for the word n-gram stream: a protected group becomes one token
(`IDGROUP`), so what is said about a group is learnt once for every group and a mention alone
carries no weight; negated and quoted words get a prefix, so "not vermin" and "vermin" differ.
Character n-grams still see the original text, which keeps slurs, obfuscation and scripts
without spaces covered.
"""

from __future__ import annotations

import re
import sys
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np
import yaml
from pypinyin import lazy_pinyin
from rapidfuzz.distance import OSA
from wordfreq import get_frequency_dict

from jaga.text import normalise
from jaga.text.alternation import any_term
from jaga.text.chaizi import split_forms
from jaga.text.language import script_counts

CLASSES = ("identity", "slur", "dehumanise", "insult", "hate_verb", "threat", "exclude", "positive", "negation",
           "counter")
DEROGATORY = ("dehumanise", "insult", "hate_verb")
GROUP_TOKEN = "IDGROUP"
UNSPACED_SCRIPTS = {"thai", "lao", "khmer", "myanmar", "han"}
NEGATION_REACH = {"spaced": 48, "unspaced": 8}
"""How far (in characters) a negation cue reaches forward within its clause."""
CLAUSE_BREAK = re.compile(r"[.!?;:,\n。！？；：，]|\s(?:but|however|tapi|tetapi|namun|pero|ngunit|nhưng|แต่|但是|可是)\s")
QUOTES = re.compile(r"\"[^\"]+\"|“[^“”]+”|«[^«»]+»|「[^「」]+」|『[^『』]+』|‘[^‘’]+’|(?<!\w)'[^']+'(?!\w)")
"""A quotation runs to its closing mark and stops at another opening one: otherwise every unclosed
mark searched to the end of the text (quadratic: 60,000 characters of "“a " took 0.6 s)."""
FEATURES = (
    "identity", "slur", "slur_quoted", "derogatory", "derogatory_negated", "derogatory_quoted", "threat",
    "threat_negated", "exclude", "exclude_negated", "positive", "positive_negated", "counter", "question",
    "group_derogatory", "group_threat", "group_exclude", "group_slur", "group_positive", "group_positive_negated",
    "group_derogatory_negated_only", "group_derogatory_quoted_only", "group_hostile_with_counter",
    "group_hostile_question", "slur_with_counter", "hostile_without_group",
)
WORDFREQ_LANGUAGE = {"en": "en", "id": "id", "ms": "ms", "tl": "fil", "vi": "vi"}
"""Languages (written with spaces, in Latin script) whose cue terms are also found misspelt; the
value is wordfreq's code for the language's list of common words."""
COMMON_WORD_FREQUENCY = 1e-6
"""A word at least this frequent (Zipf 3) in the language is taken as meant, never as a misspelling."""
FUZZY_MIN_TERM = 5
MAX_VARIANT_TOKEN = 64
"""Longer tokens are not searched for misspelt or glued cue terms: every such term is far shorter,
and the deletion search is quadratic (a 50,000-character token took 15-29 s and 5.3 GB)."""
"""Shorter cue terms have too many real words one edit away ("hate"/"have", "gay"/"guy")."""
_WORD = re.compile(r"[^\W\d_]+")
_LATIN = re.compile(r"[a-z]")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
FEATURE_SCALE = 0.5
"""Weight of a cue feature against the L2-normalised n-gram block (found on the development suites:
large enough to be learnt, small enough not to swamp the n-grams for texts with no cue)."""


class CueError(ValueError):
    """A cue file that cannot be used, with the file named in the message."""


@dataclass(frozen=True)
class Hit:
    cue_class: str
    start: int
    end: int
    negated: bool
    quoted: bool


@dataclass(frozen=True)
class Analysis:
    hits: tuple[Hit, ...]
    marked: str
    """The text for the word n-gram stream: groups as one token, negated and quoted words marked."""

    def plain(self, *classes: str) -> bool:
        return any(hit.cue_class in classes and not hit.negated and not hit.quoted for hit in self.hits)

    def negated(self, *classes: str) -> bool:
        return any(hit.cue_class in classes and hit.negated and not hit.quoted for hit in self.hits)

    def quoted(self, *classes: str) -> bool:
        return any(hit.cue_class in classes and hit.quoted for hit in self.hits)

    def present(self, *classes: str) -> bool:
        return any(hit.cue_class in classes for hit in self.hits)


class CueLexicon:
    """The cue classes of one language, compiled to one pattern."""

    def __init__(self, language: str, classes: dict[str, list[str]]) -> None:
        self.language = language
        self.term_class: dict[str, str] = {}
        for cue_class in CLASSES:
            for term in classes.get(cue_class, []):
                if not isinstance(term, str):  # YAML reads a bare no/yes/on/off as a boolean
                    raise ValueError(f"{cue_class}: {term!r} is not text; quote it")
                self.term_class.setdefault(normalise(term).text.lower(), cue_class)
        terms = sorted(self.term_class, key=len, reverse=True)
        self.unspaced = bool(terms) and _mostly_unspaced(terms)
        bounded = [term for term in terms if not _is_unspaced(term)]
        unbounded = [term for term in terms if _is_unspaced(term)]
        self.pattern = re.compile(r"(?<!\w)" + any_term(bounded) + r"(?!\w)|" + any_term(unbounded))
        self.reach = NEGATION_REACH["unspaced" if self.unspaced else "spaced"]
        self.variants: SpellingVariants | ChineseVariants | None = (
            SpellingVariants(self.term_class, language) if language in WORDFREQ_LANGUAGE
            else ChineseVariants(self.term_class) if language == "zh" else None)

    def analyse(self, text: str) -> Analysis:
        lowered = text.lower()
        quoted_spans = [match.span() for match in QUOTES.finditer(lowered)]
        breaks = list(CLAUSE_BREAK.finditer(lowered))
        clause_starts = [0] + [match.end() for match in breaks]
        # A negation in a question is rhetorical ("isn't it obvious that ...?", "why don't we ...?").
        questions = [(start, match.end()) for start, match in zip(clause_starts, breaks, strict=False)
                     if match.group().strip() in ("?", "？")]
        matches = [(match.start(), match.end(), self.term_class[match.group()]) for match in
                   self.pattern.finditer(lowered)]
        if self.variants is not None:
            matches = self.variants.add_variants(lowered, matches)
        # Every lookup below is a binary search over sorted, non-overlapping spans: a test against
        # every negation or quotation made long posts quadratic (50,000 characters of "not? ": 8 s).
        negations = sorted((end, start) for start, end, cue_class in matches if cue_class == "negation"
                           and not _inside(questions, start))
        negation_ends = [end for end, _ in negations]
        hits = []
        for start, end, cue_class in matches:
            clause = clause_starts[bisect_right(clause_starts, start) - 1]
            negated = cue_class != "negation" and self._negated(negations, negation_ends, clause, start)
            quoted = _inside(quoted_spans, start, end, strict=True)
            hits.append(Hit(cue_class, start, end, negated, quoted))
        return Analysis(tuple(hits), _marked(lowered, hits))

    def _negated(self, negations: list[tuple[int, int]], ends: list[int], clause: int, start: int) -> bool:
        """Whether a negation cue ends within `reach` characters before `start`, in the same clause.
        `negations` is (end, start) sorted by end; only the few ending in that window are looked at."""
        index = bisect_right(ends, start) - 1
        while index >= 0 and ends[index] >= start - self.reach:
            if negations[index][1] >= clause:
                return True
            index -= 1
        return False


class SpellingVariants:
    """Cue terms written to slip past word lists: "immigrnts", "thraet" (one edit away from a term,
    same first letter) and "manysluts", "ihate" (a term run together with a common word).

    A word common in the language is never read as a variant of another ("treat" is not "threat"),
    so only rare tokens are looked at: typos, slang and run-together words. Candidates come from a
    deletion index (each term and its one-letter deletions), confirmed by edit distance."""

    def __init__(self, term_class: dict[str, str], language: str) -> None:
        self.term_class = {term: cue_class for term, cue_class in term_class.items()
                           if cue_class not in ("negation", "counter") and " " not in term}
        self.common = _common_words(WORDFREQ_LANGUAGE[language])
        self.by_deletion: dict[str, set[str]] = {}
        for term in self.term_class:
            if len(term) >= FUZZY_MIN_TERM:
                for variant in {term, *_deletions(term)}:
                    self.by_deletion.setdefault(variant, set()).add(term)

    def add_variants(self, lowered: str, matches: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
        """`matches` (exact, ordered, non-overlapping) plus the variants found in the words no exact
        match touches, in text order."""
        found: list[tuple[int, int, str]] = []
        covered = iter(matches)
        current = next(covered, None)
        for word in _WORD.finditer(lowered):
            start, end = word.span()
            while current is not None and current[1] <= start:
                current = next(covered, None)
            if current is not None and current[0] < end:
                continue  # an exact match already reads this word
            token = word.group()
            if len(token) < 4 or token in self.common:
                continue
            found.extend(self._variants(token, start))
        return sorted(matches + found) if found else matches

    def _variants(self, token: str, start: int) -> list[tuple[int, int, str]]:
        if len(token) > MAX_VARIANT_TOKEN:
            return []  # no term or term-plus-word is this long; and the search is quadratic in the token
        term = self._misspelt(token)
        if term is not None:
            return [(start, start + len(token), self.term_class[term])]
        for cut in range(1, len(token)):
            head, tail = token[:cut], token[cut:]
            if len(tail) >= 3 and tail in self.term_class and (head in self.common or head in self.term_class):
                hits = [(start + cut, start + len(token), self.term_class[tail])]
                if head in self.term_class:
                    hits.insert(0, (start, start + cut, self.term_class[head]))
                return hits
            if len(head) >= 3 and head in self.term_class and tail in self.common:
                return [(start, start + cut, self.term_class[head])]
        return []

    def _misspelt(self, token: str) -> str | None:
        candidates: set[str] = set()
        for variant in {token, *_deletions(token)}:
            candidates.update(self.by_deletion.get(variant, ()))
        best = [term for term in candidates if term[0] == token[0] and OSA.distance(term, token, score_cutoff=1) <= 1]
        return min(best, key=lambda term: (len(term), term)) if best else None  # ties: same answer every run


def _without_overlaps(matches: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """In text order; where two overlap, the one that starts first (or is longer) wins."""
    kept: list[tuple[int, int, str]] = []
    for match in sorted(matches, key=lambda match: (match[0], match[0] - match[1])):
        if not kept or match[0] >= kept[-1][1]:
            kept.append(match)
    return kept


class ChineseVariants:
    """Chinese cue terms with a character, or the whole term, typed in toneless pinyin to get past
    filters ("跨xing别者", "bu诚实", "laji"), or with a character written as two whole characters
    ("女表子" for 婊子; see `jaga.text.chaizi`). Terms wholly in Han characters only; a fully romanised
    term that is an English word ("shanghai" is 伤害, "harm") and a split form that is a common Chinese
    word are left out.

    Homophone swaps ("费物" for 废物) were tried the same way (one character replaced by any character
    read alike, common Chinese words excluded) and gave nothing: the character n-grams already score
    HateCheck zh's homophone cases at 81 %, and the development suite went from 73.5 to 73.5."""

    def __init__(self, term_class: dict[str, str]) -> None:
        english, common = _common_words("en"), _common_words("zh")
        self.term_class: dict[str, str] = {}
        romanised: list[str] = []
        split: list[str] = []
        for term, cue_class in term_class.items():
            if not _HAN.fullmatch(term):
                continue
            for index, character in enumerate(term):
                for form in split_forms(character):
                    variant = term[:index] + form + term[index + 1:]
                    if variant not in common and variant not in term_class:
                        self.term_class.setdefault(variant, cue_class)
                        split.append(variant)
            syllables = lazy_pinyin(term)
            if len(syllables) != len(term):
                continue
            for index, syllable in enumerate(syllables):
                romanised.append(term[:index] + syllable + term[index + 1:])
                self.term_class.setdefault(romanised[-1], cue_class)
            whole = "".join(syllables)
            if len(term) > 1 and whole not in english:
                romanised.append(whole)
                self.term_class.setdefault(whole, cue_class)
        # A syllable is a variant only where it is not part of a longer Latin word ("sha" in "shall").
        self.romanised = re.compile(r"(?<![a-z])" + any_term(romanised) + r"(?![a-z])")
        self.split = re.compile(any_term(split))

    def add_variants(self, lowered: str, matches: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
        found = [(match.start(), match.end(), self.term_class[match.group()]) for match in self.split.finditer(lowered)]
        if _LATIN.search(lowered):  # pinyin needs Latin letters: most posts skip that scan
            found += [(match.start(), match.end(), self.term_class[match.group()])
                      for match in self.romanised.finditer(lowered)]
        return _without_overlaps(matches + found) if found else matches


def _inside(spans: list[tuple[int, int]], start: int, end: int | None = None, strict: bool = False) -> bool:
    """Whether [start, end) lies in one of `spans` (sorted and non-overlapping, as `finditer` gives
    them): only the last span that opens at or before `start` can hold it. `strict`: the span must
    open before `start` and close after `end` (a quotation holds what is between its marks)."""
    index = bisect_right(spans, (start, -1) if strict else (start, sys.maxsize)) - 1
    if index < 0:
        return False
    span_start, span_end = spans[index]
    if strict:
        return span_start < start and (end if end is not None else start) < span_end
    return span_start <= start < span_end


def _deletions(word: str) -> list[str]:
    return [word[:index] + word[index + 1:] for index in range(len(word))]


@cache
def _common_words(wordfreq_language: str) -> frozenset[str]:
    return frozenset(word for word, frequency in get_frequency_dict(wordfreq_language, wordlist="small").items()
                     if frequency >= COMMON_WORD_FREQUENCY)


def _marked(lowered: str, hits: list[Hit]) -> str:
    """Groups replaced by one token; a cue inside a negation or quotation prefixed (`n_`, `q_`).
    Hits come from one `finditer`, so they are ordered and never overlap: one pass rewrites them."""
    pieces, position = [], 0
    for hit in hits:
        if hit.cue_class == "identity":
            replacement = f" {GROUP_TOKEN} "
        elif hit.negated or hit.quoted:
            replacement = ("q_" if hit.quoted else "") + ("n_" if hit.negated else "") + lowered[hit.start:hit.end]
        else:
            continue
        pieces.append(lowered[position:hit.start])
        pieces.append(replacement)
        position = hit.end
    pieces.append(lowered[position:])
    return "".join(pieces)


def _is_unspaced(term: str) -> bool:
    scripts = script_counts(term)
    return bool(scripts) and set(scripts) <= UNSPACED_SCRIPTS


def _mostly_unspaced(terms: list[str]) -> bool:
    return sum(_is_unspaced(term) for term in terms) * 2 > len(terms)


def features_of(analysis: Analysis, text: str) -> list[str]:
    """The names of the cue features a text has (a subset of `FEATURES`)."""
    on: list[str] = []
    group = analysis.present("identity")
    slur = analysis.plain("slur")
    derogatory = analysis.plain(*DEROGATORY)
    threat = analysis.plain("threat")
    exclude = analysis.plain("exclude")
    counter = analysis.present("counter")
    hostile = derogatory or threat or exclude or slur
    question = "?" in text or "？" in text
    flags = {
        "identity": group,
        "slur": slur,
        "slur_quoted": analysis.quoted("slur"),
        "derogatory": derogatory,
        "derogatory_negated": analysis.negated(*DEROGATORY),
        "derogatory_quoted": analysis.quoted(*DEROGATORY),
        "threat": threat,
        "threat_negated": analysis.negated("threat"),
        "exclude": exclude,
        "exclude_negated": analysis.negated("exclude"),
        "positive": analysis.plain("positive"),
        "positive_negated": analysis.negated("positive"),
        "counter": counter,
        "question": question,
        "group_derogatory": group and derogatory,
        "group_threat": group and threat,
        "group_exclude": group and exclude,
        "group_slur": group and slur,
        "group_positive": group and analysis.plain("positive") and not hostile,
        "group_positive_negated": group and analysis.negated("positive") and not hostile,
        "group_derogatory_negated_only": group and analysis.negated(*DEROGATORY, "threat", "exclude") and not hostile,
        "group_derogatory_quoted_only": group and analysis.quoted(*DEROGATORY, "threat", "exclude", "slur")
        and not hostile,
        "group_hostile_with_counter": group and hostile and counter,
        "group_hostile_question": group and hostile and question,
        "slur_with_counter": slur and counter,
        "hostile_without_group": hostile and not group,
    }
    for name in FEATURES:
        if flags[name]:
            on.append(name)
    return on


class CueAnalyser:
    """Every language's cue lexicon; analyses a text with its own language's cues."""

    def __init__(self, directory: Path | None = None) -> None:
        self.lexicons = load_cues(directory)

    def analyse(self, text: str, language: str) -> Analysis | None:
        lexicon = self.lexicons.get(language)
        return lexicon.analyse(text) if lexicon else None

    def transform(self, texts: Sequence[str], languages: Sequence[str]) -> tuple[list[str], np.ndarray]:
        """(marked texts for the word stream, cue features of shape (n, len(FEATURES))). Dense:
        26 columns, mostly read a column or a few rows at a time."""
        marked: list[str] = []
        features = np.zeros((len(texts), len(FEATURES)), dtype=np.float32)
        for row, (text, language) in enumerate(zip(texts, languages, strict=True)):
            analysis = self.analyse(text, language)
            if analysis is None:
                marked.append(text)
                continue
            marked.append(analysis.marked)
            for name in features_of(analysis, text):
                features[row, FEATURE_INDEX[name]] = FEATURE_SCALE
        return marked, features


FEATURE_INDEX = {name: index for index, name in enumerate(FEATURES)}


@cache
def load_cues(directory: Path | None = None) -> dict[str, CueLexicon]:
    root = directory or Path(str(resources.files("jaga.detect") / "cues"))
    lexicons: dict[str, CueLexicon] = {}
    for path in sorted(root.glob("*.yaml")):
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            language = str(data["language"])
            unknown = set(data) - {"language", *CLASSES}
            if unknown:
                raise ValueError(f"unknown cue classes {sorted(unknown)}; expected {', '.join(CLASSES)}")
            lexicons[language] = CueLexicon(language, {name: list(data.get(name) or []) for name in CLASSES})
        except (KeyError, TypeError, ValueError, yaml.YAMLError) as error:
            raise CueError(f"{path}: {error}") from error
    return lexicons
