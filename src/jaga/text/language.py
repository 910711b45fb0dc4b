"""Language identification for the region's languages, aware of code-mixing.

Most of the region's languages have a script of their own (Thai, Lao, Khmer, Burmese, Tamil, Han),
so the script decides them exactly and cheaply. Latin-script text (English, Indonesian, Malay,
Tagalog, Vietnamese) goes to a naive-Bayes identifier (py3langid) restricted to those five, then to
a marker-word vote that separates Indonesian from Malay, the pair general-purpose identifiers confuse
most (they share most of their vocabulary and differ in everyday words: "nggak/tak", "uang/wang").
Code-mixing (Taglish, Manglish, Singlish) is read from the share of English words and from
discourse particles.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from functools import lru_cache
from typing import Any

import numpy as np

from jaga.types import LanguageInfo

SCRIPT_LANGUAGE = {"thai": "th", "lao": "lo", "khmer": "km", "myanmar": "my", "tamil": "ta", "han": "zh"}
LATIN_LANGUAGES = ["en", "id", "ms", "tl", "vi"]

def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_SCRIPT_RANGES: list[tuple[int, int, str]] = [
    (0x0E00, 0x0E7F, "thai"),
    (0x0E80, 0x0EFF, "lao"),
    (0x1780, 0x17FF, "khmer"),
    (0x19E0, 0x19FF, "khmer"),
    (0x1000, 0x109F, "myanmar"),
    (0xAA60, 0xAA7F, "myanmar"),
    (0xA9E0, 0xA9FF, "myanmar"),
    (0x0B80, 0x0BFF, "tamil"),
    (0x4E00, 0x9FFF, "han"),
    (0x3400, 0x4DBF, "han"),
    (0xF900, 0xFAFF, "han"),
    (0x3040, 0x30FF, "kana"),
    (0xAC00, 0xD7AF, "hangul"),
    (0x0400, 0x04FF, "cyrillic"),
    (0x0600, 0x06FF, "arabic"),
    (0x0900, 0x097F, "devanagari"),
]

_VIETNAMESE_LETTERS = set("ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ")
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)

# Everyday words that differ between the two standard languages. Shared words are left out.
_INDONESIAN_MARKERS = _words(
    "nggak gak enggak ngga ga engga bisa karena saja aja uang mobil gratis banget kamu gue gua lu loe nih "
    "dong sih kok udah gimana mau kalian polisi kantor pemerintah kapan paham sepeda rupiah rp ribuan "
    "cewek cowok emang gini begitu kayak cuma doang terus bilang pengen pingin nanti ketemu mending cabai"
)
_MALAY_MARKERS = _words(
    "tak nak kat je jer sahaja kerana wang kereta percuma mahu awak korang dorang macam betul bila ni tu "
    "kerajaan polis hospital pejabat bas teksi bilik cuti faham ringgit rm sebab boleh takde tiada sikit "
    "dah pasal camne mcm duit cili"
)
_ENGLISH_WORDS = _words(
    "the a an and or but if of to in on at for with from by is are was were be been being am i you he she "
    "it we they me him her us them my your his its our their this that these those what which who whom "
    "whose when where why how all any both each few more most other some such no not only own same so "
    "than too very can will just should now do does did done have has had having go going get got make "
    "like know think want need really so much many people time day good bad new old first last long great "
    "little right big high different small large next early young important public same able please "
    "thanks thank sorry yes ok okay because about again also here there then still even never always "
    "something nothing everything anyone someone money free win click link account bank call send pay "
    "check job work home life love hate kill stupid idiot damn shit fuck"
)
_SINGLISH_PARTICLES = _words(
    "lah leh lor meh sia hor liao walao alamak shiok kiasu paiseh sian chope atas bojio jialat steady "
    "cheem kena sibei buay ang moh ah beng chiong"
)
_TAGALOG_MARKERS = _words(
    "ang ng mga sa na ko mo ako ikaw siya sila kami tayo talaga grabe naman kasi po lang yung hindi "
    "kanina ba din rin nga sobra ito iyan yan dito doon wala meron may pero kung para"
)
_TANGLISH_MARKERS = _words(
    "enna ennada ennadi illa illai illaya illeye naan naanga nee neenga avan aval avanga ivan ivanga romba rombo "
    "konjam konja vanakkam machan machi enaku enakku unaku unakku ungaluku ungalukku ungal enoda ennoda unnoda "
    "intha indha antha andha pannu panna pannunga panren pannitu pannuren pannala vandhu vanthu vanthen varen "
    "varuven poda podi ponga poren poiten poitu vaanga vaa eppadi epdi eppo ippo appo appuram edhuku ethuku yen "
    "irukku iruku irukken irukkanga irundhu theriyum theriyala theriyuma venum venam vendam sollu solla sollunga "
    "sonna sonnen paaru paru paatha paathen saaptiya saptiya thambi thangachi thangam nalla nallaa kadavul kashtam "
    "yaaru yaru enga inga anga namma naama nammala thaan dhaan kitta pathi paththi chumma semma mokka loosu kanna "
    "chellam pasanga ponnu paiyan vayasu velai veetla veedu kaasu mudiyala mudiyathu mudiyadhu aama aamaa "
    "thalaivar thala padam ootha otha thevidiya punda sootha koothi naaye "
    "apdi apdiyum iruka irukalam iruken irukura theriyutha theriyuthu macha mavane payale payalae pakure pakkum "
    "paakkum podunga potu poten podra panran pannah panni panu sonen sollitu soluram athuku athan athuvum adhan "
    "adhanala dhana thana innum innuma ellam ellama ellarum ellarayum yellam yaro yedho onnu inoru namaku unkitta "
    "avara avaru ivlo evlo evanuku yarukum mathiri madhiri maathiri vitu vidu poga pola polaye manasa manasula "
    "varala varalaya vaaya pundai pundaey ommala oombalam thevidya gotha sunni kevalama unmaiya unmai nenachen "
    "solliten pannitten vanthutu vantha kooda vechi vachitu sutha aagum naalaiku inniku nethu"
)
"""Romanised Tamil (Tanglish) as it is written in Malaysia, Singapore, Sri Lanka and India: pronouns, verbs
and particles no Latin-script language of the region shares (the romanised abuse words are among them:
a Tanglish insult is still Tamil). Measured 2026-12-07: of 2,440 Latin-script posts of tamil_offensive and
1,332 of tamil_hasoc2021, none was taken for Tamil (English, Indonesian and Tagalog instead), so Tamil's cue
lists and calibration never read them unless the platform said `ta`."""

TANGLISH_MIN = 2
TANGLISH_SHARE = 0.12
"""Romanised Tamil needs two of its marker words, an eighth of the post's words and more of them than of
Indonesian, Malay or Tagalog's markers (a Malaysian English post with one "machan" stays English). Chosen on
tamil_hasoc2021's Latin-script posts (a fifth: 20 % of them taken for Tamil; an eighth, with the spelling
variants its misses showed: see `_TANGLISH_MARKERS`), measured on tamil_offensive's, never
tuned on: 22 % of them."""

_MANGLISH_PARTICLES = _words(
    "lah mah dey aiyo aiyoh macam gostan tapau boleh tak kan pun je wei weh"
)


@lru_cache(maxsize=1)
def _full_identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


@lru_cache(maxsize=1)
def _latin_columns() -> np.ndarray:
    classes = list(_full_identifier().nb_classes)
    return np.array([classes.index(code) for code in LATIN_LANGUAGES])


FOREIGN_LATIN = frozenset(
    "af ca cs cy da de eo es et eu fi fr ga gl hr hu is it lb lt lv mt nl nn no pl pt ro sk sl sq sv tr".split())
"""Latin-script languages that Jaga names when it meets them, rather than forcing the text into the
nearest of the region's five. Languages kin to those five (Javanese, Acehnese, Bikol, Nigerian
Pidgin) are left out: short Indonesian, Tagalog and English posts are taken for them."""

FOREIGN_MIN = 0.5
"""How sure the full identifier must be that Latin text is in one of `FOREIGN_LATIN`. Measured on
25,304 posts of the real datasets in the region's five Latin-script languages: 11 called foreign (0.04 %),
10 of them rightly (Dutch and Portuguese posts inside English and Indonesian sets; one Sundanese "opak
eta mah" taken for Basque); on Multilingual HateCheck's Latin-script suites: German 97 %, Polish 95 %,
Italian 96 %, Portuguese 94 %, Dutch 92 %, Spanish 86 %, French 86 % recognised (at 0.9: Spanish 31 %).
The region's marker words veto it when they are a quarter of the words (French "je" is Malay too)."""


IDENTIFIER_CHARS = 2_000
"""The opening the naive-Bayes identifier reads: a language shows in a few sentences, and the full
model's pass over a 50,000-character post of rare words cost tens of milliseconds for nothing."""


def _classify_latin(text: str) -> tuple[str, float, str, float]:
    """(best of the five Latin-script languages, its probability among them, best language of all,
    its probability). One naive-Bayes pass over the full model: restricting its softmax to five
    columns is exactly what an identifier restricted to them computes, so the second answer costs a
    renormalisation, not a second pass (35 us for both, against 22 + 35 us for two identifiers)."""
    scores = np.asarray(_full_identifier()._decide(text), dtype=np.float64)  # private: py3langid pinned
    best = int(scores.argmax())
    latin = scores[_latin_columns()]
    total = float(latin.sum())
    if total <= 0.0:  # every Latin column underflowed: nothing of the five in it
        return LATIN_LANGUAGES[0], 0.0, str(_full_identifier().nb_classes[best]), float(scores[best])
    mine = int(latin.argmax())
    return LATIN_LANGUAGES[mine], float(latin[mine]) / total, str(_full_identifier().nb_classes[best]), float(scores[best])


@lru_cache(maxsize=65536)
def _script_of(char: str) -> str | None:
    code = ord(char)
    if code < 0x0250:
        return "latin" if char.isalpha() else None
    for low, high, script in _SCRIPT_RANGES:
        if low <= code <= high:
            return script
    if 0x1E00 <= code <= 0x1EFF:
        return "latin"  # Latin Extended Additional: Vietnamese tone letters
    return "other" if unicodedata.category(char).startswith("L") else None


_ASCII_LETTERS = re.compile(r"[A-Za-z]")


def script_counts(text: str) -> Counter[str]:
    if text.isascii():
        letters = len(_ASCII_LETTERS.findall(text))
        return Counter({"latin": letters}) if letters else Counter()
    counts: Counter[str] = Counter()
    for char, times in Counter(text).items():  # counted in C; a script is looked up once per distinct character
        script = _script_of(char)
        if script is not None:
            counts[script] += times
    return counts


_ASCII_RUN = re.compile(r"[!-~]+")
_DOMAIN = re.compile(r"[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?:/\S*)?")
_EDGES = ".,;:!?()[]<>\"'"


def _address(run: str) -> bool:
    """A run of printable ASCII that is a link, an e-mail address, a handle or a bare domain."""
    if "://" in run or run.startswith("www.") or "@" in run:
        return True
    core = run.strip(_EDGES)
    return "." in core and len(core) <= 253 and _DOMAIN.fullmatch(core) is not None


def _without_addresses(text: str) -> str:
    """`text` with links, e-mail addresses, handles and domains blanked: what is written in Latin
    letters whatever the post's language. Counted as language, a link's letters outnumbered a short
    Chinese or Thai post's own (a Chinese bank phish with its URL was read as English, and its user
    notice came out in English). Linear in the text: each ASCII run is looked at once (a pattern
    searched from every position took seconds on a 100,000-character word)."""
    return _ASCII_RUN.sub(lambda match: " " if _address(match.group()) else match.group(), text)


def detect_language(text: str, hint_country: str | None = None) -> LanguageInfo:
    """Language of `text` (ideally already normalised) with a confidence in [0, 1]. Links, e-mail
    addresses, handles and domains are left out: they say nothing of the language.

    `hint_country` (the post's jurisdiction) only breaks the Singlish/Manglish tie; it never
    overrides what the text says.
    """
    # In all-ASCII text a link changes no script count, and an address needs a "." "@" or ":".
    if not text.isascii() and ("." in text or "@" in text or ":" in text):
        words_only = _without_addresses(text)
        if words_only.strip() and words_only != text:
            text = words_only
    scripts = script_counts(text)
    total = sum(scripts.values())
    if total == 0:
        return LanguageInfo(code="und", confidence=0.0)
    if scripts.get("han") and scripts.get("kana"):
        scripts["kana"] += scripts.pop("han")  # Japanese uses kanji too
    dominant, dominant_count = scripts.most_common(1)[0]
    mixed = sorted(
        {SCRIPT_LANGUAGE.get(script, "en" if script == "latin" else "und")
         for script, count in scripts.items()
         if script != dominant and count / total >= 0.15}
        - {"und"}
    )
    if dominant in SCRIPT_LANGUAGE:
        code = SCRIPT_LANGUAGE[dominant]
        return LanguageInfo(code=code, confidence=round(dominant_count / total, 3), mixed=mixed, script=dominant)
    if dominant != "latin":
        code, confidence = _full_identifier().classify(text)
        return LanguageInfo(code=code, confidence=round(float(confidence), 3), mixed=mixed, script=dominant)
    info = _latin_language(text, hint_country)
    if mixed:
        info = info.model_copy(update={"mixed": sorted(set(info.mixed) | set(mixed))})
    return info


_ID_MS_COUNTRY = {"ID": "id", "MY": "ms", "BN": "ms", "SG": "ms"}


def _latin_language(text: str, hint_country: str | None) -> LanguageInfo:
    lowered = text.lower()
    words = _WORD.findall(lowered)
    vietnamese = sum(1 for char in lowered if char in _VIETNAMESE_LETTERS)
    if vietnamese >= 2 or (vietnamese and len(words) <= 3):
        return LanguageInfo(code="vi", confidence=0.99, script="latin")
    code, confidence, foreign, foreign_confidence = _classify_latin(lowered[:IDENTIFIER_CHARS])
    if not words:
        return LanguageInfo(code=code, confidence=round(confidence, 3), script="latin")

    english = sum(1 for word in words if word in _ENGLISH_WORDS)
    english_share = english / len(words)
    indonesian = sum(1 for word in words if word in _INDONESIAN_MARKERS)
    malay = sum(1 for word in words if word in _MALAY_MARKERS)
    tagalog = sum(1 for word in words if word in _TAGALOG_MARKERS)
    singlish = sum(1 for word in words if word in _SINGLISH_PARTICLES)
    manglish = sum(1 for word in words if word in _MANGLISH_PARTICLES)
    if (foreign in FOREIGN_LATIN and foreign_confidence >= FOREIGN_MIN and english_share < 0.5
            and indonesian + malay + tagalog + singlish + manglish < max(2, len(words) // 4)):
        # German, Spanish or Polish is not forced into the nearest of the five: a detector trained
        # on the region's languages must know when a post is outside them (the fast tier settled
        # 62 % of Multilingual HateCheck's German as benign when it was taken for English).
        return LanguageInfo(code=foreign, confidence=round(foreign_confidence, 3), script="latin")
    tamil = sum(1 for word in words if word in _TANGLISH_MARKERS)
    if tamil >= TANGLISH_MIN and tamil / len(words) >= TANGLISH_SHARE and tamil > max(indonesian, malay, tagalog):
        return LanguageInfo(code="ta", confidence=round(min(0.99, 0.5 + tamil / len(words)), 3),
                            mixed=["en"] if english_share >= 0.2 and len(words) >= 3 else [],
                            variety="tanglish", script="latin")
    if code in ("id", "ms") or (code == "en" and english_share < 0.3 and (indonesian or malay)):
        if malay > indonesian:
            code, confidence = "ms", max(confidence if code == "ms" else 0.0, _vote_confidence(malay, indonesian))
        elif indonesian > malay:
            code, confidence = "id", max(confidence if code == "id" else 0.0, _vote_confidence(indonesian, malay))
        elif code == "en" or hint_country in _ID_MS_COUNTRY:
            # The marker words tie: the shared vocabulary says nothing, so the post's country decides.
            hinted = _ID_MS_COUNTRY.get(hint_country or "", code if code != "en" else "id")
            confidence = confidence if hinted == code else 0.5
            code = hinted

    if code == "en" and tagalog >= 2 and tagalog / len(words) >= 0.25:
        code, confidence = "tl", max(0.6, tagalog / len(words))  # Taglish: Tagalog is the matrix language
    mixed: list[str] = []
    variety: str | None = None
    if code == "en":
        if singlish or manglish:
            if manglish > singlish or (manglish == singlish and hint_country == "MY"):
                variety, mixed = "manglish", ["ms"]
            else:
                variety = "singlish"
    elif english_share >= 0.2 and len(words) >= 3:
        mixed = ["en"]
        variety = {"tl": "taglish", "ms": "manglish"}.get(code)
    return LanguageInfo(code=code, confidence=round(min(confidence, 1.0), 3), mixed=mixed, variety=variety,
                        script="latin")


def _vote_confidence(winner: int, loser: int) -> float:
    return min(0.99, 0.6 + 0.1 * (winner - loser))
