"""Search keys: Persian as readers type it, English case- and accent-insensitive
(`citydip_ld.normalise`)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from citydip_ld.normalise import normalise, words

ZWNJ = "\u200c"


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("تبريز", "تبریز"),  # Arabic yeh
        ("تبرىز", "تبریز"),  # alef maksura
        ("كرج", "کرج"),  # Arabic kaf
        ("ﻛﺮﺝ", "کرج"),  # presentation forms
        ("می" + ZWNJ + "روم", "میروم"),  # with or without zero-width non-joiner
        ("تــــبریز", "تبریز"),  # tatweel
        ("تَبْریز", "تبریز"),  # diacritics
        ("مُحَمَّد", "محمد"),  # shadda, harakat
        ("خانۀ", "خانه"),  # heh with yeh above
        ("أصفهان", "اصفهان"),  # alef with hamza
        ("آمل", "امل"),  # alef with madda
        ("۱۳۹۵", "1395"),  # Persian digits
        ("١٣٩٥", "1395"),  # Arabic-Indic digits
        ("Zürich", "zurich"),
        ("ISTANBUL", "istanbul"),
        ("São-Paulo", "sao paulo"),
        ("Straße", "strasse"),
        ("  Tabriz \t Municipality ", "tabriz municipality"),
        ("Tabriz – Wuhan", "tabriz wuhan"),
    ],
)
def test_spellings_a_reader_types_meet_the_stored_label(typed: str, stored: str) -> None:
    assert normalise(typed) == normalise(stored)


def test_keys_look_like_what_was_typed() -> None:
    assert normalise("تبريز") == "تبریز"
    assert normalise("Khesht-e Talaei") == "khesht e talaei"
    assert normalise("...") == ""
    assert words(normalise("Islamic City Council of Tabriz"))[-1] == "tabriz"
    assert words("") == []


def test_different_names_stay_different() -> None:
    assert normalise("تبریز") != normalise("تبرز")
    assert normalise("Baku") != normalise("Bako")
    assert normalise("12") != normalise("21")


_ARABIC_SCRIPT = st.characters(min_codepoint=0x0600, max_codepoint=0x06FF)
_ANY = st.text(st.one_of(st.characters(), _ARABIC_SCRIPT), max_size=40)


@given(_ANY)
def test_normalising_twice_changes_nothing(text: str) -> None:
    assert normalise(normalise(text)) == normalise(text)


@given(_ANY)
def test_a_key_has_single_spaces_and_no_marks_or_invisible_characters(text: str) -> None:
    key = normalise(text)
    assert key == key.strip()
    assert "  " not in key
    assert not set(key) & {ZWNJ, "\u200d", "\u0640", "\u064e", "\u0651", "ي", "ك"}
    assert key == key.casefold() or not key.isascii()


@given(st.text(st.sampled_from("تبریزکرجمیروم"), min_size=1, max_size=12), st.data())
def test_persian_variants_and_joiners_never_matter(word: str, data: st.DataObject) -> None:
    variant = word.replace("ی", "ي").replace("ک", "ك")
    cut = data.draw(st.integers(0, len(variant)))
    variant = variant[:cut] + ZWNJ + "\u0640" + variant[cut:]
    assert normalise(variant) == normalise(word)


@given(st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF), max_size=30))
def test_latin_case_never_matters(text: str) -> None:
    assert normalise(text.upper()) == normalise(text.lower()) == normalise(text)


def _one_at_a_time(text: str) -> str:
    """The same steps without the first plane's table (the path for text beyond it)."""
    import unicodedata

    from citydip_ld.normalise import _TABLE, _kept

    folded = unicodedata.normalize("NFKD", text).casefold().translate(_TABLE)
    kept = "".join(_kept(ch) for ch in folded)
    return " ".join(unicodedata.normalize("NFKC", kept).translate(_TABLE).split())


@given(st.text(st.one_of(st.characters(max_codepoint=0xFFFF), _ARABIC_SCRIPT), max_size=40))
def test_the_first_planes_table_agrees_with_one_character_at_a_time(text: str) -> None:
    assert normalise(text) == _one_at_a_time(text)


def test_text_beyond_the_first_plane() -> None:
    assert normalise("Tabriz \U0001f600 𝐓𝐚𝐛𝐫𝐢𝐳") == "tabriz tabriz"  # emoji a space; bold letters
