"""Text normalisation shared by the catalogue readers."""

import unicodedata

import opencc

# OpenCC's phrase-aware traditional → simplified conversion (catalogues copied
# from traditional-character mirrors and PDF exports mix both scripts).
_T2S = opencc.OpenCC("t2s")


def to_simplified(text):
    return _T2S.convert(text or "")


def fold(text):
    """NFKC (full-width → half-width) and simplified characters."""
    return to_simplified(unicodedata.normalize("NFKC", text or ""))
