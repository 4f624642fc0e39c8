#!/usr/bin/env python3
"""Cut the Chinese and Japanese faces the touch screen embeds out of Noto Sans CJK.

`make fonts` runs this after the zh or ja catalog changes (tests/fonts.rs fails
until it has): each subset holds every character of its catalog, the kana,
CJK punctuation, full-width forms, Latin and every Hangul syllable
(Korean titles), in Noto Sans CJK's SC or JP
design, renamed so a system-wide Noto never stands in for it. Needs
fonts-noto-cjk (Debian) and fontTools (PyPI).
"""
import pathlib
import sys

from fontTools import subset
from fontTools.ttLib import TTCollection

NOTO = pathlib.Path("/usr/share/fonts/opentype/noto")
UI = pathlib.Path(__file__).resolve().parent.parent
# (language, face index in the collection, family name we give it)
FACES = [("zh", 2, "Bookstation CJK SC"), ("ja", 0, "Bookstation CJK JP")]
WEIGHTS = [("Regular", "NotoSansCJK-Regular.ttc"), ("Bold", "NotoSansCJK-Bold.ttc")]
ALWAYS = (
    [chr(c) for c in range(0x20, 0x7F)]
    + [chr(c) for c in range(0x3000, 0x3040)]  # CJK symbols and punctuation
    + [chr(c) for c in range(0x3040, 0x3100)]  # hiragana, katakana
    + [chr(c) for c in range(0xFF00, 0xFFF0)]  # full-width forms
    # Hangul, for the Korean titles and authors the district gives and the
    # language switch's 한국어: Slint does not fall back to NanumGothic.
    + [chr(c) for c in range(0xAC00, 0xD7A4)]
    + [chr(c) for c in range(0x3130, 0x3190)]
    + [chr(c) for c in range(0x0080, 0x0250)]  # Latin-1 and Latin Extended (Exupéry)
    + list("·…—–“”‘’×←→↑↓◐")
    # Dates the kiosk writes itself (domain/dates.rs): 12月17日(木), 12月17日(周四).
    + list("年月日周一二三四五六火水木金土")
)


def catalog_text(lang: str) -> str:
    path = UI / "translations" / lang / "LC_MESSAGES" / "bookstation.po"
    if not path.exists():
        print(f"{path}: no catalog yet, only the fixed characters", file=sys.stderr)
        return ""
    po = path.read_text(encoding="utf-8")
    return "".join(line for line in po.splitlines() if line.startswith(("msgstr", '"')))


def rename(font, family: str, weight: str) -> None:
    names = font["name"]
    for rec in list(names.names):
        if rec.nameID in (1, 3, 4, 6, 16, 17):
            names.removeNames(nameID=rec.nameID)
    full = f"{family} {weight}" if weight != "Regular" else family
    names.setName(family, 1, 3, 1, 0x409)
    names.setName(weight, 2, 3, 1, 0x409)
    names.setName(f"{family.replace(' ', '')}-{weight}", 3, 3, 1, 0x409)
    names.setName(full, 4, 3, 1, 0x409)
    names.setName(f"{family.replace(' ', '')}-{weight}", 6, 3, 1, 0x409)


def main() -> int:
    for lang, index, family in FACES:
        text = set(catalog_text(lang)) | set(ALWAYS)
        for weight, ttc in WEIGHTS:
            font = TTCollection(str(NOTO / ttc)).fonts[index]
            options = subset.Options()
            options.layout_features = ["*"]
            options.name_IDs = ["*"]
            options.name_languages = ["*"]
            options.notdef_outline = True
            options.hinting = False
            subsetter = subset.Subsetter(options)
            subsetter.populate(text="".join(sorted(text)))
            subsetter.subset(font)
            rename(font, family, weight)
            out = UI / "fonts" / f"{family.replace(' ', '')}-{weight}.otf"
            font.save(str(out))
            print(f"{out.relative_to(UI.parent)}: {len(font.getGlyphOrder())} glyphs, {out.stat().st_size // 1024} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
