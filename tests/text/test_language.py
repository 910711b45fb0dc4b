from __future__ import annotations

import pytest

from jaga.text import detect_language, normalise

# Short everyday sentences written for these tests (not taken from any dataset).
PROBES = {
    "id": ["Aku nggak bisa datang besok, maaf ya", "Harga cabai naik lagi minggu ini", "Kamu udah makan belum?",
           "Polisi menangkap dua orang pelaku pencurian di Jakarta", "Gue mau beli mobil baru tahun depan"],
    "ms": ["Saya tak boleh datang esok, maaf", "Kerajaan umumkan cuti umum minggu depan", "Awak nak makan apa malam ni?",
           "Dia beli kereta baru guna wang simpanan sendiri", "Jangan lupa bawa payung sebab hujan lebat"],
    "tl": ["Hindi ko alam kung saan siya pumunta", "Kumain ka na ba?", "Ang init ngayon sa Maynila",
           "Pupunta kami sa probinsya bukas ng umaga", "Salamat po sa tulong ninyo"],
    "en": ["The meeting has been moved to Thursday afternoon", "Please remember to bring your ID card",
           "I think the new policy is a good idea"],
    "vi": ["Tôi không biết anh ấy đi đâu", "Hôm nay trời mưa to quá", "Cảm ơn bạn rất nhiều"],
    "th": ["วันนี้อากาศดีมาก", "ขอบคุณมากครับ"],
    "lo": ["ມື້ນີ້ອາກາດດີຫຼາຍ", "ຂອບໃຈຫຼາຍໆ"],
    "km": ["ថ្ងៃនេះអាកាសធាតុល្អណាស់", "អរគុណច្រើន"],
    "my": ["ဒီနေ့ ရာသီဥတု ကောင်းတယ်", "ကျေးဇူးတင်ပါတယ်"],
    "zh": ["今天天气很好", "谢谢你的帮助"],
    "ta": ["இன்று வானிலை மிகவும் நன்றாக உள்ளது", "மிக்க நன்றி"],
}


@pytest.mark.parametrize(("language", "text"), [(lang, text) for lang, texts in PROBES.items() for text in texts])
def test_probe_sentences(language: str, text: str) -> None:
    info = detect_language(normalise(text).text)
    assert info.code == language
    assert 0.0 < info.confidence <= 1.0


def test_zawgyi_burmese_is_burmese_after_normalising() -> None:
    assert detect_language(normalise("ဒီေန႔ ရာသီဥတု ေကာင္းတယ္").text).code == "my"


def test_singlish_is_flagged() -> None:
    info = detect_language("wah the queue damn long sia, later we go makan somewhere else lah")
    assert info.code == "en"
    assert info.variety == "singlish"


def test_taglish_is_flagged_as_mixed() -> None:
    info = detect_language("grabe ang traffic kanina, I was so late for my meeting talaga")
    assert info.code == "tl"
    assert "en" in info.mixed
    assert info.variety == "taglish"


@pytest.mark.parametrize("text", [
    "machan enna da panra, innum office la irukkiya?",
    "romba kashtama irukku, enaku yaarum illa",
    "nee sonna maathiri naanga vanthutom, enga irukka?",
    "this movie semma mass da, thalaivar acting romba nalla irukku",
])
def test_romanised_tamil_is_tamil(text: str) -> None:
    """Tanglish is Tamil written in Latin letters (Malaysia, Singapore, Sri Lanka): taken for English,
    Indonesian or Tagalog, Tamil's cue lists and calibration never read it."""
    info = detect_language(normalise(text).text)
    assert (info.code, info.variety, info.script) == ("ta", "tanglish", "latin")


@pytest.mark.parametrize(("text", "code"), [
    ("eh machan, the meeting moved to Thursday afternoon, please bring your laptop", "en"),
    ("Kerajaan Seri Paduka Baginda dan pembangkang yang amat setia", "ms"),
    ("Saya tak boleh datang esok sebab ada kerja, maaf ya kawan", "ms"),
])
def test_one_tamil_word_does_not_make_a_post_tamil(text: str, code: str) -> None:
    assert detect_language(normalise(text).text).code == code


def test_script_mixing_is_reported() -> None:
    info = detect_language("สวัสดีครับ hello everyone welcome")
    assert info.code in ("th", "en")
    assert info.mixed


def test_text_without_letters_is_undetermined() -> None:
    assert detect_language("12345 !!! 😀").code == "und"


@pytest.mark.parametrize(("country", "expected"), [("ID", "id"), ("MY", "ms"), ("BN", "ms")])
def test_the_country_breaks_an_indonesian_malay_tie(country: str, expected: str) -> None:
    # Every word here is shared by both languages: only the post's country can tell them apart.
    assert detect_language("Dasar kaum itu tidak tahu diri, semuanya penipu", country).code == expected


def test_the_country_never_overrides_clear_markers() -> None:
    assert detect_language("Saya tak boleh pergi sebab kereta rosak", "ID").code == "ms"
    assert detect_language("Gue nggak bisa datang karena mobilnya rusak", "MY").code == "id"


@pytest.mark.parametrize(("text", "code"), [
    ("您的银行账户已被冻结，请立即点击链接更新资料：https://maybank2u-secure.xyz/login", "zh"),
    ("【中国银行】您的账户存在异常，请立即点击 boc-hk-verify.top", "zh"),
    ("ดูคลิปเต็มที่ www.example-long-domain.com/abc/def", "th"),
    ("பரிசு வென்றீர்கள் http://bit.ly/abcdefgh-xyz", "ta"),
])
def test_links_domains_and_handles_are_not_read_as_english(text: str, code: str) -> None:
    assert detect_language(text).code == code


@pytest.mark.parametrize(("text", "code"), [
    ("Behinderte sind einfach so ekelhaft und gehören nicht in unsere Gesellschaft.", "de"),
    ("Je ne supporte plus ces gens, ils devraient tous rentrer chez eux.", "fr"),
    ("No quiero vivir al lado de esa gente, que se vayan de mi barrio.", "es"),
    ("Nie chcę mieszkać obok tych ludzi, niech wracają do siebie.", "pl"),
])
def test_latin_text_in_another_language_keeps_its_own_code(text: str, code: str) -> None:
    # Forced into the nearest of the region's five, German was read as English and the fast tier,
    # which knows nothing of German, settled it as benign.
    assert detect_language(text).code == code


@pytest.mark.parametrize("text", [
    "Grabe naman yung traffic sa EDSA kanina, halos dalawang oras ako sa bus",
    "pulen banget kaya nasi cianjur",  # Sundanese-flavoured Indonesian: kin, never foreign
    "asa apal nu ngangge acuk pink eka sanes nya",
    "omg the new iphone is so expensive lah, can't afford one this year sia",
    "Saya tak faham kenapa kerajaan buat macam ni, harga barang naik lagi",
])
def test_the_regions_latin_languages_are_not_called_foreign(text: str) -> None:
    assert detect_language(text).code in ("en", "id", "ms", "tl", "vi")


def test_one_pass_gives_what_an_identifier_restricted_to_the_five_gives() -> None:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    from jaga.text.language import LATIN_LANGUAGES, _classify_latin

    restricted = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    restricted.set_languages(LATIN_LANGUAGES)
    for text in ("saya suka makan nasi goreng", "kumain na ba kayo", "the weather is nice today",
                 "tôi yêu việt nam", "die katze schläft auf dem sofa"):
        code, confidence, _, _ = _classify_latin(text)
        expected_code, expected_confidence = restricted.classify(text)
        assert code == expected_code
        assert confidence == pytest.approx(expected_confidence, abs=1e-4)
