"""The Whoosh side: a lean schema for text relevance, and safe text queries.

Whoosh only answers "which documents match these words, and how well". Every
other filter runs on in-memory columns (:mod:`searchindex.columns`), rebuilt from
the one stored field, ``facts``: a small tuple of the filterable values (no
free text), so opening a searcher stays cheap.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from functools import lru_cache

from whoosh import fields
from whoosh.analysis import STOP_WORDS, StemmingAnalyzer
from whoosh.codec.whoosh3 import W3Codec
from whoosh.lang.porter import stem
from whoosh.system import pack_uint

from searchindex.model import ProviderDocument

# A query of a few words is what people type; a pasted essay must not turn
# into thousands of term lookups.
MAX_QUERY_TERMS = 16
TEXT_FIELDS = ("name", "about", "services")
MAX_TERM_LENGTH = 60  # longer "words" are pasted junk; they cannot match anything useful

_ANALYZER = StemmingAnalyzer()
_WORD = re.compile(r"\w+")
_FIELD_PREFIX = re.compile(r"\b\w+:(?=\S)")
# The analyzer's own pattern and stop rule (whoosh.analysis.tokenizers.default_pattern, StopFilter's minsize 2).
_TOKEN = re.compile(r"\w+(?:\.?\w+)*")
_MIN_WORD_LENGTH = 2


@lru_cache(maxsize=100_000)
def _stemmed(word: str) -> str:
    return stem(word)


def term_frequencies(text: str) -> Counter[str]:
    """Each analysed term of ``text`` and how often it occurs: what ``_ANALYZER`` yields, counted.

    One regular expression pass and a cached stem per word, where the analyzer
    makes a Token object per word and passes it through a chain of generators.
    """
    counts: Counter[str] = Counter()
    for token in _TOKEN.findall(text):
        word = token.lower()
        if len(word) >= _MIN_WORD_LENGTH and word not in STOP_WORDS:
            counts[_stemmed(word)] += 1
    return counts


class AnalysedText(fields.TEXT):
    """A TEXT field without positions that indexes the same terms and weights faster.

    :func:`term_frequencies` gives the analyzer's terms in one pass (tests pin
    the two together); queries still go through the analyzer. Not scorable:
    search scores with its own length columns (:mod:`searchindex.text`), and
    Whoosh's per-document lengths cost a column lookup for every posting at
    commit. Generations keep their schema, so this class must stay importable
    while any generation written with it exists.
    """

    def __init__(self, field_boost: float = 1.0) -> None:
        super().__init__(analyzer=_ANALYZER, phrase=False, field_boost=field_boost)
        self.scorable = False

    def index(self, value, **kwargs):
        # Frequency.word_values' tuples: each token weighs 1, times the field's boost.
        boost = self.format.field_boost
        for term, frequency in term_frequencies(value).items():
            yield term.encode("utf-8"), frequency, frequency * boost, pack_uint(frequency)


class LeanCodec(W3Codec):
    """Whoosh's codec without field-length statistics in the postings, which search never reads.

    With them, every posting written costs a lookup of its document's field
    length: a column read for scorable fields, a file-existence check for the
    rest (over a third of a rebuild). Segments keep their codec, so this class
    must stay importable while any generation written with it exists.
    """

    length_stats = False


def make_schema() -> fields.Schema:
    """Id (indexed, unique), three text fields without positions, the stored facts and display values.

    ``display`` holds what a results page shows and the facts lack (slug,
    name, district, service names), so a page of hits needs no database
    read to be drawn; it is read only for the hits on the page.
    """
    return fields.Schema(
        id=fields.ID(unique=True),
        name=AnalysedText(field_boost=2.0),
        about=AnalysedText(),
        services=AnalysedText(field_boost=1.5),
        facts=fields.STORED(),
        display=fields.STORED(),
    )


NO_END = 2**31 - 1  # "valid until" of a listing or badge without an end date, as a day number


def day_number(day: date | None) -> int:
    """A date as the integer the columns compare (``NO_END`` for none)."""
    return NO_END if day is None else day.toordinal()


def _dated(values: tuple[str, ...], until: tuple[date | None, ...]) -> tuple[tuple[str, int], ...]:
    return tuple((value, day_number(until[i] if i < len(until) else None)) for i, value in enumerate(values))


def facts(doc: ProviderDocument) -> tuple:
    """The filterable values of a document, in :data:`FACT_FIELDS` order.

    Services and badges are ``(code, last valid day number)`` pairs.
    """
    return (
        int(doc.id),
        float(doc.latitude),
        float(doc.longitude),
        float(doc.travel_radius_miles),
        doc.kind,
        _dated(doc.listed_services, doc.listed_until),
        doc.rate_min_pence,
        doc.rate_max_pence,
        doc.rating_score,
        int(doc.review_count),
        tuple(doc.languages),
        int(doc.availability),
        doc.gender,
        _dated(doc.badges, doc.badges_until),
        _length(doc.name),
        _length(doc.about),
        _length(_offer_text(doc)),
        None if doc.reliability is None else float(doc.reliability),
    )


def _length(text: str | None) -> int:
    # Close enough to the analysed token count for BM25's length normalisation.
    return len(_WORD.findall(text or ""))


FACT_FIELDS = (
    "id",
    "latitude",
    "longitude",
    "radius",
    "kind",
    "services",
    "rate_min",
    "rate_max",
    "rating",
    "reviews",
    "languages",
    "availability",
    "gender",
    "badges",
    "len_name",
    "len_about",
    "len_services",
    "reliability",  # documents written before it have the first 17 only
)


def whoosh_fields(doc: ProviderDocument) -> dict:
    """Keyword arguments for ``writer.add_document``."""
    return {
        "id": str(doc.id),
        "name": doc.name or "",
        "about": doc.about or "",
        "services": _offer_text(doc),
        "facts": facts(doc),
        "display": display(doc),
    }


def _offer_text(doc: ProviderDocument) -> str:
    """What the provider offers, as text: service names, then languages and communication support."""
    return " ".join((*doc.service_names, *doc.language_names))


def display(doc: ProviderDocument) -> tuple:
    """``(slug, name, outcode, ((service slug, service name), ...), cqc, ((service slug, claim), ...), visits)``
    for the results page; ``visits`` is ``(kept, confirmed)`` when the document has a reliability figure.

    ``cqc`` is ``(location id, rating or "", report date's day number or 0)``,
    or None. Documents written before it was added have four values, before
    service claims were added five, and before visit reliability six.
    """
    cqc = None
    if doc.cqc_location_id:
        cqc = (doc.cqc_location_id, doc.cqc_rating or "", doc.cqc_rating_date.toordinal() if doc.cqc_rating_date else 0)
    return (
        doc.slug,
        doc.name,
        doc.outcode,
        tuple(zip(doc.listed_services, doc.service_names)),
        cqc,
        tuple(zip(doc.listed_services, doc.service_claims)),
        None if doc.reliability is None else (int(doc.visits_kept), int(doc.visits_confirmed)),
    )


def query_terms(text: str) -> list[str]:
    """The distinct analysed words of user text (stemmed, stop words dropped), at most a few.

    Query syntax has no meaning here: ``name:carer AND (cook*`` is just the
    words "carer" and "cook" ("and" is a stop word).
    """
    terms: list[str] = []
    # "name:carer" means the word "carer" to a person; drop the field prefix.
    text = _FIELD_PREFIX.sub(" ", text or "")
    for token in _ANALYZER(text):
        if len(token.text) <= MAX_TERM_LENGTH and token.text not in terms:
            terms.append(token.text)
            if len(terms) == MAX_QUERY_TERMS:
                break
    return terms
