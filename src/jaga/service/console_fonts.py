"""Builds the console's web fonts: Noto subsets as WOFF2, one per script, served with the console.

Why: a reviewer's browser, a kiosk or a headless Chromium in CI often has no font for Thai, Khmer,
Lao, Myanmar, Tamil or Chinese, and the text then shows as empty boxes. The package ships its own
faces (SIL Open Font License 1.1, see NOTICE), cut down to each script's Unicode ranges so the whole
set stays a few MB; the CJK face keeps the 3,755 common characters of GB 2312 level 1 (what a
simplified-Chinese reader meets in nearly every post) plus CJK punctuation and full-width forms.
Posts in Traditional Chinese (Taiwan, Hong Kong, Macau, and much of the Chinese press read in Malaysia
and Singapore) are mostly characters outside that set (這個說錯誤請轉發): a second face, Noto Sans CJK
TC, holds the rest of Big5's 5,401 frequently used characters (the 2,967 not in GB 2312 level 1). Its
unicode-range lists exactly those code points, so a page in Simplified Chinese never fetches it and a
Traditional one takes the characters both scripts share from the SC face.

Run once by a maintainer, not at install time (the WOFF2 files are committed):

    apt-get download fonts-noto-core fonts-noto-cjk && dpkg-deb -x <each>.deb /tmp/noto
    pip install 'fonttools[woff]' && python -m jaga.service.console_fonts /tmp/noto

Each face is looked for by file name anywhere under the folder given, so Google's standalone
NotoSansCJKtc-Regular.otf serves as well as Debian's collection (the TC face shipped was cut from
that OTF, version 1.004, as the PyPI wheel cvttf-notosanscjk-regular carries it). Name the families
to rebuild only those; fonts.css is always written whole:

    python -m jaga.service.console_fonts /tmp/noto "Noto Sans CJK TC"
"""

from __future__ import annotations

import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection, TTFont

HERE = Path(__file__).parent / "console" / "fonts"
# Characters every face also carries, so digits, spaces and punctuation in a mixed line match.
COMMON = [*range(0x20, 0x7F), 0xA0, 0x200B, 0x200C, 0x200D, 0x25CC, *range(0x2010, 0x2027)]


def _gb2312_level1() -> list[int]:
    """The 3,755 hanzi of GB 2312 level 1 (rows 16 to 55), read from Python's own gb2312 codec."""
    points = []
    for row in range(0xB0, 0xD8):
        for cell in range(0xA1, 0xFF):
            try:
                points.append(ord(bytes((row, cell)).decode("gb2312")))
            except UnicodeDecodeError:  # row 55 ends at cell 0xF9
                continue
    return points


def _big5_level1() -> list[int]:
    """The 5,401 hanzi of Big5 level 1 (its "frequently used characters", 0xA440 to 0xC67E), the
    common set of Traditional Chinese, read from Python's own big5 codec."""
    points = []
    for lead in range(0xA4, 0xC7):
        for trail in (*range(0x40, 0x7F), *range(0xA1, 0xFF)):
            if (lead, trail) > (0xC6, 0x7E):
                break
            try:
                points.append(ord(bytes((lead, trail)).decode("big5")))
            except UnicodeDecodeError:  # the gaps between the codec's rows
                continue
    return [point for point in points if 0x4E00 <= point <= 0x9FFF]


def _traditional_only() -> set[int]:
    """Big5 level 1 less what the SC face already draws (GB 2312 level 1)."""
    return set(_big5_level1()) - set(_gb2312_level1())


def _ranges(points: set[int]) -> list[tuple[int, int]]:
    """Sorted code points as the fewest (first, last) runs, for an exact CSS unicode-range."""
    runs: list[tuple[int, int]] = []
    for point in sorted(points):
        if runs and runs[-1][1] == point - 1:
            runs[-1] = (runs[-1][0], point)
        else:
            runs.append((point, point))
    return runs


# (file names to look for under the source folder, the face's name in CSS, its Unicode blocks, and for
# CJK the characters kept inside them: None keeps the whole blocks)
FACES: list[tuple[tuple[str, ...], str, list[tuple[int, int]], set[int] | None]] = [
    (("NotoSansThai-Regular.ttf",), "Noto Sans Thai", [(0x0E00, 0x0E7F)], None),
    (("NotoSansLao-Regular.ttf",), "Noto Sans Lao", [(0x0E80, 0x0EFF)], None),
    (("NotoSansKhmer-Regular.ttf",), "Noto Sans Khmer", [(0x1780, 0x17FF), (0x19E0, 0x19FF)], None),
    (("NotoSansMyanmar-Regular.ttf",), "Noto Sans Myanmar",
     [(0x1000, 0x109F), (0xA9E0, 0xA9FF), (0xAA60, 0xAA7F)], None),
    (("NotoSansTamil-Regular.ttf",), "Noto Sans Tamil", [(0x0964, 0x0965), (0x0B80, 0x0BFF)], None),
    (("NotoSansCJK-Regular.ttc", "NotoSansCJKsc-Regular.otf"), "Noto Sans CJK SC",
     [(0x3000, 0x303F), (0x4E00, 0x9FFF), (0xFF00, 0xFFEF)],
     {*range(0x3000, 0x3040), *range(0xFF00, 0xFFF0), *_gb2312_level1()}),
    # after SC in the page's font stack: it draws only what SC lacks (punctuation comes from SC)
    (("NotoSansCJK-Regular.ttc", "NotoSansCJKtc-Regular.otf"), "Noto Sans CJK TC", _ranges(_traditional_only()),
     _traditional_only()),
]


def file_name(family: str) -> str:
    return family.replace(" ", "") + ".woff2"


def unicode_range(blocks: list[tuple[int, int]]) -> str:
    """CSS unicode-range of the script's own blocks (not COMMON), so the browser uses this face only
    where the text needs it and fetches it only then; a character outside the subset falls through
    to the next family in the stack."""
    return ", ".join(f"U+{first:X}" if first == last else f"U+{first:X}-{last:X}" for first, last in blocks)


def _open(source: Path, names: tuple[str, ...], family: str) -> TTFont:
    """The first of `names` found under `source`; from a collection, the face called `family`."""
    for name in names:
        for path in sorted(source.rglob(name)):
            if path.suffix != ".ttc":
                return TTFont(path)
            # The Noto CJK collection holds JP, KR, SC, TC, HK faces; keep the one asked for.
            for font in TTCollection(path).fonts:
                if font["name"].getDebugName(1) == family:
                    return font
    raise SystemExit(f"{family}: none of {names} under {source}")


def build(source: Path, families: list[str] | None = None) -> None:
    css = ["/* Built by jaga.service.console_fonts from Debian's fonts-noto-core and fonts-noto-cjk, and Noto Sans"
           " CJK TC 1.004 (SIL Open Font License 1.1, see NOTICE). */"]
    options = subset.Options()
    options.flavor = "woff2"
    options.layout_features = ["*"]  # the shaping (marks, ligatures, reordering) Thai and Khmer need
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    # Han needs no shaping: fontTools' default features (kerning, vertical forms) less "locl", and not
    # "*": locl's Japanese, Korean and Hong Kong forms and the alternates (aalt, jp78, trad, ...) would
    # each add a second glyph for half the characters (measured on the TC face: 3,080 glyphs, 6,804 with
    # locl, 7,164 with everything).
    cjk_options = subset.Options()
    cjk_options.layout_features = [feature for feature in cjk_options.layout_features if feature != "locl"]
    cjk_options.flavor = "woff2"
    cjk_options.name_IDs = ["*"]
    cjk_options.name_languages = ["*"]
    cjk_options.notdef_outline = True
    for names, family, blocks, only in FACES:
        css.append(f'@font-face {{ font-family: "{family}"; src: url("{file_name(family)}") format("woff2"); '
                   f"font-display: swap; unicode-range: {unicode_range(blocks)}; }}")
        if families and family not in families:
            continue
        points = [point for first, last in blocks for point in range(first, last + 1) if only is None or point in only]
        font = _open(source, names, family)
        subsetter = subset.Subsetter(cjk_options if only is not None else options)
        subsetter.populate(unicodes=[*points, *COMMON])
        subsetter.subset(font)
        subset.save_font(font, HERE / file_name(family), options)
        print(f"{file_name(family)}: {(HERE / file_name(family)).stat().st_size / 1024:.0f} KiB")
    (HERE / "fonts.css").write_text("\n".join(css) + "\n", encoding="utf-8")


if __name__ == "__main__":
    build(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("/tmp/noto"), sys.argv[2:] or None)
