"""Rules with context for the harms the classifier was never trained on (child sexual exploitation,
self-harm and violent extremism) and for the regional scam and gambling families, whose words
("judi online", "akaun selamat", "OTP") are as common in news and warnings as in the scams themselves.

A single word decides nothing here: "bocil" is every Indonesian gamer's word for a kid, "I want to die"
follows a spicy meal, "bomb" is planted on site B in Counter-Strike. What makes a post harmful is a
*combination*: a child + sexual material + a sale; a move to private chat + a question about age +
secrecy; a death wish + a method + a time. So each language's file (`harm_cues/<code>.yaml`) lists word
classes (the way people write them online, with the region's code words), and `harm_cues/rules.yaml`
says, in one place for all languages, which classes together make which sub-type and how strong it
is. A rule does not fire when the post also carries its `unless` classes (news and court reporting,
condemnation, awareness and helpline talk, recovery stories, gaming and food banter), and the
`negatable` classes of a category do not count when a negation cue stands just before them in the
same clause ("I would never hurt myself").

A URL or bare domain in the post (`jaga.detect.urls.extract_urls`) is a `link` hit, so a rule can ask
for "a bait and somewhere to go" without a list of top-level domains; except a link to an official
site (a bank's or a government's own domain: where people should go) and a link the URL detector
already judges a look-alike or known scam domain: that link is the URL detector's evidence, and
counting it again here would make "a look-alike link with scam wording" out of the link alone. A link
on a shortener (bit.ly, s.id, ...) is never followed: it counts as somewhere to go and is named in the
signal (`details.shortener`), unless the post shows where it leads.

The same classes that stop a rule also hold down the classifier (`cap_discussed`): a bank's "we will
never ask for your OTP" is written in the scam's own words, and a post that warns and sends nowhere
keeps its scam and gambling classifier scores below the label threshold.

Each signal carries the sub-type (`details.subtype`, e.g. self_harm: imminent / ideation /
encouragement) so policies and notices can treat a person's own disclosure differently from
encouragement, and the matched words as evidence spans.

A language's `context` block may list `ordinary` words: compounds whose letters hold a cue but which
are words of their own ("秒杀", a flash sale, holds 杀, kill; "ลูกน้อง", a subordinate, holds น้อง, a
child; Meiktila, မိတ္ထီလာ, holds ထီ, lottery). A cue that shares a letter with an ordinary word is part
of it, not a cue ("shoot at" in "photo shoot at the temple"), unless it holds the whole word. Word breaks
do this for the compounds ICU's dictionaries know; these are the ones they do not.

Text arrives normalised (`jaga.text.normalise`: leetspeak, homoglyphs, Zawgyi folded). Scripts
written without spaces are matched inside words; for very short terms there the match must start
and end on an ICU word break (`jaga.text.icu.word_breaks`), so that a one- or two-character term
does not fire inside an unrelated word.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from importlib import resources
from pathlib import Path
from typing import ClassVar

import ahocorasick
import yaml

from jaga.detect.base import Detector, PreparedPost
from jaga.detect.urls import FoundUrl, assess_url, extract_urls, load_domain_data
from jaga.text.alternation import NOTHING, any_term
from jaga.text.icu import word_breaks
from jaga.text.language import script_counts
from jaga.text.normalise import normalise
from jaga.types import Category, Signal, Span

CATEGORIES = (Category.SEXUAL_EXPLOITATION, Category.SELF_HARM, Category.VIOLENT_EXTREMISM, Category.SCAM_FRAUD,
              Category.ILLEGAL_GAMBLING)
MAX_LINKS = 20
"""URLs read as `link` hits: one is enough for a rule, and the URL detector reads them all."""
UNSPACED_SCRIPTS = {"thai", "lao", "khmer", "myanmar", "han"}
SHORT_UNSPACED = 2
"""Unspaced-script terms this short must sit on ICU word breaks, counted in letters without their
vowel signs and tone marks (`_letters`): Lao ວັດ (temple) is two letters and three characters, and
matched inside ປະຫວັດ (history) and ໄຂ້ຫວັດ (flu) while it was counted in characters; Khmer ចិត
(to cut) inside ចិត្ត (mind)."""
NEGATION_REACH = {"spaced": 24, "unspaced": 8}
"""How far (characters) before a cue a negation still applies, within the clause."""
PREFIX_SCRIPTS = {"tamil"}
"""Scripts whose words take suffixes glued on (Tamil: சாகணும் -> சாகணும்னா): terms match word starts."""
_UNSPACED_RANGES = "\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3400-\u9fff\uf900-\ufaff"
_SPACED_MARKS = "\u0300-\u036f\u0b82\u0b83\u0bbe-\u0bcd\u0bd7"
WORD_EDGE_BEFORE = rf"(?<![^\W{_UNSPACED_RANGES}])(?<![{_SPACED_MARKS}])"
WORD_EDGE_AFTER = rf"(?![^\W{_UNSPACED_RANGES}])(?![{_SPACED_MARKS}])"
"""Word edges for spaced terms; a neighbouring Thai, Lao, Burmese, Khmer or Han letter is an edge
("ISIS才是..." has the word "isis"). A vowel sign or virama of a spaced script (Tamil; Latin combining
accents) is not: Python's word class leaves them out, so பை (bye) matched inside மும்பை (Mumbai) and குண்டு
(bomb) inside வெடிகுண்டு until 2026-12-07."""
GAP = "~"
"""In a term, `~` stands for a short gap: up to three words (spaced scripts) or twelve characters."""
# Burmese writes its full stop and comma as ။ and ၊, Khmer its full stop as ។ (and ៕ at the end).
CLAUSE_BREAK = re.compile(r"[.!?;\n。！？；။។៕]|\s(?:but|tapi|tetapi|pero|nhưng|แต่|但是|可是)\s")
COMMA = re.compile(r"[,，、၊]")
"""A comma ends a negation's reach when words stand between the negation and it: "ni bukan gurauan, aku
serius nak mati" and "not joking, i want to die" are disclosures, not negated ones (the 2026-12-06
self-harm round found such posts in id and ms). A negation the comma follows at once is emphasis, and
reaches on: "I would never, ever hurt myself"."""
COMPANIONS = {"id": ("ms",), "ms": ("id",), "en": (), "tl": ()}
"""Languages whose cue words are read together with the post's own (close varieties)."""
MAX_EVIDENCE = 10
HEAD_CHARS = 4_000
TAIL_CHARS = 1_000
"""Characters read: the opening and the end of a post. The harms here are said in a sentence or two,
and the scan is one pass per class and language (about 2 ms per 1,000 characters), so a
50,000-character post costs what 5,000 do; text buried in the middle of a pasted document is missed."""


class HarmRulesError(ValueError):
    """A rule or cue file that cannot be used, with the file named in the message."""


@dataclass(frozen=True)
class Rule:
    subtype: str
    score: float
    all: tuple[str, ...]
    any: tuple[str, ...]
    unless: tuple[str, ...]
    min_any: int = 1
    distinct: bool = False
    """An `any` class counts only with words of its own, outside the rule's `all` words."""


@dataclass(frozen=True)
class CategoryRules:
    category: Category
    negatable: frozenset[str]
    rules: tuple[Rule, ...]
    heads_gate: frozenset[str] = frozenset()
    """Classes no rule reads that open the exploitation heads' gate for the category (`jaga.detect.heads`):
    the broad words a learned reader needs to see a post for ("die", "tired of", "pills"), which flag
    nothing by themselves."""


@dataclass(frozen=True)
class CuePattern:
    category: Category | None
    """None: a class shared by every category (negation, news framing)."""
    cue_class: str
    pattern: re.Pattern[str]
    on_breaks: bool
    """Matches must start and end on ICU word breaks (short terms of unspaced scripts)."""
    keys: tuple[str, ...] = ()
    """A literal every match contains (each term's longest word: "kill" of "i will kill", not "i",
    which half of all posts carry): the detector runs the pattern only on text where one of them
    occurs (found for all patterns at once, `HarmDetector._present`)."""


@dataclass(frozen=True)
class LanguageCues:
    language: str
    version: str
    patterns: tuple[CuePattern, ...]
    gate: re.Pattern[str] = re.compile(NOTHING)
    """The longest word of every category term, as one trie pattern: a term matches only where all
    its words appear, so a post this misses skips the ~50 class patterns (one scan, not fifty)."""


@dataclass(frozen=True)
class Hit:
    category: Category | None
    cue_class: str
    start: int
    end: int


def _term_pattern(term: str, unspaced: bool) -> str:
    pieces = [re.escape(piece.strip()) for piece in term.split(GAP)]
    gap = r".{0,12}?" if unspaced else r"(?:\s+\S+){0,3}?\s+"
    body = gap.join(piece for piece in pieces if piece)
    return body.replace(r"\ ", r"\s+")


def load_rules(directory: Path) -> tuple[dict[Category, CategoryRules], dict[str, list[str]]]:
    path = directory / "rules.yaml"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        shared = {str(name): [str(term) for term in terms] for name, terms in (data.get("shared") or {}).items()}
        rules: dict[Category, CategoryRules] = {}
        for name, block in data["categories"].items():
            category = Category(name)
            parsed = []
            for item in block["rules"]:
                score = float(item["score"])
                if not 0.0 < score < 1.0:
                    raise ValueError(f"{name}/{item['subtype']}: score must be in (0, 1)")
                parsed.append(Rule(subtype=str(item["subtype"]), score=score, all=tuple(item.get("all", ())),
                                   any=tuple(item.get("any", ())), unless=tuple(item.get("unless", ())),
                                   min_any=int(item.get("min_any", 1)), distinct=bool(item.get("distinct", False))))
            rules[category] = CategoryRules(category, frozenset(block.get("negatable", ())), tuple(parsed),
                                            frozenset(block.get("heads_gate", ())))
    except (KeyError, TypeError, ValueError, AttributeError, yaml.YAMLError) as error:
        raise HarmRulesError(f"{path}: {error}") from error
    return rules, shared


def load_language(path: Path, rules: dict[Category, CategoryRules]) -> LanguageCues:
    """Compile one language file: every class of every category becomes a named group of one regex."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        language = str(data["language"])
        blocks: list[tuple[Category | None, str, list[str]]] = []
        for name, classes in data.items():
            if name in ("language", "version"):
                continue
            category = None if name == "context" else Category(name)
            if category is not None and category not in rules:
                raise ValueError(f"no rules for category {name}")
            for cue_class, terms in classes.items():
                # YAML reads a bare no/yes/on/off as a boolean: refuse it rather than match "False".
                if not isinstance(terms, list) or not all(isinstance(term, str | int) and not isinstance(term, bool)
                                                          for term in terms):
                    raise ValueError(f"{name}/{cue_class}: a list of terms is needed (quote no, yes, on, off)")
                blocks.append((category, str(cue_class), [str(term) for term in terms]))
    except (KeyError, TypeError, ValueError, AttributeError, yaml.YAMLError) as error:
        raise HarmRulesError(f"{path}: {error}") from error
    return _compile(language, str(data.get("version", "1")), blocks, _required(rules))


def _required(rules: dict[Category, CategoryRules]) -> set[tuple[Category, str]]:
    """For every rule, classes it cannot fire without: the first of its `all` classes, or its `any`
    classes when it has no `all`. A post without any of them fires no rule, so only they open the gate
    ("send" and "pay", a scam's demand, are in most posts and would open it for nothing)."""
    return {(category, name) for category, block in rules.items() for rule in block.rules
            for name in (rule.all[:1] or rule.any)} | {(category, name) for category, block in rules.items()
                                                        for name in block.heads_gate}


def _compile(language: str, version: str, blocks: list[tuple[Category | None, str, list[str]]],
             gating: set[tuple[Category, str]] | None = None) -> LanguageCues:
    """One pattern per class and kind of term (one class may match where another does: "video bocil"
    is material and a child at once, so classes are scanned separately). `gating`: the classes whose
    words open the gate (None: every category class)."""
    patterns = []
    gate_words: dict[bool, set[str]] = {False: set(), True: set()}  # spaced, unspaced
    for category, cue_class, terms in blocks:
        kinds: dict[str, list[str]] = {"bounded": [], "prefix": [], "unspaced": [], "short": []}
        firsts: dict[str, set[str]] = defaultdict(set)
        keys: dict[str, set[str]] = defaultdict(set)
        for raw in terms:
            term = normalise(raw).text.lower().strip()
            if not term or not term.replace(GAP, "").strip():
                continue
            if len(term) == 1 and term.isascii() and term.isalpha() and len(raw.strip()) > 1:
                # "xxx" is "x" once normalised (elongation is undone, in posts too): it matched "x.com",
                # "5 x 3" and every "/x" of a link as sexual material. ("I" as a word is meant.)
                raise HarmRulesError(f"{language}: the {cue_class} term {raw!r} normalises to the letter {term!r}, "
                                     "which posts carry everywhere; write a longer term")
            scripts = set(script_counts(term.replace(GAP, "")))
            if scripts and scripts <= UNSPACED_SCRIPTS:
                # An ordinary word masks the cues inside it wherever it is written, on a break or not.
                kind = "short" if _letters(term) <= SHORT_UNSPACED and cue_class != ORDINARY else "unspaced"
            else:
                kind = "prefix" if scripts & PREFIX_SCRIPTS else "bounded"
            kinds[kind].append(_term_pattern(term, kind in ("short", "unspaced")))
            if category is not None and (gating is None or (category, cue_class) in gating):
                # every word of a term must appear: gate on its longest
                gate_words[kind in ("short", "unspaced")].add(max(term.replace(GAP, " ").split(), key=len))
            first_piece = next(piece.strip() for piece in term.split(GAP) if piece.strip())
            firsts[kind].add(first_piece[0])
            keys[kind].add(max(term.replace(GAP, " ").split(), key=len))
        # One pattern per class for the kinds matched anywhere, one for short unspaced terms (which
        # must sit on word breaks): a post costs one regex call per class, not per kind of term
        # (the detector's time went mostly to Python calling `finditer` ~80 times a post).
        merged, merged_firsts, merged_keys = [], set(), set()
        for kind, sources in kinds.items():
            if not sources:
                continue
            body = "|".join(sorted(sources, key=len, reverse=True))
            wrapped = {"bounded": rf"{WORD_EDGE_BEFORE}(?:{body}){WORD_EDGE_AFTER}",
                       "prefix": rf"{WORD_EDGE_BEFORE}(?:{body})"}.get(kind, f"(?:{body})")
            if kind == "short":
                patterns.append(CuePattern(category, cue_class, re.compile(_ahead(firsts[kind]) + wrapped),
                                           on_breaks=True, keys=tuple(sorted(keys[kind]))))
            else:
                merged.append(wrapped)
                merged_firsts |= firsts[kind]
                merged_keys |= keys[kind]
        if merged:
            source = _ahead(merged_firsts) + "(?:" + "|".join(merged) + ")"
            patterns.append(CuePattern(category, cue_class, re.compile(source), on_breaks=False,
                                       keys=tuple(sorted(merged_keys))))
    gate = f"{WORD_EDGE_BEFORE}(?:{any_term(gate_words[False])})|{any_term(gate_words[True])}"
    return LanguageCues(language, version, tuple(patterns), re.compile(gate))


def _letters(term: str) -> int:
    """Characters of `term` other than spaces and combining marks (vowel signs, tone marks, viramas)."""
    return sum(1 for char in term if not char.isspace() and unicodedata.category(char) not in ("Mn", "Mc"))


def _ahead(firsts: set[str]) -> str:
    """Every term starts with one of these characters: `re` skips every other position at once
    instead of trying each term there (50,000 characters of emoji: 120 -> a few ms)."""
    return "(?=[" + "".join(sorted(re.escape(char) for char in firsts)) + "])"


@lru_cache(maxsize=4)
def _compiled(root: Path) -> tuple[dict[Category, CategoryRules], dict[str, LanguageCues], LanguageCues]:
    """The rules and every language's compiled patterns, once per process (about a second of
    regex compilation, which every `Moderator()` would otherwise pay again); all of it is read-only."""
    rules, shared = load_rules(root)
    languages: dict[str, LanguageCues] = {}
    for path in sorted(root.glob("*.yaml")):
        if path.name != "rules.yaml":
            cues = load_language(path, rules)
            languages[cues.language] = cues
    return rules, languages, _compile("*", "1", [(None, name, terms) for name, terms in shared.items()])


class HarmDetector(Detector):
    """Sexual exploitation (csam_trade, grooming, sextortion, trafficking), self-harm (imminent,
    ideation, encouragement, instructions), violent extremism (threat, support, recruitment,
    funding, instructions), scams (bait, alarm, credential_theft, investment, romance) and gambling
    (promotion)."""

    name: ClassVar[str] = "harms"
    categories: ClassVar[tuple[Category, ...]] = CATEGORIES

    def __init__(self, directory: Path | None = None) -> None:
        root = directory or Path(str(resources.files("jaga.detect") / "harm_cues"))
        self.rules, self.languages, self.shared = _compiled(root.resolve())

    @cached_property
    def _automaton(self) -> tuple[ahocorasick.Automaton, dict[int, int]]:
        """Built on first scan (0.1 s): an instance that only reads warning cues (`discussed`, for
        the classifier's cap) never needs it."""
        return _automaton([self.shared, *self.languages.values()])

    @cached_property
    def _places(self) -> dict[int, dict[int, tuple[int, ...]]]:
        """For each cue set (by object id): a pattern's position in `_automaton` -> its places in
        that set's list. A post's candidate patterns are looked up from the few the automaton found,
        in the set's own order, instead of filtering every pattern of every set per post."""
        _, positions = self._automaton
        places: dict[int, dict[int, tuple[int, ...]]] = {}
        for cue_set in (self.shared, *self.languages.values()):
            found: dict[int, list[int]] = defaultdict(list)
            for place, cue in enumerate(cue_set.patterns):
                found[positions[id(cue)]].append(place)
            places[id(cue_set)] = {position: tuple(where) for position, where in found.items()}
        return places

    @cached_property
    def _needs_own(self) -> frozenset[Category]:
        """Categories none of whose rules can fire on classes every category shares (negation, news
        framing, contact channels, links): a post without a cue of the category's own skips them."""
        shared = {cue.cue_class for cue_set in (self.shared, *self.languages.values())
                  for cue in cue_set.patterns if cue.category is None} | {"link", SHORTENER}

        def needs_own(rule: Rule) -> bool:
            return any(name not in shared for name in rule.all) or (
                not rule.all and all(name not in shared for name in rule.any))

        return frozenset(category for category, block in self.rules.items() if all(map(needs_own, block.rules)))

    def __getstate__(self) -> dict[str, object]:
        """Pickled without the automaton: it indexes the patterns by object, and unpickled patterns
        are new objects (Ray and Spark ship detectors); the worker builds its own on first use."""
        return {key: value for key, value in self.__dict__.items() if key not in ("_automaton", "_places")}

    def _present(self, text: str, windows: list[tuple[int, int]]) -> set[int]:
        """Which patterns (by position in `_automaton`'s list) may match in the windows: those one of
        whose keys occurs there. One Aho-Corasick pass instead of ~80 regex scans a post (most
        patterns have nothing to find in a given post)."""
        automaton, _ = self._automaton
        found: set[int] = set()
        for start, end in windows:
            for _, indices in automaton.iter(text, start, end):
                found.update(indices)
        return found

    @property
    def version(self) -> str:
        return ",".join(f"{code}:{cues.version}" for code, cues in sorted(self.languages.items()))

    def detect(self, batch: Sequence[PreparedPost]) -> list[list[Signal]]:
        return [self._detect_one(prepared) for prepared in batch]

    def languages_for(self, prepared: PreparedPost) -> list[str]:
        """The post's language, its close varieties, the other languages seen in it, and English
        (mixed into posts in every language of the region)."""
        code = prepared.language.code
        wanted = [code, *COMPANIONS.get(code, ()), *prepared.language.mixed, "en"]
        return [language for language in dict.fromkeys(wanted) if language in self.languages]

    def hits(self, prepared: PreparedPost, opening: int | None = None) -> list[Hit]:
        """Every cue found in the post's windows (or, with `opening`, in its first that many
        characters: what a reader of the opening sees). Context cues (negation, news framing, ...) are
        read only when a category cue was found: no rule fires on context alone, and most posts have
        no category cue, so they cost one scan of the category patterns (half the detector's time)."""
        text = prepared.text.text.lower()[:opening]
        windows = _windows(text)
        cue_sets = [self.languages[code] for code in self.languages_for(prepared)]
        if not any(cue_set.gate.search(text, start, end) for cue_set in cue_sets for start, end in windows):
            return []
        present, places = self._present(text, windows), self._places
        cues: list[CuePattern] = []
        for cue_set in (self.shared, *cue_sets):
            mine = places[id(cue_set)]
            cues.extend(cue_set.patterns[place]
                        for place in sorted(place for position in present for place in mine.get(position, ())))
        found = _scan(text, windows, [cue for cue in cues if cue.category is not None])
        if not found:
            return []
        context = _scan(text, windows, [cue for cue in cues if cue.category is None])
        ordinary = [hit for hit in context if hit.cue_class == ORDINARY]
        if ordinary:
            found = [hit for hit in found if not _part_of(hit, ordinary)]
            if not found:
                return []
            context = [hit for hit in context if hit.cue_class != ORDINARY]
        return found + _link_hits(text, windows) + context

    def discussed(self, prepared: PreparedPost) -> dict[Category, list[Span]]:
        """Scam and gambling categories the post talks *about* rather than commits, with the words
        that say so: the category's `warning` class (a bank's "we will never ask for your OTP", a
        gacha pull; not the broad `aware` words such as "news" or "reminder", which spam carries
        too: measured on SMS spam, they let 14 of 747 through) and nowhere to go (no link to an
        unofficial site, look-alikes included; no contact channel). The classifier reads the scam's own
        words in such a post ("OTP", "click links") and cannot tell quoting from saying (the DBS
        reminder scored 0.87);
        `cap_discussed` holds its score below the label threshold there. A scam that pastes a warning
        on top still carries its link or contact and is not capped."""
        text = prepared.text.text.lower()
        windows = _windows(text)
        cue_sets = [self.languages[code] for code in self.languages_for(prepared)]
        found = _scan(text, windows, [cue for cue_set in cue_sets for cue in cue_set.patterns
                                      if cue.cue_class == WARNING and cue.category in COUNTERED])
        if not found or _scan(text, windows, [cue for cue in self.shared.patterns if cue.cue_class == "contact"]) \
                or _unofficial_link(prepared):
            return {}
        result: dict[Category, list[Span]] = {}
        for category in COUNTERED:
            spans = {(hit.start, hit.end): prepared.span(hit.start, hit.end)
                     for hit in sorted(found, key=lambda hit: hit.start) if hit.category == category}
            if spans:
                result[category] = list(spans.values())[:MAX_EVIDENCE]
        return result

    def _detect_one(self, prepared: PreparedPost) -> list[Signal]:
        return self.signals(prepared, self.hits(prepared))

    def signals(self, prepared: PreparedPost, found: list[Hit]) -> list[Signal]:
        """The rules' signals from the cues `found` in the post (`hits`, whole or its opening)."""
        if not found:
            return []
        text = prepared.text.text.lower()
        unspaced = prepared.language.code in ("th", "lo", "km", "my", "zh")
        negations = _Negations.of(text, [hit for hit in found if hit.cue_class == "negation"],
                                  NEGATION_REACH["unspaced" if unspaced else "spaced"])
        signals = []
        own = {hit.category for hit in found}
        for category, category_rules in self.rules.items():
            if category not in own and category in self._needs_own:
                continue
            present: dict[str, list[Hit]] = defaultdict(list)
            for hit in found:
                if hit.category not in (category, None):
                    continue
                if hit.cue_class in category_rules.negatable and negations.reach(hit):
                    continue
                present[hit.cue_class].append(hit)
            best: tuple[Rule, list[Hit]] | None = None
            for rule in category_rules.rules:
                if any(name in present for name in rule.unless):
                    continue
                if not all(name in present for name in rule.all):
                    continue
                # With `distinct`, an `any` class counts only with words of its own, not with a word
                # inside the rule's `all` words ("withdrawal proof" is proof and "withdrawal" at once:
                # one phrase is one cue, not a proof plus a promotion).
                anchors = [hit for name in rule.all for hit in present[name]] if rule.distinct else []
                matched_any = [name for name in rule.any if name in present
                               and any(not _within(hit, anchors) for hit in present[name])]
                if rule.any and len(matched_any) < rule.min_any:
                    continue
                if best is None or rule.score > best[0].score:
                    best = (rule, [hit for name in (*rule.all, *matched_any) for hit in present[name]])
            if best is None:
                continue
            rule, evidence_hits = best
            spans = {(hit.start, hit.end): prepared.span(hit.start, hit.end)
                     for hit in sorted(evidence_hits, key=lambda hit: hit.start)}
            classes = sorted({hit.cue_class for hit in evidence_hits if hit.cue_class != SHORTENER})
            details = {"subtype": rule.subtype, "cues": ",".join(classes)}
            if "link" in classes and SHORTENER in present:
                # Shown, never followed: the link's destination is unknown to Jaga (nothing is fetched).
                shortened = sorted({prepared.span(hit.start, hit.end).text for hit in present[SHORTENER]})
                details[SHORTENER] = ", ".join(shortened) + " (shortened link; destination not shown, not fetched)"
            signals.append(Signal(
                source=f"harms:{prepared.language.code}",
                category=category,
                score=rule.score,
                evidence=list(spans.values())[:MAX_EVIDENCE],
                details=details,
                model_version=self.version,
            ))
        return signals


LINK_JUDGED = 0.85
"""A URL finding this strong (look-alike, disguise, known scam domain) is the URL detector's to report."""
SHORTENER = "shortener"
"""Hit class of a link on a known shortener (bit.ly, s.id, ...; `domains.yaml`), beside its `link` hit."""
ORDINARY = "ordinary"
"""The context class of compounds that hold a cue but are words of their own: a cue sharing a letter with one is
dropped."""
WARNING = "warning"
"""The class of words that only a warning or an unrelated pastime says (`cap_discussed`)."""
COUNTERED = (Category.SCAM_FRAUD, Category.ILLEGAL_GAMBLING)
"""Categories whose classifier scores `discussed` can hold down (the categories with an `aware` class)."""
COUNTER_CAP = 0.3
"""The most a classifier score may say for a category the post only discusses: below every policy's
label threshold (0.5 in the ASEAN baseline), so the signal stays on record without flagging."""


def _windows(text: str) -> list[tuple[int, int]]:
    """The parts of a post that are read: all of it, or its opening and its end (`HEAD_CHARS`)."""
    return [(0, len(text))] if len(text) <= HEAD_CHARS + TAIL_CHARS else [
        (0, HEAD_CHARS), (len(text) - TAIL_CHARS, len(text))]


def _link_hits(text: str, windows: list[tuple[int, int]]) -> list[Hit]:
    """`link` hits for the URLs that send people elsewhere, plus a `shortener` hit for each on a known
    shortener. A shortener is never followed (resolving it would tell a scam's operator that someone
    is looking, and Jaga sends nothing out unasked): it is a link whose destination the post hides,
    so it counts as somewhere to go, and it is named in the signal. When the post shows where it
    leads (a shortener beside exactly one full link: "bit.ly/x -> maybank2u.com.my/promo"), the
    shortener stands for that link and is judged as it: no link of its own when that is official."""
    data = load_domain_data()
    found: list[Hit] = []
    for start, end in windows:
        urls = extract_urls(text[start:end], MAX_LINKS)
        short = [url for url in urls if url.host in data.shorteners or url.registered_domain in data.shorteners]
        full = [url for url in urls if url not in short]
        shown = len({url.host for url in full}) == 1 and bool(short)
        for url in urls:
            if url in short and shown:
                if _elsewhere(full[0]):
                    found.append(Hit(None, "link", start + url.start, start + url.end))
                continue
            if _elsewhere(url):
                found.append(Hit(None, "link", start + url.start, start + url.end))
                if url in short:
                    found.append(Hit(None, SHORTENER, start + url.start, start + url.end))
    return found


def _unofficial_link(prepared: PreparedPost) -> bool:
    """The post links to a site that is not a bank's or a government's own (a look-alike included:
    a warning sends people to the official site or nowhere)."""
    data = load_domain_data()
    text = prepared.text.text.lower()
    return any(url.registered_domain not in data.protected and url.host not in data.protected
               for start, end in _windows(text) for url in extract_urls(text[start:end], MAX_LINKS))


def cap_discussed(detector: HarmDetector, batch: Sequence[PreparedPost], results: list[list[Signal]],
                  sources: tuple[str, ...] = ("classifier:",)) -> list[list[Signal]]:
    """`results` with the scam and gambling scores of `sources` held at `COUNTER_CAP` in posts that
    only discuss the category (`HarmDetector.discussed`); the model's own score and the words that
    made the post a warning are kept in the signal's details. Only posts where such a score would
    flag are read (a few in a hundred)."""
    capped: list[list[Signal]] = []
    for prepared, signals in zip(batch, results, strict=True):
        if not any(signal.category in COUNTERED and signal.score > COUNTER_CAP and signal.source.startswith(sources)
                   for signal in signals):
            capped.append(signals)
            continue
        discussed = detector.discussed(prepared)
        capped.append([signal.model_copy(update={
            "score": COUNTER_CAP,
            "details": {**signal.details, "model_score": signal.score,
                        "counter_cues": ", ".join(span.text for span in discussed[signal.category])},
        }) if signal.category in discussed and signal.score > COUNTER_CAP and signal.source.startswith(sources)
            else signal for signal in signals])
    return capped


def _elsewhere(url: FoundUrl) -> bool:
    """A link that sends people to a site that is neither official nor already judged a look-alike."""
    data = load_domain_data()
    if url.registered_domain in data.protected or url.host in data.protected:
        return False
    return all(finding.score < LINK_JUDGED for finding in assess_url(url, data))


def _automaton(cue_sets: Sequence[LanguageCues]) -> tuple[ahocorasick.Automaton, dict[int, int]]:
    """An Aho-Corasick automaton over every pattern's keys (key -> the patterns it opens), and each
    pattern's position (by object id)."""
    positions: dict[int, int] = {}
    opened: dict[str, set[int]] = defaultdict(set)
    for cue in (cue for cue_set in cue_sets for cue in cue_set.patterns):
        position = positions.setdefault(id(cue), len(positions))
        for key in cue.keys:
            opened[key].add(position)
    automaton = ahocorasick.Automaton()
    for key, indices in opened.items():
        automaton.add_word(key, frozenset(indices))
    automaton.make_automaton()
    return automaton, positions


def _scan(text: str, windows: list[tuple[int, int]], cues: list[CuePattern]) -> list[Hit]:
    found: list[Hit] = []
    for window_start, window_end in windows:
        breaks: set[int] | None = None
        for cue in cues:
            for match in cue.pattern.finditer(text, window_start, window_end):
                if cue.on_breaks:
                    if breaks is None:
                        breaks = {window_start + offset for offset in word_breaks(text[window_start:window_end])}
                    if match.start() not in breaks or match.end() not in breaks:
                        continue
                found.append(Hit(cue.category, cue.cue_class, match.start(), match.end()))
    return found


def _part_of(hit: Hit, ordinary: list[Hit]) -> bool:
    """The hit shares a letter with an ordinary word and does not reach beyond both its ends: part of the
    compound ("shoot at" of "photo shoot at the temple") or the compound itself (Malay "tali ~ kipas", rope
    and fan, is "tali kipas", a fan belt). A cue that holds the whole word and more is a phrase its author
    wrote around it (Lao "ບໍ່ມີຂ້ອຍ~ຄົງສະບາຍ", "without me they'd be well off", holds ສະບາຍ, hello) and stands."""
    for word in ordinary:
        shares = word.start < hit.end and hit.start < word.end
        holds_more = hit.start <= word.start and word.end <= hit.end and (hit.start, hit.end) != (word.start, word.end)
        if shares and not holds_more:
            return True
    return False


def _within(hit: Hit, anchors: list[Hit]) -> bool:
    """The hit's words lie inside one of the anchors' words."""
    return any(anchor.start <= hit.start and hit.end <= anchor.end for anchor in anchors)


@dataclass(frozen=True)
class _Negations:
    """A post's negation cues (sorted by where they end), clause starts and commas: whether a hit is
    negated is a few binary searches, however many cues a long post holds."""

    text: str
    ends: list[int]
    starts: list[int]
    clause_starts: list[int]
    commas: list[int]
    distance: int

    @classmethod
    def of(cls, text: str, negations: list[Hit], distance: int) -> _Negations:
        ordered = sorted(negations, key=lambda hit: hit.end)
        return cls(text, [hit.end for hit in ordered], [hit.start for hit in ordered],
                   [0] + [match.end() for match in CLAUSE_BREAK.finditer(text)],
                   [match.start() for match in COMMA.finditer(text)] if negations else [], distance)

    def reach(self, hit: Hit) -> bool:
        """A negation cue ends before the hit, at most `distance` characters before it, in the same
        clause, and no comma with words before it stands between them (`COMMA`)."""
        clause = self.clause_starts[bisect_right(self.clause_starts, hit.start) - 1]
        index = bisect_right(self.ends, hit.start) - 1
        while index >= 0 and self.ends[index] >= hit.start - self.distance:
            if self.starts[index] >= clause and not self._comma_between(self.ends[index], hit.start):
                return True
            index -= 1
        return False

    def _comma_between(self, end: int, start: int) -> bool:
        """Whether a comma in [end, start) has words between `end` and it (the last such comma has,
        if any has)."""
        index = bisect_right(self.commas, start - 1) - 1
        return index >= 0 and self.commas[index] >= end and bool(self.text[end:self.commas[index]].strip())
