from __future__ import annotations

from pathlib import Path

import pytest

from jaga.detect import DETECTORS
from jaga.detect.harms import HarmDetector, HarmRulesError
from jaga.pipeline import Moderator
from jaga.types import Category, Post, Signal


@pytest.fixture(scope="module")
def moderator() -> Moderator:
    return Moderator(detectors=[HarmDetector()])


def _signals(moderator: Moderator, text: str, lang: str) -> dict[Category, Signal]:
    prepared = moderator.prepare(Post(id="p", text=text, lang=lang))
    return {signal.category: signal for signal in moderator.detectors[0].detect([prepared])[0]}


@pytest.mark.parametrize(
    ("text", "lang", "category", "subtype", "evidence"),
    [
        # The three posts the issue found allowed.
        ("Jual video bocil SD full no sensor, DM", "id", Category.SEXUAL_EXPLOITATION, "csam_trade", "bocil"),
        ("tonight I'm going to end my life, goodbye everyone", "en", Category.SELF_HARM, "imminent", "end my life"),
        ("we will bomb the church this Sunday", "en", Category.VIOLENT_EXTREMISM, "threat", "church"),
        # Leetspeak is folded before matching; the evidence is the original spelling.
        ("jual vid b0c1l bugil murah, dm", "id", Category.SEXUAL_EXPLOITATION, "csam_trade", "b0c1l"),
        ("transfer 3 juta atau foto bugilmu aku sebar ke grup keluarga", "id", Category.SEXUAL_EXPLOITATION,
         "sextortion", "aku sebar"),
        ("umur berapa dek? pindah ke wa aja, jangan bilang mama ya", "id", Category.SEXUAL_EXPLOITATION,
         "grooming", "umur berapa"),
        ("ikaw na lang mamatay ka na lang, walang may pake", "tl", Category.SELF_HARM, "encouragement",
         "mamatay ka na lang"),
        ("这个星期天我们要炸教堂", "zh", Category.VIOLENT_EXTREMISM, "threat", "炸"),
        ("นักรบรัฐอิสลามคือวีรบุรุษ", "th", Category.VIOLENT_EXTREMISM, "support", "รัฐอิสลาม"),
        ("கயிறு ரெடி, இன்னைக்கு ராத்திரி தற்கொலை பண்ணிக்கப் போறேன்", "ta", Category.SELF_HARM, "imminent", "தற்கொலை"),
        # Zawgyi-encoded Burmese is converted to Unicode before matching; evidence is the Zawgyi text.
        ("ဒီည ကိုယ့္အသက္ကို အဆံုးသတ္ေတာ့မယ္ အားလံုးကို ႏႈတ္ဆက္ပါတယ္", "my", Category.SELF_HARM, "imminent", "ဒီည"),
    ],
)
def test_harms_are_found_with_subtype_and_evidence(moderator: Moderator, text: str, lang: str, category: Category,
                                                   subtype: str, evidence: str) -> None:
    signal = _signals(moderator, text, lang)[category]
    assert signal.details["subtype"] == subtype
    assert signal.source == f"harms:{lang}"
    assert evidence in [span.text for span in signal.evidence]
    assert all(text[span.start:span.end] == span.text for span in signal.evidence)


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Mabar ML yuk bocil-bocil, jangan toxic", "id"),  # a code word alone is not evidence
        ("Bagong CP ko, ang ganda ng camera", "tl"),  # CP = cellphone
        ("Polisi tangkap pria yang jual video bocil di Telegram", "id"),  # news about a case
        ("Moms hati-hati, ada orang asing minta anak pindah ke WA dan kasih diamond", "id"),  # a parent's warning
        ("this boss is impossible, gonna kill myself lol", "en"),  # gaming banter
        ("I would never kill myself, I love my life", "en"),  # negated
        ("Three years clean from self-harm, reach out if you need help", "en"),  # recovery talk
        ("plant the bomb on site B and rotate", "en"),  # Counter-Strike
        ("We condemn the attack on the church; violence has no religion", "en"),  # condemnation
        ("这个星期天我们在教堂旁边吃炸鸡", "zh"),  # 炸 inside 炸鸡 (fried chicken) is not on a word break
    ],
)
def test_look_alikes_are_not_flagged(moderator: Moderator, text: str, lang: str) -> None:
    assert _signals(moderator, text, lang) == {}


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        # "Join" and a contact is every invitation; recruitment names what is joined (a group, jihad, arms).
        ("Yuk gabung grup WA arisan ibu-ibu komplek, hubungi saya ya", "id"),
        ("欢迎加入我们的读书会微信群，有兴趣请加微信", "zh"),
        ("Jom sertai kelas masakan kami hujung minggu ni, WhatsApp saya", "ms"),
        ("Sumali sa aming basketball league! PM lang po sa messenger", "tl"),
        ("Gia nhập nhóm Zalo học tiếng Anh miễn phí nhé mọi người", "vi"),
        ("ເຂົ້າຮ່ວມກັບພວກເຮົາໃນງານບຸນ ຕິດຕໍ່ທາງ WhatsApp", "lo"),
        # Broad words of unspaced scripts: medicine, rope, a bridge with "tonight" or "tomorrow"; a temple
        # word inside "history".
        ("คืนนี้ต้องกินยาลดไข้ก่อนนอน ไม่สบายมาก", "th"),
        ("ซื้อเชือกมาขึงตากผ้าที่ระเบียงแล้ว พรุ่งนี้ซักผ้าได้", "th"),
        ("ມື້ອື່ນຈະຂ້າມຂົວໄປເຮືອນແມ່", "lo"),
        ("Dana Desa tahap dua sudah cair, warga bisa cek penggunaannya di balai desa", "id"),
    ],
)
def test_everyday_posts_that_share_the_harms_words_are_not_flagged(moderator: Moderator, text: str,
                                                                  lang: str) -> None:
    assert _signals(moderator, text, lang) == {}


@pytest.mark.parametrize(("text", "lang"), [("ni bukan gurauan, aku serius nak mati", "ms"),
                                            ("not joking, i want to die", "en")])
def test_a_comma_after_words_ends_a_negation(moderator: Moderator, text: str, lang: str) -> None:
    """"Not joking" negates the joke, not the wish that follows the comma."""
    assert Category.SELF_HARM in _signals(moderator, text, lang)


@pytest.mark.parametrize("text", ["I would never, ever hurt myself", "i don't want to die"])
def test_a_negation_reaches_on_where_no_comma_after_words_stops_it(moderator: Moderator, text: str) -> None:
    """A comma right after the negation is emphasis."""
    assert _signals(moderator, text, "en") == {}


def test_ideation_is_told_apart_from_imminent_risk(moderator: Moderator) -> None:
    assert _signals(moderator, "lately i keep wanting to die", "en")[Category.SELF_HARM].details["subtype"] == "ideation"
    imminent = _signals(moderator, "i want to die, the pills are here, tonight", "en")[Category.SELF_HARM]
    assert imminent.details["subtype"] == "imminent"
    assert imminent.score > _signals(moderator, "lately i keep wanting to die", "en")[Category.SELF_HARM].score


def test_the_detector_is_registered() -> None:
    assert DETECTORS["harms"] is HarmDetector
    assert set(HarmDetector.categories) == {Category.SEXUAL_EXPLOITATION, Category.SELF_HARM,
                                            Category.VIOLENT_EXTREMISM, Category.SCAM_FRAUD,
                                            Category.ILLEGAL_GAMBLING}
    assert len(HarmDetector().languages) == 11


def test_every_language_has_the_words_that_open_a_heads_gate() -> None:
    """A `heads_gate` class (self-harm's `distress`) is read by no rule: a language without its words would
    leave its posts to the rules' phrases alone, silently."""
    detector = HarmDetector()
    gates = [(category, name) for category, rules in detector.rules.items() for name in rules.heads_gate]
    assert (Category.SELF_HARM, "distress") in gates
    for language, cues in detector.languages.items():
        present = {(pattern.category, pattern.cue_class) for pattern in cues.patterns}
        assert set(gates) <= present, language


def test_a_bare_yaml_boolean_is_refused(tmp_path: Path) -> None:
    source = Path(__file__).parents[2] / "src" / "jaga" / "detect" / "harm_cues" / "rules.yaml"
    (tmp_path / "rules.yaml").write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "xx.yaml").write_text("language: xx\ncontext:\n  negation: [not, no]\n", encoding="utf-8")
    with pytest.raises(HarmRulesError, match=r"xx\.yaml"):
        HarmDetector(tmp_path)


def test_a_term_that_normalises_to_one_letter_is_refused(tmp_path: Path) -> None:
    """Posts are normalised before the scan ("xxx" -> "x", as "sooo" -> "so"), so such a term would
    match the letter wherever a post has it."""
    source = Path(__file__).parents[2] / "src" / "jaga" / "detect" / "harm_cues" / "rules.yaml"
    (tmp_path / "rules.yaml").write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "xx.yaml").write_text("language: xx\nsexual_exploitation:\n  sexual: [nude, xxx]\n", encoding="utf-8")
    with pytest.raises(HarmRulesError, match="'xxx' normalises to the letter 'x'"):
        HarmDetector(tmp_path)


def test_a_letter_x_is_not_sexual_material(moderator: Moderator) -> None:
    prepared = moderator.prepare(Post(id="1", lang="en", text="see the notes at https://example.com/x, 5 x 3 rooms"))
    assert not [hit for hit in HarmDetector().hits(prepared) if hit.cue_class == "sexual"]


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("商场秒杀活动明天要开始，大家记得来抢", "zh"),  # 秒杀, a flash sale, holds 杀 (kill); ICU splits it
        ("今晚我要去市场砍价", "zh"),  # 砍价, bargaining, holds 砍 (hack)
        ("Bath bomb restock at the mall tomorrow! 20% off", "en"),
        ("I almost had a heart attack at school today, exam tomorrow", "en"),
        ("Photo shoot at the temple grounds on Saturday, I will send the link later", "en"),  # "shoot at" in a shoot
        ("We will kill it at the concert tonight, see you all there!", "en"),
        ("New video is out! Like and subscribe and click the bell", "en"),
    ],
)
def test_a_cue_inside_an_ordinary_word_is_no_cue(moderator: Moderator, text: str, lang: str) -> None:
    assert _signals(moderator, text, lang) == {}


def test_ordinary_words_mask_only_the_cues_they_overlap(tmp_path: Path) -> None:
    """The threat is still read where the ordinary word is elsewhere in the post."""
    source = Path(__file__).parents[2] / "src" / "jaga" / "detect" / "harm_cues" / "rules.yaml"
    (tmp_path / "rules.yaml").write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "xx.yaml").write_text(
        "language: xx\ncontext:\n  ordinary: [heart attack]\n"
        "violent_extremism:\n  attack: [attack]\n  target: [school]\n  future: [tomorrow]\n", encoding="utf-8")
    moderator = Moderator(detectors=[HarmDetector(tmp_path)])
    assert _signals(moderator, "heart attack at school, exam tomorrow", "xx") == {}
    threat = _signals(moderator, "heart attack? no. we attack the school tomorrow", "xx")[Category.VIOLENT_EXTREMISM]
    assert threat.details["subtype"] == "threat" and threat.score == 0.9
    assert _signals(moderator, "they attack the school", "xx")[Category.VIOLENT_EXTREMISM].score == 0.7


def test_a_cue_that_holds_a_whole_ordinary_word_stands(tmp_path: Path) -> None:
    """Lao ສະບາຍ (well; "hello") is ordinary for the ບາຍ ("bye") inside it; a burden phrase written around
    the whole word ("without me they'd all be well off") is the phrase its author meant, and fires."""
    source = Path(__file__).parents[2] / "src" / "jaga" / "detect" / "harm_cues" / "rules.yaml"
    (tmp_path / "rules.yaml").write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "xx.yaml").write_text(
        "language: xx\ncontext:\n  ordinary: [photo shoot]\n"
        "self_harm:\n  burden: [better off without me, no photo shoot ever again]\n  farewell: [shoot]\n",
        encoding="utf-8")
    moderator = Moderator(detectors=[HarmDetector(tmp_path)])
    assert _signals(moderator, "the photo shoot is on friday", "xx") == {}
    for text in ("no photo shoot ever again, they are better off", "no photo shoot ever again"):
        assert _signals(moderator, text, "xx")[Category.SELF_HARM].details["subtype"] == "ideation"


EVERYDAY = Path(__file__).parent / "everyday"


@pytest.mark.parametrize("lang", sorted(path.stem for path in EVERYDAY.glob("*.txt")))
def test_everyday_posts_in_the_rules_own_words_fire_no_rule(lang: str) -> None:
    """Before the audit of 2026-12-07 the rules flagged 35-85 % of such posts in every language (a rope
    listing with "tomorrow" as a suicide plan, a mall flash sale as a bombing): these are the ones fixed."""
    detector = HarmDetector()
    moderator = Moderator(detectors=[detector])
    posts = [line for line in (EVERYDAY / f"{lang}.txt").read_text(encoding="utf-8").splitlines()
             if line and not line.startswith("#")]
    assert len(posts) >= 80
    fired = {text: sorted({signal.category.value for signal in signals}) for text, signals in zip(
        posts, detector.detect([moderator.prepare(Post(id=str(i), text=text, lang=lang)) for i, text in enumerate(posts)]),
        strict=True) if signals}
    assert fired == {}


def test_a_vowel_sign_is_inside_a_tamil_word(tmp_path: Path) -> None:
    """Python's word class leaves out Tamil vowel signs and the virama: பை (bye) matched inside மும்பை
    (Mumbai), குண்டு (bomb) inside வெடிகுண்டு and கோலிக்குண்டு (marbles)."""
    source = Path(__file__).parents[2] / "src" / "jaga" / "detect" / "harm_cues" / "rules.yaml"
    (tmp_path / "rules.yaml").write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "xx.yaml").write_text("language: xx\nviolent_extremism:\n  attack: [குண்டு]\n", encoding="utf-8")
    detector = HarmDetector(tmp_path)
    moderator = Moderator(detectors=[detector])

    def weapons(text: str) -> list[str]:
        prepared = moderator.prepare(Post(id="p", text=text, lang="xx"))
        return [prepared.text.text[hit.start:hit.end] for hit in detector.hits(prepared) if hit.cue_class == "attack"]

    assert weapons("கோலிக்குண்டு விளையாட்டு") == [] and weapons("வெடிகுண்டு மாதிரி") == []
    assert weapons("குண்டு வைப்போம்") == ["குண்டு"] and weapons("நாட்டு குண்டுகள்") == ["குண்டு"]


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Going to plant a bomb under the stands at Jalan Besar stadium before the final, nobody leaves alive", "en"),
        ("Stadion GBK akan kami bom besok malam saat pertandingan, ribuan orang kafir berkumpul di sana", "id"),
        ("เสาร์นี้จะวางระเบิดที่สนามกีฬาตอนนัดชิง ให้ตายเยอะที่สุด", "th"),
    ],
)
def test_a_threat_against_a_match_is_still_a_threat(moderator: Moderator, text: str, lang: str) -> None:
    """`sport` words are what only match talk says (a striker, a free kick): a stadium, the match, the final and the
    crowd are what a threat names, and "plant a bomb" no longer holds the framing "a bomb"."""
    assert _signals(moderator, text, lang)[Category.VIOLENT_EXTREMISM].details["subtype"] == "threat"


def test_match_talk_is_no_threat(moderator: Moderator) -> None:
    assert _signals(moderator, "Striker Selangor tembak dari luar kotak, satu stadium bangun terus. Gila babi gol tu",
                    "ms") == {}


WRITERS = Path(__file__).parents[2] / "eval" / "self_harm_writers"


@pytest.mark.parametrize("lang", sorted(path.stem for path in WRITERS.glob("*.txt")))
def test_the_self_harm_writers_first_round_stays_caught(lang: str) -> None:
    """The cue files were fitted to the first round of the writers' posts of 2026-12-07 (at most 4 missed, no
    look-alike flagged): an edit that loses them is a regression. The second round is the honest measure."""
    detector = HarmDetector()
    moderator = Moderator(detectors=[detector])
    lines = (WRITERS / f"{lang}.txt").read_text(encoding="utf-8").split("# round 2")[0].splitlines()
    posts = [(line[0] == "+", line[2:]) for line in lines if line[:2] in ("+ ", "- ")]
    prepared = [moderator.prepare(Post(id=str(i), text=text, lang=lang)) for i, (_, text) in enumerate(posts)]
    found = detector.detect(prepared)
    flagged = [any(signal.category == Category.SELF_HARM for signal in signals) for signals in found]
    harmful = [hit for (is_harmful, _), hit in zip(posts, flagged, strict=True) if is_harmful]
    lookalikes = [text for (is_harmful, text), hit in zip(posts, flagged, strict=True) if hit and not is_harmful]
    assert len(harmful) == 45 and sum(harmful) >= 39 and lookalikes == []


@pytest.mark.parametrize(("text", "lang", "subtype"), [
    ("I cut again last night, wearing long sleeves so mum won't see", "en", "ideation"),
    ("nyilet lagi semalem, pake hoodie biar ortu gak tau", "id", "ideation"),
    ("tips nyilet biar gak ketahuan: di paha dalam", "id", "instructions"),
])
def test_a_disclosure_of_hidden_self_injury_gets_support_not_removal(moderator: Moderator, text: str, lang: str,
                                                                      subtype: str) -> None:
    """Safe messaging: a person's own disclosure is never removed; a concealment tip with a how-to is."""
    assert _signals(moderator, text, lang)[Category.SELF_HARM].details["subtype"] == subtype
