from __future__ import annotations

from jaga.campaigns.features import hashtags, links, matching_text, normalise_url, shortener_expansions


def test_links_compare_after_normalisation() -> None:
    assert normalise_url("https://www.Example.com/News/Story/?utm_source=fb&id=7#top") == "example.com/News/Story?id=7"
    assert normalise_url("http://example.com/News/Story?id=7") == "example.com/News/Story?id=7"
    assert normalise_url("not a link") is None
    assert links("read https://x.example/a?fbclid=1, and bit.ly/Ab3 now", ["https://www.x.example/a"]) == [
        "x.example/a", "bit.ly/Ab3"]


def test_visible_shorteners_expand_and_ambiguous_ones_do_not() -> None:
    posts = [links("bit.ly/abc (news.example/story)"), links("bit.ly/abc"), links("t.co/zz https://a.example/1"),
             links("t.co/zz https://b.example/2"), links("is.gd/q https://a.example/1 https://b.example/2")]
    assert shortener_expansions(posts) == {"bit.ly/abc": "news.example/story"}


def test_hashtags_in_any_script() -> None:
    assert hashtags("ข่าว #เงินช่วยเหลือ และ #BantuanRakyat! #bantuanrakyat", ["#Extra"]) == [
        "extra", "เงินช่วยเหลือ", "bantuanrakyat"]
    assert hashtags("price&#39;s up, issue#5") == []


def test_matching_text_undoes_tricks_and_drops_links_and_mentions() -> None:
    assert matching_text("ＴＥＳＴ  𝐁𝐨𝐥𝐝\u200b tex\u200dt @someone https://x.example/a") == "test bold text"
    assert matching_text("Tin khẩn") == matching_text("Tin kha\u0302\u0309n")
    thorough = matching_text("p4yp4l v3rify", thorough=True)
    assert thorough == "paypal verify"
