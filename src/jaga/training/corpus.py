"""Jaga's functional corpus: hateful and non-hateful contrast cases in every language, written for
the project (`training/functional/<lang>.yaml`), expanded over each language's protected groups.

Why it exists: the public datasets teach profanity, not the distinctions moderation needs (hate
without slurs, threats, counter-speech that quotes hate, negation, abuse of individuals and objects,
spelling tricks). Every case records its language, functionality, target and label, and the split
(train / dev / test) is drawn per *template*, never per case, so the test split measures phrasings
the model has never seen.

File format (one per language)::

    language: id
    targets:                       # protected groups, as people name them in this language
      - id: chinese                # stable English id
        group: ethnicity           # the protected characteristic
        forms: ["orang Cina", "etnis Tionghoa"]   # neutral names, substituted for {t}
        slurs: ["Aseng", "Cokin"]  # slurs aimed at this group, substituted for {s}
    non_protected: ["koruptor", "fans klub sebelah"]   # substituted for {g}
    names: ["Budi", "Ko Hendra", "@kopi_lover88"]      # people, handles, rare foreign names: {n}
    templates:
      - {id: id-001, f: derog_neg_emote_h, label: hateful, text: "aku benci banget sama {t}"}

A template with `{t}` is expanded once per target (cycling through its forms), one with `{s}` once
per slur, one with `{g}` once for each of `GROUPS_PER_TEMPLATE` non-protected groups drawn by its id,
one with `{n}` (only in `name_nh`) over `NAMES_PER_TEMPLATE` of the names, one without placeholders is one case.
`pair: <id>` puts a template in the split of the template it is a contrast of.

A `name_nh` template paired with a `{s}` template also yields that template's own sentence with
names in the slur's place (*name twins*): a casual-slur sentence is expanded over every slur, and
one authored friendly twin against dozens of slur cases taught a model that any unfamiliar word in
such a sentence may be a slur. The twins balance it with the same sentence and a name.
"""

from __future__ import annotations

import hashlib
import random
import sys
import unicodedata
from collections import Counter
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import yaml

LANGUAGES = ("id", "ms", "tl", "th", "vi", "km", "lo", "my", "en", "zh", "ta")

HATEFUL_FUNCTIONALITIES = (
    "derog_neg_emote_h", "derog_neg_attrib_h", "derog_dehum_h", "derog_impl_h",
    "threat_dir_h", "threat_norm_h", "slur_h", "profanity_h",
    "ref_subs_clause_h", "ref_subs_sent_h", "negate_pos_h",
    "phrase_question_h", "phrase_opinion_h",
    "spell_char_swap_h", "spell_char_del_h", "spell_space_del_h", "spell_space_add_h",
    "spell_leet_h", "spell_homophone_h", "spell_romanised_h",
)
NOT_HATEFUL_FUNCTIONALITIES = (
    "slur_homonym_nh", "slur_reclaimed_nh", "profanity_nh", "negate_neg_nh",
    "ident_neutral_nh", "ident_pos_nh", "counter_quote_nh", "counter_ref_nh",
    "target_obj_nh", "target_indiv_nh", "target_group_nh", "name_nh",
)
"""`name_nh` is Jaga's own, not HateCheck's: the friendly sentence of a casual-slur template with a
person's name, a place, a brand or a username where the slur stood ("搭Grab遇到{s}司机" beside "搭Grab遇到
Ah Huat司机"). Without it, a model taught that a slur may hide in a friendly sentence read any unfamiliar
word there as one ("see you at Jurong Point later": 0.57 hate speech, contextual-20261205b)."""
FUNCTIONALITIES = HATEFUL_FUNCTIONALITIES + NOT_HATEFUL_FUNCTIONALITIES
# Spelling variants the generator derives from hateful cases; authors may also write their own
# (homophones, romanisation), which the generator cannot.
DERIVED_SPELLING = ("spell_char_swap_h", "spell_char_del_h", "spell_space_del_h", "spell_space_add_h", "spell_leet_h")
PLACEHOLDERS = ("{t}", "{s}", "{g}", "{n}")
NAMES_PER_TEMPLATE = 12
MADE_UP_NAMES = 2
"""Made-up usernames and names per `{n}` template and name twin, beside the language's names
(`made_up_names`). The files' names are the same few dozen in every template (and the same four
handles in every language), so a model could learn those names instead of learning that any
unfamiliar word where a slur might stand is a person: contextual-20261206b and -c, trained on short
slur sentences, read "Good morning zqacmemy, see you tomorrow" as hate (0.77)."""
GROUPS_PER_TEMPLATE = 12
"""Non-protected groups per `{g}` template, drawn from the language's list by the template's id. The
lists are long (professions, fans, hobbies, habits, online types) so that a model learns what makes a
group protected rather than which dozen groups are not: with the same dozen groups in every template,
contextual-20261206g scored abuse of non-protected groups 96 % on the corpus test split and 46-69 % on
Multilingual HateCheck, whose groups are others."""
_SYLLABLE_ONSETS = ("b", "d", "f", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "br", "dr", "kr",
                    "tr", "sh", "ch", "th", "kh", "ng", "x", "q", "w", "y")
_SYLLABLE_VOWELS = ("a", "e", "i", "o", "u", "ai", "ei", "ou", "ia", "ee", "oo")
_SYLLABLE_CODAS = ("", "", "", "n", "m", "r", "l", "s", "k", "t", "x")
SPLITS = {"train": 0.70, "dev": 0.15, "test": 0.15}
MIN_CASES = 4000
LEET = {"a": "4", "e": "3", "i": "1", "o": "0", "s": "5", "t": "7", "g": "9", "b": "8"}
UNSPACED = {"th", "km", "lo", "my", "zh"}


@dataclass(frozen=True)
class CorpusCase:
    text: str
    language: str
    functionality: str
    target: str
    hateful: bool
    template: str
    split: str
    name_twin: bool = False

    @property
    def harassment(self) -> bool | None:
        """Abuse aimed at a person is harassment, not hate; other non-hateful cases are neither;
        hateful cases say nothing about harassment (a slur at a group is not an attack on a person),
        nor do name twins ("i hate {s} lah" with a name is no hate speech, but may be an insult)."""
        if self.functionality == "target_indiv_nh":
            return True
        return None if self.hateful or self.name_twin else False


class CorpusError(ValueError):
    """A corpus file that breaks the format, with the file and template in the message."""


def corpus_dir() -> Path:
    return Path(str(resources.files("jaga.training") / "functional"))


def split_of(key: str, seed: str = "jaga-functional-v1") -> str:
    """A template's split, from a hash of its id: stable when other templates are added or removed."""
    value = int.from_bytes(hashlib.sha256(f"{seed}:{key}".encode()).digest()[:8], "big") / 2 ** 64
    cumulative = 0.0
    for name, share in SPLITS.items():
        cumulative += share
        if value < cumulative:
            return name
    return "test"


def _is_word(word: str) -> bool:
    """Letters and combining marks only: Tamil, Thai or Burmese vowel signs are marks, not letters,
    so `str.isalpha` would leave those scripts without spelling variants."""
    return all(unicodedata.category(char)[0] in "LM" for char in word)


def _variant(text: str, kind: str, language: str, rng: random.Random, protect: Iterable[str] = ()) -> str | None:
    """One spelling variant of the kind used to dodge filters, applied to the most salient word
    (the longest, preferring a target name or slur). None when the text has no word to vary."""
    if language in UNSPACED:
        if kind == "spell_space_add_h":
            chars = list(text)
            if len(chars) < 4:
                return None
            start = rng.randrange(0, max(1, len(chars) - 3))
            return "".join(chars[:start]) + " ".join(chars[start:start + 3]) + "".join(chars[start + 3:])
        if kind == "spell_space_del_h":
            return text.replace(" ", "") if " " in text else None
        if kind == "spell_char_del_h":
            if len(text) < 6:
                return None
            position = rng.randrange(1, len(text) - 1)
            return text[:position] + text[position + 1:]
        if kind == "spell_char_swap_h":
            if len(text) < 6:
                return None
            position = rng.randrange(1, len(text) - 2)
            return text[:position] + text[position + 1] + text[position] + text[position + 2:]
        return None
    words = text.split(" ")
    protected = [i for i, word in enumerate(words) if any(word and word in p.split() for p in protect)]
    candidates = [i for i, word in enumerate(words) if len(word) >= 4 and _is_word(word)]
    pool = [i for i in protected if i in candidates] or candidates
    if kind == "spell_space_del_h":
        if len(words) < 2:
            return None
        index = rng.randrange(len(words) - 1)
        return " ".join([*words[:index], words[index] + words[index + 1], *words[index + 2:]])
    if not pool:
        return None
    index = rng.choice(pool)
    word = words[index]
    position = rng.randrange(1, len(word) - 1)
    if kind == "spell_char_del_h":
        word = word[:position] + word[position + 1:]
    elif kind == "spell_char_swap_h":
        word = word[:position - 1] + word[position] + word[position - 1] + word[position + 1:]
    elif kind == "spell_space_add_h":
        word = " ".join(word) if rng.random() < 0.5 else word[:position] + " " + word[position:]
    elif kind == "spell_leet_h":
        leeted = "".join(LEET.get(char, char) for char in word)
        if leeted == word:
            return None
        word = leeted
    words[index] = word
    return " ".join(words)


def _expand(template: dict, data: dict) -> Iterator[tuple[str, str]]:
    """(text, target id) for every expansion of one template."""
    text = template["text"]
    if "{t}" in text:
        for number, target in enumerate(data["targets"]):
            forms = target["forms"]
            form = forms[(number + int(hashlib.md5(template["id"].encode()).hexdigest(), 16)) % len(forms)]
            yield text.replace("{t}", form), target["id"]
    elif "{s}" in text:
        for target in data["targets"]:
            for slur in target.get("slurs") or []:
                yield text.replace("{s}", slur), target["id"]
    elif "{g}" in text:
        groups = data.get("non_protected") or []
        drawn = random.Random(f"groups:{template['id']}").sample(groups, min(GROUPS_PER_TEMPLATE, len(groups)))
        for group in drawn:
            yield text.replace("{g}", group), "none"
    elif "{n}" in text:
        yield from ((name_text, "none") for name_text in _with_names(text, template["id"], data))
    else:
        yield text, template.get("target", "none")


def _with_names(text: str, key: str, data: dict) -> Iterator[str]:
    """`text` with `{n}` replaced by `NAMES_PER_TEMPLATE` of the language's names, a different run
    of the list for each template (so that every name is used, none in every case), then by
    `MADE_UP_NAMES` names made up for this template."""
    names = data.get("names") or []
    start = int(hashlib.md5(key.encode()).hexdigest(), 16)
    for number in range(min(NAMES_PER_TEMPLATE, len(names))):
        yield text.replace("{n}", names[(start + number) % len(names)])
    if names:
        avoid = {slur.lower() for target in data["targets"] for slur in target.get("slurs") or []}
        for made_up in made_up_names(key, MADE_UP_NAMES, avoid):
            yield text.replace("{n}", made_up)


def made_up_names(key: str, count: int, avoid: Collection[str] = ()) -> list[str]:
    """`count` names nobody has, the same for the same `key`: a pseudo-word ("travekos"), a username
    ("@mirvo_83", "kelsh.ra"), a capitalised name ("Orvel Tashin") or a run of letters ("xvqt"), as
    people are called online; none holds a slur of `avoid`."""
    rng = random.Random(f"made-up:{key}")

    def word(syllables: int) -> str:
        return "".join(rng.choice(_SYLLABLE_ONSETS) + rng.choice(_SYLLABLE_VOWELS) + rng.choice(_SYLLABLE_CODAS)
                       for _ in range(syllables))

    shapes = (
        lambda: word(rng.randint(2, 4)),
        lambda: "@" + word(rng.randint(1, 3)) + rng.choice(("_", ".", "")) + str(rng.randint(1, 9999)),
        lambda: word(rng.randint(1, 2)) + rng.choice((".", "_")) + word(rng.randint(1, 2)),
        lambda: " ".join(word(rng.randint(1, 3)).capitalize() for _ in range(rng.randint(1, 2))),
        lambda: "".join(rng.choice("bcdfghjklmnpqrstvwxz") for _ in range(rng.randint(3, 6))),
    )
    made: list[str] = []
    while len(made) < count:
        name = rng.choice(shapes)()
        lowered = name.lower()
        if name not in made and lowered not in avoid and not any(slur in lowered for slur in avoid if len(slur) > 2):
            made.append(name)
    return made


def _name_twins(template: dict, by_id: dict[str, dict], data: dict) -> Iterator[str]:
    """The sentence of the `{s}` template a `name_nh` template is paired with, names in the slur's place."""
    paired = by_id.get(template.get("pair") or "")
    if template["f"] != "name_nh" or not paired or "{s}" not in paired["text"]:
        return
    yield from _with_names(paired["text"].replace("{s}", "{n}"), template["id"], data)


def load_language(path: Path, derive_spelling: bool = True) -> list[CorpusCase]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    language = data["language"]
    templates = data.get("templates") or []
    by_id = {template["id"]: template for template in templates}
    rng = random.Random(f"spelling:{language}")
    slurs = [slur for target in data["targets"] for slur in target.get("slurs") or []]
    names = [form for target in data["targets"] for form in target["forms"]] + slurs
    cases: list[CorpusCase] = []
    seen: set[str] = set()
    for template in templates:
        key = template["id"]
        while by_id.get(key, {}).get("pair") and by_id[key]["pair"] != key:
            key = by_id[key]["pair"]
        split = split_of(key)
        hateful = template["label"] == "hateful"
        for text, target in _expand(template, data):
            if text in seen:
                continue
            seen.add(text)
            cases.append(CorpusCase(text, language, template["f"], target, hateful, template["id"], split))
            if derive_spelling and hateful and not template["f"].startswith("spell_") and rng.random() < 0.35:
                kind = rng.choice(DERIVED_SPELLING)
                variant = _variant(text, kind, language, rng, names)
                if variant and variant not in seen:
                    seen.add(variant)
                    cases.append(CorpusCase(variant, language, kind, target, True, template["id"], split))
        for text in _name_twins(template, by_id, data):
            if text not in seen:
                seen.add(text)
                cases.append(CorpusCase(text, language, "name_nh", "none", False, template["id"], split, name_twin=True))
    return cases


def load_corpus(languages: Iterable[str] | None = None, directory: Path | None = None,
                splits: Iterable[str] | None = None) -> list[CorpusCase]:
    wanted = set(languages) if languages else None
    keep = set(splits) if splits else None
    cases: list[CorpusCase] = []
    for path in sorted((directory or corpus_dir()).glob("*.yaml")):
        if wanted is not None and path.stem not in wanted:
            continue
        if "templates:" not in path.read_text(encoding="utf-8"):
            continue  # not a corpus file
        cases.extend(case for case in load_language(path) if keep is None or case.split in keep)
    return cases


def check(path: Path) -> list[str]:
    """Every problem with one language file, as readable lines (empty when it is sound)."""
    problems: list[str] = []
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        return [f"{path}: not YAML: {error}"]
    if data.get("language") != path.stem:
        problems.append(f"{path}: language {data.get('language')!r} differs from the file name")
    targets = data.get("targets") or []
    if len(targets) < 6:
        problems.append(f"{path}: {len(targets)} targets; at least 6 protected groups expected")
    for target in targets:
        if not target.get("id") or not target.get("forms") or not target.get("group"):
            problems.append(f"{path}: target {target!r} needs id, group and forms")
    ids: Counter[str] = Counter()
    texts: Counter[str] = Counter()
    for template in data.get("templates") or []:
        ids[template.get("id", "")] += 1
        texts[template.get("text", "")] += 1
        where = f"{path}: template {template.get('id')!r}"
        if template.get("f") not in FUNCTIONALITIES:
            problems.append(f"{where}: unknown functionality {template.get('f')!r}")
            continue
        expected = "hateful" if template["f"].endswith("_h") else "not_hateful"
        if template.get("label") != expected:
            problems.append(f"{where}: label must be {expected} for {template['f']}")
        text = template.get("text") or ""
        if sum(placeholder in text for placeholder in PLACEHOLDERS) > 1:
            problems.append(f"{where}: one kind of placeholder per template")
        if "{" in text.replace("{t}", "").replace("{s}", "").replace("{g}", "").replace("{n}", ""):
            problems.append(f"{where}: unknown placeholder in {text!r}")
        if "{n}" in text and template["f"] != "name_nh":
            problems.append(f"{where}: {{n}} (a name) belongs only in name_nh templates")
        if template.get("pair") and template["pair"] not in {t.get("id") for t in data["templates"]}:
            problems.append(f"{where}: pair {template['pair']!r} is no template id")
    names = data.get("names") or []
    if any(t.get("f") == "name_nh" for t in data.get("templates") or []) and len(names) < NAMES_PER_TEMPLATE:
        problems.append(f"{path}: {len(names)} names; name_nh needs at least {NAMES_PER_TEMPLATE}")
    slurs = {slur for target in targets for slur in target.get("slurs") or []}
    problems += [f"{path}: name {name!r} is also a slur" for name in names if name in slurs]
    problems += [f"{path}: duplicate template id {key!r}" for key, count in ids.items() if count > 1]
    problems += [f"{path}: duplicate template text {key!r}" for key, count in texts.items() if count > 1]
    return problems


def summary(path: Path) -> str:
    cases = load_language(path)
    per_function = Counter(case.functionality for case in cases)
    per_split = Counter(case.split for case in cases)
    templates = Counter(t["f"] for t in yaml.safe_load(path.read_text(encoding="utf-8")).get("templates") or [])
    hateful = sum(case.hateful for case in cases)
    lines = [f"{path.stem}: {len(cases)} cases ({hateful} hateful, {len(cases) - hateful} not), "
             f"splits {dict(per_split)}"]
    for name in FUNCTIONALITIES:
        lines.append(f"  {name:22s} templates {templates.get(name, 0):4d}  cases {per_function.get(name, 0):5d}")
    if len(cases) < MIN_CASES:
        lines.append(f"  below the minimum of {MIN_CASES} cases")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    """`python -m jaga.training.corpus check [LANG ...]`: validate and summarise corpus files."""
    if not argv or argv[0] != "check":
        print("usage: python -m jaga.training.corpus check [LANG ...]", file=sys.stderr)
        return 2
    paths = [corpus_dir() / f"{language}.yaml" for language in argv[1:]] or sorted(corpus_dir().glob("*.yaml"))
    status = 0
    for path in paths:
        problems = check(path)
        for problem in problems:
            print(problem)
        if problems:
            status = 1
            continue
        print(summary(path))
    return status


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
