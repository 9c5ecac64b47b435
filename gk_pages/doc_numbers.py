"""文号 (document numbers): parsing, the printed form and the matching key.

Plain functions without models, so that the search app's analysis (index and
query side) and the disclosure metadata share one definition of "the same 文号".
"""

import re
import unicodedata
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import timezone

# -- 文号 -----------------------------------------------------------------------------------

# Brackets people type around the year; GB/T 9704 writes 六角括号 〔〕. After NFKC the
# full-width （）［］｛｝ are already ASCII.
_OPENING = "[(【〖{「『〘〚⟦﹝［（"
_CLOSING = "])】〗}」』〙〛⟧﹞］）"
_BRACKETS = str.maketrans({**dict.fromkeys(_OPENING, "〔"), **dict.fromkeys(_CLOSING, "〕")})
_SPACE = re.compile(r"\s+")
_HAN = re.compile(r"[\u3400-\u9fff]")
# 聊政办发〔2021〕5号 — the standard form (机关代字〔年份〕序号).
_STANDARD = re.compile(r"^(?P<prefix>[^〔〕]{1,40}?)〔(?P<year>\d{4})〕第?0*(?P<serial>\d{1,6})号?$")
# 国家税务总局公告2021年第5号 — numbered announcements.
_ANNOUNCEMENT = re.compile(r"^(?P<prefix>[^〔〕]{1,40}?公告)(?P<year>\d{4})年第?0*(?P<serial>\d{1,6})号$")
# 中华人民共和国国务院令第732号 / 聊城市人民政府令第35号 — orders have no year.
_ORDER = re.compile(r"^(?P<prefix>[^〔〕]{1,40}?令)第?0*(?P<serial>\d{1,6})号$")


@dataclass(frozen=True)
class DocNumber:
    """A parsed 文号."""

    kind: str  # "standard", "announcement" or "order"
    prefix: str
    year: int | None
    serial: int

    def __str__(self):
        if self.kind == "order":
            return f"{self.prefix}第{self.serial}号"
        if self.kind == "announcement":
            return f"{self.prefix}{self.year}年第{self.serial}号"
        return f"{self.prefix}〔{self.year}〕{self.serial}号"


def _fold(text):
    """NFKC, no spaces, every year bracket as 〔〕 (the shape all variants share)."""
    return _SPACE.sub("", unicodedata.normalize("NFKC", str(text))).translate(_BRACKETS)


def parse_doc_number(text):
    """The DocNumber written in `text` in any of its usual spellings, or None."""
    if not text:
        return None
    folded = _fold(text)
    for kind, pattern in (("standard", _STANDARD), ("announcement", _ANNOUNCEMENT), ("order", _ORDER)):
        match = pattern.match(folded)
        if match is None or not _HAN.search(match["prefix"]):
            continue
        year = int(match["year"]) if "year" in pattern.groupindex else None
        if year is not None and not 1949 <= year <= timezone.localdate().year + 1:
            return None
        return DocNumber(kind, match["prefix"], year, int(match["serial"]))
    return None


def format_doc_number(text):
    """The 文号 as GB/T 9704 prints it (聊政办发[2021]05号 → 聊政办发〔2021〕5号);
    text that is not a 文号 comes back trimmed but otherwise as it was."""
    parsed = parse_doc_number(text)
    return str(parsed) if parsed else str(text or "").strip()


def normalise_doc_number(text):
    """The key a 文号 is matched on in search and de-duplication: identical for
    聊政办发〔2021〕5号, 聊政办发[2021]5号, 聊政办发（２０２１）５号, "聊政办发 〔2021〕 5 号",
    聊政办发〔2021〕第5号 and 聊政办发〔2021〕05号. Never fails: any text (a search
    query, say) is folded the same way even when it is not a complete 文号."""
    if not text:
        return ""
    parsed = parse_doc_number(text)
    if parsed is not None:
        return str(parsed).lower()
    return re.sub(r"〕第?0*(\d+)号", r"〕\1号", _fold(text)).lower()


def validate_doc_number(value):
    if value and parse_doc_number(value) is None:
        raise ValidationError(
            "文号格式不正确：应为“机关代字〔年份〕序号号”（如 聊政办发〔2021〕5号），"
            "或“××令第N号”“××公告2021年第N号”。",
            code="invalid_doc_number",
        )
