"""Text preparation done in Python, at index time and (by the query side) at
query time, so that both sides agree: document numbers (文号), pinyin, the
completion inputs and the editors' synonyms.

Chinese word analysis itself happens in Elasticsearch (see search.documents).
"""

import re
import unicodedata
from dataclasses import dataclass, field

from pypinyin import Style, lazy_pinyin

# One definition of "the same 文号" shared with the disclosure metadata, so that
# what editors type, what the database keys on and what the index holds agree.
from gk_pages.doc_numbers import normalise_doc_number  # noqa: F401  (used by indexing and query)

_SPACE = re.compile(r"\s+")


def normalise_index_number(value):
    """The canonical form of a 索引号 (<organisation code>/<year>-<serial>):
    NFKC (full-width digits and slashes), no spaces, lower case."""
    return _SPACE.sub("", unicodedata.normalize("NFKC", str(value or ""))).lower()


def looks_like_doc_number(text):
    """Whether a query is probably a 文号 (a year in brackets, or 〔…〕…号)."""
    normalised = normalise_doc_number(text)
    return bool(re.search(r"〔\d{4}〕\d*号?", normalised)) or bool(re.search(r"\d{4}〕\d+号", normalised))


# -- pinyin ----------------------------------------------------------------------

# How many characters one pinyin token covers from each starting position. A query
# longer than this (in syllables) cannot match; titles' key phrases are shorter.
PINYIN_SPAN = 10
_NON_ALNUM = re.compile(r"[^0-9a-z]+")


_NOT_HAN = "\x00"


def _clean(text):
    return [part for part in _NON_ALNUM.split(unicodedata.normalize("NFKC", text).lower()) if part]


def title_pinyin(text):
    """(syllables, initials) of `text` from one pypinyin pass: toneless syllables,
    one per Chinese character (ü written v), and their first letters; runs of
    other letters and digits are kept whole in both ("2021", "abc")."""
    syllables, initials = [], []
    items = lazy_pinyin(text or "", style=Style.NORMAL, errors=lambda chars: [_NOT_HAN + chars], v_to_u=False)
    for item in items:
        if item.startswith(_NOT_HAN):
            parts = _clean(item[1:])
            syllables.extend(parts)
            initials.extend(parts)
        elif item:
            syllables.append(item)
            initials.append(item[0])
    return syllables, initials


def pinyin_syllables(text):
    """Toneless syllables: 义务教育 → ["yi", "wu", "jiao", "yu"]. Polyphones follow
    pypinyin's phrase dictionary (教育 → jiao yu)."""
    return title_pinyin(text)[0]


def pinyin_initials(text):
    """First letters of the syllables: 义务教育 → ["y", "w", "j", "y"]."""
    return title_pinyin(text)[1]


def pinyin_suffix_tokens(syllables, span=PINYIN_SPAN):
    """One token per starting syllable, joining up to `span` syllables:
    ["yi","wu","jiao","yu"] → "yiwujiaoyu wujiaoyu jiaoyu yu".

    Indexed with prefixes, a query typed without spaces ("yiwujiaoyu", "jiaoyu",
    "ywjy" for the initials) matches any run of characters that starts at a
    character boundary, with one term lookup and no syllable splitting."""
    tokens = []
    for i in range(len(syllables)):
        tokens.append("".join(syllables[i : i + span]))
    return " ".join(tokens)


def normalise_pinyin_query(text):
    """How a pinyin query is compared: lower-case letters and digits only."""
    return _NON_ALNUM.sub("", unicodedata.normalize("NFKC", text or "").lower())


def is_pinyin_query(text):
    """Whether `text` is plain Latin letters (possibly with spaces) that may be pinyin."""
    return bool(re.fullmatch(r"[A-Za-z][A-Za-z\s']*", (text or "").strip()))


# -- completion ---------------------------------------------------------------------

# Leading words that say nothing: suggestions also start after them.
_OPENING_QUOTES = "《〈“‘「『【〔(\"'"
_TITLE_LEADS = ("关于印发", "关于做好", "关于开展", "关于进一步", "关于", "印发")


def completion_key(text):
    """How completion inputs and prefixes are compared (the completion field uses
    the `keyword` analyzer): NFKC, lower case, no spaces."""
    return _SPACE.sub("", unicodedata.normalize("NFKC", text or "")).lower()


def completion_inputs(title, doc_number="", pinyin=None):
    """Inputs of the search-as-you-type field for a title: the title, the title
    after a leading 关于…, its full pinyin and initials, and the 文号.
    `pinyin` is title_pinyin(title) when the caller has it already."""
    inputs = []
    key = completion_key(title)
    if key:
        inputs.append(key)
        # 《…》政策解读, “…”活动: people type the name, not the quotation mark.
        key = key.lstrip(_OPENING_QUOTES) or key
        inputs.append(key)
        for lead in _TITLE_LEADS:
            if key.startswith(lead) and len(key) > len(lead):
                inputs.append(key[len(lead) :])
                break
    syllables, initials = pinyin or title_pinyin(title)
    for value in ("".join(syllables), "".join(initials), normalise_doc_number(doc_number)):
        if value:
            inputs.append(value)
    # The completion field refuses inputs longer than its max_input_length silently
    # truncating them; keep them unique and bounded here.
    seen, unique = set(), []
    for value in inputs:
        value = value[:50]
        if value not in seen:
            seen.add(value)
            unique.append(value)
    return unique


# -- synonyms ---------------------------------------------------------------------


@dataclass
class SynonymRules:
    """The editors' synonym rules, compiled for index-time expansion: a document
    containing a term gets the terms that should also find it in its `synonyms`
    field, which the query side searches alongside title and body."""

    # document term -> terms that should also find a document containing it
    expansions: dict = field(default_factory=dict)
    pattern: re.Pattern | None = None
    fingerprint: str = ""

    @classmethod
    def from_rules(cls, rules):
        """`rules` is an iterable of (query_terms, document_terms)."""
        expansions = {}
        for query_terms, document_terms in rules:
            for doc_term in document_terms:
                key = completion_key(doc_term)
                if not key:
                    continue
                bucket = expansions.setdefault(key, [])
                for q in query_terms:
                    if completion_key(q) != key and q not in bucket:
                        bucket.append(q)
        expansions = {k: v for k, v in expansions.items() if v}
        pattern = None
        if expansions:
            # Longest first, so that 最低生活保障 wins over 生活 when both are rules.
            alternatives = sorted(expansions, key=len, reverse=True)
            pattern = re.compile("|".join(re.escape(a) for a in alternatives))
        fingerprint = ";".join(f"{k}>{','.join(v)}" for k, v in sorted(expansions.items()))
        return cls(expansions=expansions, pattern=pattern, fingerprint=fingerprint)

    def expand(self, *texts):
        """The synonym terms for a document whose text is `texts`, in rule order."""
        if self.pattern is None:
            return []
        found = []
        for text in texts:
            if not text:
                continue
            for match in self.pattern.finditer(completion_key(text)):
                for term in self.expansions[match.group(0)]:
                    if term not in found:
                        found.append(term)
        return found


def load_synonym_rules():
    """The enabled rules from the database (one query)."""
    from .models import Synonym

    synonyms = Synonym.objects.filter(synonym_set__enabled=True).order_by("synonym_set__name", "sort_order", "pk")
    return SynonymRules.from_rules(s.rule() for s in synonyms)
