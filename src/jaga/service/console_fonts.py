"""Builds the console's web fonts: Noto subsets as WOFF2, one per script, served with the console.

Why: a reviewer's browser, a kiosk or a headless Chromium in CI often has no font for Thai, Khmer,
Lao, Myanmar, Tamil or Chinese, and the text then shows as empty boxes. The package ships its own
faces (SIL Open Font License 1.1, see NOTICE), cut down to each script's Unicode ranges so the whole
set stays a few MB; the CJK face keeps the 3,755 common characters of GB 2312 level 1 (what a
simplified-Chinese reader meets in nearly every post) plus CJK punctuation and full-width forms.

Run once by a maintainer, not at install time (the WOFF2 files are committed):

    apt-get download fonts-noto-core fonts-noto-cjk && dpkg-deb -x <each>.deb /tmp/noto
    pip install 'fonttools[woff]' && python -m jaga.service.console_fonts /tmp/noto
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


# (file in the Debian packages, the face's name in CSS, its Unicode blocks, and for CJK the
# characters kept inside them: None keeps the whole blocks)
FACES: list[tuple[str, str, list[tuple[int, int]], set[int] | None]] = [
    ("truetype/noto/NotoSansThai-Regular.ttf", "Noto Sans Thai", [(0x0E00, 0x0E7F)], None),
    ("truetype/noto/NotoSansLao-Regular.ttf", "Noto Sans Lao", [(0x0E80, 0x0EFF)], None),
    ("truetype/noto/NotoSansKhmer-Regular.ttf", "Noto Sans Khmer", [(0x1780, 0x17FF), (0x19E0, 0x19FF)], None),
    ("truetype/noto/NotoSansMyanmar-Regular.ttf", "Noto Sans Myanmar",
     [(0x1000, 0x109F), (0xA9E0, 0xA9FF), (0xAA60, 0xAA7F)], None),
    ("truetype/noto/NotoSansTamil-Regular.ttf", "Noto Sans Tamil", [(0x0964, 0x0965), (0x0B80, 0x0BFF)], None),
    ("opentype/noto/NotoSansCJK-Regular.ttc", "Noto Sans CJK SC", [(0x3000, 0x303F), (0x4E00, 0x9FFF), (0xFF00, 0xFFEF)],
     {*range(0x3000, 0x3040), *range(0xFF00, 0xFFF0), *_gb2312_level1()}),
]


def file_name(family: str) -> str:
    return family.replace(" ", "") + ".woff2"


def unicode_range(blocks: list[tuple[int, int]]) -> str:
    """CSS unicode-range of the script's own blocks (not COMMON), so the browser uses this face only
    where the text needs it and fetches it only then; a character outside the subset falls through
    to the next family in the stack."""
    return ", ".join(f"U+{first:X}-{last:X}" for first, last in blocks)


def _open(path: Path, family: str) -> TTFont:
    if path.suffix != ".ttc":
        return TTFont(path)
    # The Noto CJK collection holds JP, KR, SC, TC, HK faces; keep the simplified-Chinese one.
    for font in TTCollection(path).fonts:
        if font["name"].getDebugName(1) == family:
            return font
    raise SystemExit(f"{family} not found in {path}")


def build(source: Path) -> None:
    css = ["/* Built by jaga.service.console_fonts from Debian's fonts-noto-core and fonts-noto-cjk"
           " (SIL Open Font License 1.1, see NOTICE). */"]
    options = subset.Options()
    options.flavor = "woff2"
    options.layout_features = ["*"]  # the shaping (marks, ligatures, reordering) Thai and Khmer need
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    for relative, family, blocks, only in FACES:
        points = [point for first, last in blocks for point in range(first, last + 1) if only is None or point in only]
        font = _open(source / "usr/share/fonts" / relative, family)
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=[*points, *COMMON])
        subsetter.subset(font)
        subset.save_font(font, HERE / file_name(family), options)
        css.append(f'@font-face {{ font-family: "{family}"; src: url("{file_name(family)}") format("woff2"); '
                   f"font-display: swap; unicode-range: {unicode_range(blocks)}; }}")
        print(f"{file_name(family)}: {(HERE / file_name(family)).stat().st_size / 1024:.0f} KiB")
    (HERE / "fonts.css").write_text("\n".join(css) + "\n", encoding="utf-8")


if __name__ == "__main__":
    build(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("/tmp/noto"))
