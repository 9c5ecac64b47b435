"""The search URL contract, validated:

    /search/?q=<terms>&within=<earlier terms>&within=…&org=&domain=&column=&type=
            &doctype=&topic=&validity=&from=YYYY-MM-DD&to=YYYY-MM-DD&sort=relevance|date&page=N

=========== ================================================================================
parameter   rule
=========== ================================================================================
q           text, control and invisible characters removed, whitespace collapsed,
            at most MAX_QUERY_LENGTH characters
within      repeated; each like q; at most MAX_WITHIN levels (二次搜索); empty ones ignored
org, column repeated; page/organisation ids (positive integers)
domain,     repeated; keywords (at most MAX_KEYWORD_LENGTH characters)
type,
doctype,
topic,
validity
            at most MAX_FILTER_VALUES values per parameter (values of one
            parameter combine with OR, parameters with AND)
from, to    dates written YYYY-MM-DD, years 1900–2100, from ≤ to
sort        relevance (default) or date
page        1 … query.MAX_PAGE
=========== ================================================================================

Other parameters (care=1 for the 关怀版, tracking tags …) are ignored.
A single-valued parameter given several times counts with its last value.

The JSON API is strict: any broken rule answers 400 with the messages
(`form.is_valid()`, `form.errors`). The page is lenient (`form.lenient()`):
it repairs what it can (cuts text to length, drops values that cannot be
valid, clamps the page) and says so in a notice, so that a mistyped link
still shows results.
"""

import datetime
import re
import unicodedata

from django import forms
from django.core.exceptions import ValidationError

from .query import FACETS, MAX_PAGE, SORTS, SearchParams

MAX_QUERY_LENGTH = 100
MAX_WITHIN = 8
MAX_FILTER_VALUES = 20
MAX_KEYWORD_LENGTH = 50
MAX_ID = 2**31 - 1
MIN_YEAR, MAX_YEAR = 1900, 2100

# Control, format (zero-width, bidi), surrogate, private-use and unassigned characters.
_INVISIBLE = {"Cc", "Cf", "Cs", "Co", "Cn"}
_SPACES = re.compile(r"\s+")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def clean_text(value):
    """Text as searched: NFC, no invisible characters, single spaces, trimmed."""
    text = unicodedata.normalize("NFC", str(value or ""))
    text = "".join(" " if c in "\t\n\r\x0b\x0c" else c for c in text)
    text = "".join(c for c in text if unicodedata.category(c) not in _INVISIBLE)
    return _SPACES.sub(" ", text).strip()


class Salvage(Exception):
    """Raised by a field's salvage(): nothing usable, use the default."""


class SearchField:
    """A form field that can also repair a bad value for the lenient page:
    salvage(raw) returns (value, what was done)."""

    def salvage(self, raw):
        raise NotImplementedError


class TextField(SearchField, forms.CharField):
    def __init__(self, *, label, max_length=MAX_QUERY_LENGTH):
        super().__init__(label=label, required=False, strip=False)
        self.limit = max_length

    def to_python(self, value):
        return clean_text(value)

    def validate(self, value):
        if len(value) > self.limit:
            raise ValidationError(f"不能超过{self.limit}个字（现有{len(value)}个字）", code="too_long")

    def salvage(self, raw):
        return clean_text(raw)[: self.limit].strip(), f"已截取前{self.limit}个字"


class ListField(SearchField, forms.Field):
    """A repeated parameter (?within=a&within=b)."""

    widget = forms.MultipleHiddenInput
    too_many = "最多{limit}个值"
    unique = True

    def __init__(self, *, label, max_values):
        super().__init__(label=label, required=False)
        self.max_values = max_values

    def clean_item(self, text):
        """One cleaned value, or raise ValidationError."""
        raise NotImplementedError

    def to_python(self, value):
        if value in (None, ""):
            return []
        if isinstance(value, str):
            value = [value]
        return list(value)

    def clean(self, value):
        items = []
        errors = []
        for raw in self.to_python(value):
            text = clean_text(raw)
            if not text:
                continue
            try:
                item = self.clean_item(text)
            except ValidationError as error:
                errors.extend(error.messages)
                continue
            if not self.unique or item not in items:
                items.append(item)
        if errors:
            raise ValidationError(errors[:3])
        if len(items) > self.max_values:
            raise ValidationError(self.too_many.format(limit=self.max_values), code="too_many")
        return items

    def salvage(self, raw):
        kept = []
        for value in self.to_python(raw):
            try:
                kept += self.clean([value])
            except ValidationError:
                continue
        kept = list(dict.fromkeys(kept))[: self.max_values]
        return kept, "已忽略无效或多余的值"


class WithinField(ListField):
    too_many = "最多可在结果中搜索{limit}层"
    # Repeating a level is harmless but allowed: keep the order people built.
    unique = False

    def clean_item(self, text):
        if len(text) > MAX_QUERY_LENGTH:
            raise ValidationError(f"每层不能超过{MAX_QUERY_LENGTH}个字", code="too_long")
        return text

    def salvage(self, raw):
        items = [clean_text(r)[:MAX_QUERY_LENGTH].strip() for r in self.to_python(raw)]
        items = [i for i in items if i][: self.max_values]
        return items, f"已保留前{self.max_values}层，每层最多{MAX_QUERY_LENGTH}个字"


class IdListField(ListField):
    def clean_item(self, text):
        if not text.isascii() or not text.isdigit() or not 0 < int(text) <= MAX_ID:
            raise ValidationError(f"“{text[:20]}”不是有效的编号", code="invalid")
        return int(text)


class KeywordListField(ListField):
    def clean_item(self, text):
        if len(text) > MAX_KEYWORD_LENGTH:
            raise ValidationError(f"“{text[:20]}…”过长（不超过{MAX_KEYWORD_LENGTH}个字）", code="too_long")
        return text


class DateField(SearchField, forms.Field):
    def __init__(self, *, label):
        super().__init__(label=label, required=False)

    def to_python(self, value):
        text = clean_text(value)
        if not text:
            return None
        if not _DATE.fullmatch(text):
            raise ValidationError("日期应写作YYYY-MM-DD，如2025-01-31", code="invalid")
        try:
            date = datetime.date.fromisoformat(text)
        except ValueError:
            raise ValidationError(f"“{text}”不是有效的日期", code="invalid") from None
        if not MIN_YEAR <= date.year <= MAX_YEAR:
            raise ValidationError(f"年份应在{MIN_YEAR}至{MAX_YEAR}之间", code="invalid")
        return date

    def salvage(self, raw):
        return None, "已忽略"


class SortField(SearchField, forms.Field):
    def __init__(self, *, label):
        super().__init__(label=label, required=False)

    def to_python(self, value):
        text = clean_text(value)
        if not text:
            return "relevance"
        if text not in SORTS:
            raise ValidationError("只能按相关度（relevance）或发布日期（date）排序", code="invalid")
        return text

    def salvage(self, raw):
        return "relevance", "已按相关度排序"


class PageField(SearchField, forms.Field):
    def __init__(self, *, label):
        super().__init__(label=label, required=False)

    def to_python(self, value):
        text = clean_text(value)
        if not text:
            return 1
        if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= MAX_PAGE:
            raise ValidationError(f"页码应为1至{MAX_PAGE}之间的整数", code="invalid")
        return int(text)

    def salvage(self, raw):
        text = clean_text(raw)
        if text.isascii() and text.isdigit() and int(text) > MAX_PAGE:
            return MAX_PAGE, f"已显示第{MAX_PAGE}页"
        return 1, "已显示第1页"


class SearchForm(forms.Form):
    q = TextField(label="搜索词")
    within = WithinField(label="在结果中搜索", max_values=MAX_WITHIN)
    sort = SortField(label="排序")
    page = PageField(label="页码")

    def clean(self):
        data = super().clean()
        start, end = data.get("from"), data.get("to")
        if start and end and start > end:
            self.add_error("to", ValidationError("结束日期不能早于开始日期", code="order"))
        return data

    # -- results ---------------------------------------------------------------------

    def params(self):
        """SearchParams from a valid form (ValueError when it is not)."""
        if not self.is_valid():
            raise ValueError(f"invalid search parameters: {self.error_dict()}")
        return self._params(self.cleaned_data)

    def _params(self, data):
        return SearchParams.build(
            q=data.get("q") or "",
            within=data.get("within") or (),
            filters={f.name: data.get(f.name) or () for f in FACETS},
            date_from=data.get("from"),
            date_to=data.get("to"),
            sort=data.get("sort") or "relevance",
            page=data.get("page") or 1,
        )

    def lenient(self):
        """(SearchParams, notices) for the page: invalid values repaired or dropped,
        each change explained in a notice."""
        if self.is_valid():
            return self.params(), []
        data = dict(self.cleaned_data)
        notices = []
        for name, messages in self.errors.items():
            field = self.fields.get(name)
            if field is None:  # form-wide errors carry no value to repair
                notices += [str(m) for m in messages]
                continue
            if name == "to" and data.get("from") and "to" not in data and self._order_error():
                # Swapped dates: take them in the order that makes sense.
                raw_end = field.to_python(field.widget.value_from_datadict(self.data, self.files, name))
                data["from"], data["to"] = raw_end, data["from"]
                notices.append(f"{field.label}：{messages[0]}，已对调开始与结束日期")
                continue
            raw = field.widget.value_from_datadict(self.data, self.files, self.add_prefix(name))
            value, action = field.salvage(raw)
            data[name] = value
            notices.append(f"{field.label}：{'；'.join(messages)}，{action}")
        return self._params(data), notices

    def _order_error(self):
        return any(e.code == "order" for e in self.errors.as_data().get("to", []))

    def error_dict(self):
        """{parameter: [Chinese messages]} for the API."""
        return {name: [str(m) for m in messages] for name, messages in self.errors.items()}


# One filter field per facet, and the dates ("from" is a Python keyword, so
# these cannot be class attributes).
for _facet in FACETS:
    _field_class = IdListField if _facet.integer else KeywordListField
    SearchForm.base_fields[_facet.name] = _field_class(label=_facet.label, max_values=MAX_FILTER_VALUES)
SearchForm.base_fields["from"] = DateField(label="开始日期")
SearchForm.base_fields["to"] = DateField(label="结束日期")
