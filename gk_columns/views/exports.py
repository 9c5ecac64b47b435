"""What every admin view with a spreadsheet export (Wagtail's
SpreadsheetExportMixin: report views, ModelViewSet index views) shares: the
CSV starts with the BOM Excel needs to read UTF-8 Chinese, and text that a
spreadsheet would run as a formula is written inertly (gk_columns.tables).

Wagtail 8 already stores such text as text in its xlsx export (it turns
openpyxl's formula cells back into strings), but writes CSV cells as they are;
`preprocess_field_value` is the one place both formats pass through.
"""

from numbers import Number

from wagtail.admin.views.generic import IndexView

from ..tables import inert_csv_value


class SpreadsheetExportSafetyMixin:
    """Put before SpreadsheetExportMixin (or a view built on it) in the bases."""

    def preprocess_field_value(self, field, value, export_format):
        processed = super().preprocess_field_value(field, value, export_format)
        if export_format == self.FORMAT_CSV and not isinstance(value, Number):
            # Only text: a negative number (or a Decimal shown as text) is a number, not a formula.
            return inert_csv_value(processed)
        return processed

    def stream_csv(self, queryset):
        yield "\ufeff"
        yield from super().stream_csv(queryset)


class ExportIndexView(SpreadsheetExportSafetyMixin, IndexView):
    """The index view of the catalogue's ModelViewSets (their list_export)."""
