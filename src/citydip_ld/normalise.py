"""Text normalised the way readers type it, for search (and any matching of names).

Pure: no I/O. `normalise(text)` maps every spelling a reader may type of the same name to one
key, so the index and the query are compared key to key:

- Persian and Arabic: Arabic yeh ي and alef maksura ى -> Persian yeh ی; Arabic kaf ك ->
  Persian keheh ک; heh with yeh above ۀ and teh marbuta ة -> heh ه; alef with hamza or madda
  (أ إ آ ٱ) -> alef ا; waw with hamza ؤ -> و; yeh with hamza ئ -> ی; diacritics (harakat,
  tanween, shadda, sukun, superscript alef) and tatweel ـ dropped; zero-width non-joiner,
  joiner and other invisible format characters become nothing, so «می‌روم» = «میروم».
- Digits: Persian ۰-۹ and Arabic-Indic ٠-٩ -> Latin 0-9.
- Latin: case-folded (`casefold`: ß -> ss) and accents dropped (NFKD, combining marks
  removed), so "Zürich" = "zurich" and "ISTANBUL" = "istanbul".
- Space: any run of whitespace or punctuation -> one space, trimmed, so "Sao-Paulo" =
  "são paulo" and a word search sees the words.
"""

from __future__ import annotations

import unicodedata

__all__ = ["normalise", "words"]

#: Letters folded to one form (after NFKD, which already splits أ into ا + hamza above).
_LETTERS = {
    "\u064a": "\u06cc",  # ي Arabic yeh -> ی
    "\u0649": "\u06cc",  # ى alef maksura -> ی
    "\u0626": "\u06cc",  # ئ yeh with hamza -> ی
    "\u06d0": "\u06cc",  # ې -> ی
    "\u0643": "\u06a9",  # ك Arabic kaf -> ک
    "\u06aa": "\u06a9",  # ڪ swash kaf -> ک
    "\u0629": "\u0647",  # ة teh marbuta -> ه
    "\u06c0": "\u0647",  # ۀ heh with yeh above -> ه
    "\u06c1": "\u0647",  # ہ heh goal -> ه
    "\u06d5": "\u0647",  # ە ae -> ه
    "\u0623": "\u0627",  # أ
    "\u0625": "\u0627",  # إ
    "\u0622": "\u0627",  # آ
    "\u0671": "\u0627",  # ٱ alef wasla
    "\u0624": "\u0648",  # ؤ -> و
    "\u0640": "",  # tatweel
}
for _zero, _start in ((0x0030, 0x06F0), (0x0030, 0x0660)):
    for _i in range(10):
        _LETTERS[chr(_start + _i)] = chr(_zero + _i)
_TABLE = str.maketrans(_LETTERS)


def _kept(ch: str) -> str:
    """What one character of the decomposed, folded text becomes: itself, a space, or
    nothing (combining marks: accents and Arabic diacritics; invisible format characters)."""
    category = unicodedata.category(ch)
    if category[0] == "M" or category == "Cf":
        return ""
    if category[0] in "LN":
        return ch
    return " "


def _plane_table() -> dict[int, str | None]:
    """`_TABLE` and `_kept` in one table for the Basic Multilingual Plane (built at import,
    about 30 ms), so most text is normalised by one `str.translate` in C."""
    table: dict[int, str | None] = {}
    for code in range(0x10000):
        ch = chr(code)
        kept = _kept(ch)
        if kept != ch:
            table[code] = kept or None
    table.update(_TABLE)
    return table


_PLANE = _plane_table()


def normalise(text: str) -> str:
    """The search key of `text` (see the module docstring); idempotent."""
    folded = unicodedata.normalize("NFKD", text).casefold()
    if folded.isascii() or max(folded) <= "\uffff":
        kept = folded.translate(_PLANE)
    else:  # a character beyond the first plane: one at a time
        kept = "".join(_kept(ch) for ch in folded.translate(_TABLE))
    # NFKC puts back what NFKD split and the steps above kept (Hangul syllables).
    return " ".join(unicodedata.normalize("NFKC", kept).translate(_TABLE).split())


def words(key: str) -> list[str]:
    """The words of a normalised key."""
    return key.split(" ") if key else []
