"""Admin viewsets for the catalogue (标准目录) models."""

from django.urls import path
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel, ObjectList
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic import CreateView, InspectView
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup

from .admin_forms import CatalogueElementsForm, CatalogueEntryForm, NewCatalogueForm
from .models import CalendarDay, CalendarYear, Catalogue, CatalogueEntry, Domain, Organisation, StandardItem
from .views.catalogue import CatalogueActionView, CatalogueDiffView
from .views.exports import ExportIndexView


class ExportingModelViewSet(ModelViewSet):
    """A ModelViewSet whose list_export writes the CSV Excel reads (BOM) and
    never lets a cell's text run as a formula (gk_columns.views.exports)."""

    index_view_class = ExportIndexView


def element_panels():
    return [
        FieldPanel("domain"),
        FieldRowPanel([FieldPanel("item_l1"), FieldPanel("item_l2")]),
        FieldPanel("content"),
        FieldPanel("basis"),
        FieldPanel("time_limit", help_text="如“信息形成或者变更之日起20个工作日内”“实时公开”“每年3月底前”；无法解析的写法会在报表中标为“未解析”。"),
        FieldPanel("subject"),
        FieldPanel("channels"),
        FieldRowPanel([FieldPanel("audience"), FieldPanel("mode"), FieldPanel("level")]),
        FieldPanel("five_publics"),
        FieldPanel("order"),
    ]


class DomainViewSet(ExportingModelViewSet):
    model = Domain
    icon = "folder-open-inverse"
    menu_label = "领域"
    url_prefix = "gk/domains"
    name = "gk_domain"
    list_display = ["name", "code", "order", "is_pilot"]
    list_filter = ["is_pilot"]
    search_fields = ["name", "code"]
    form_fields = ["code", "name", "order", "is_pilot"]
    list_export = ["code", "name", "order", "is_pilot"]
    export_filename = "领域"


class StandardItemViewSet(ExportingModelViewSet):
    model = StandardItem
    icon = "doc-full"
    menu_label = "标准目录事项"
    url_prefix = "gk/standard-items"
    name = "gk_standard_item"
    list_display = ["item_l1", "item_l2", "domain", "time_limit", Column("mode", label="公开方式")]
    list_filter = ["domain"]
    search_fields = ["item_l1", "item_l2", "content", "basis"]
    list_export = ["domain", "item_l1", "item_l2", "content", "basis", "time_limit", "subject", "channels", "audience", "mode", "level", "source"]
    export_filename = "标准目录事项"
    edit_handler = ObjectList(element_panels() + [FieldPanel("source")], base_form_class=CatalogueElementsForm)


class OrganisationViewSet(ExportingModelViewSet):
    model = Organisation
    icon = "group"
    menu_label = "公开主体"
    url_prefix = "gk/organisations"
    name = "gk_organisation"
    list_display = ["name", "kind", "code", "credit_code", "parent"]
    list_filter = ["kind"]
    search_fields = ["name", "short_name", "code", "credit_code"]
    form_fields = ["name", "short_name", "kind", "parent", "credit_code", "code", "order", "may_publish_to"]
    list_export = ["name", "kind", "code", "credit_code", "parent"]
    export_filename = "公开主体"


class CatalogueCreateView(CreateView):
    def save_instance(self):
        form = self.form
        copy_from = form.instance.organisation.current_catalogue() if form.cleaned_data.get("copy_current") else None
        draft = Catalogue.new_draft(form.instance.organisation, user=self.request.user, copy_from=copy_from)
        draft.note = form.cleaned_data.get("note", "")
        draft.save(update_fields=["note"])
        form.instance = draft
        return draft


class CatalogueInspectView(InspectView):
    template_name = "gk_columns/catalogue/inspect.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["entries"] = self.object.entries.select_related("domain")
        return context


class CatalogueViewSet(ExportingModelViewSet):
    model = Catalogue
    icon = "list-ul"
    menu_label = "目录版本"
    url_prefix = "gk/catalogues"
    name = "gk_catalogue"
    list_display = ["organisation", "version", "status", "filing_number", "published_at"]
    list_filter = ["status", "organisation"]
    search_fields = ["organisation__name", "filing_number", "note"]
    list_export = ["organisation", "version", "status", "filing_number", "submitted_at", "filed_at", "published_at"]
    export_filename = "公开目录版本"
    inspect_view_enabled = True
    inspect_view_class = CatalogueInspectView
    inspect_view_fields = [
        "organisation", "version", "status", "filing_number", "note", "created_at", "submitted_at", "submitted_by",
        "filed_at", "filed_by", "published_at", "published_by", "return_reason",
    ]
    add_view_class = CatalogueCreateView

    def get_form_class(self, for_update=False):
        # A new version only needs its organisation: the number and entries follow.
        return super().get_form_class(for_update) if for_update else NewCatalogueForm

    form_fields = ["note", "filing_number"]

    def get_urlpatterns(self):
        return super().get_urlpatterns() + [
            path("<int:pk>/diff/", CatalogueDiffView.as_view(), name="diff"),
            path("<int:pk>/<str:action>/", CatalogueActionView.as_view(), name="action"),
        ]


class CatalogueEntryViewSet(ExportingModelViewSet):
    model = CatalogueEntry
    icon = "list-ol"
    menu_label = "目录事项"
    url_prefix = "gk/catalogue-entries"
    name = "gk_catalogue_entry"
    list_display = ["item_l1", "item_l2", "domain", "catalogue", "time_limit", "not_applicable"]
    list_filter = ["catalogue__organisation", "catalogue", "domain", "not_applicable"]
    search_fields = ["item_l1", "item_l2", "content"]
    list_export = [
        "catalogue", "domain", "item_l1", "item_l2", "content", "basis", "time_limit", "subject", "channels", "audience",
        "mode", "level", "not_applicable", "not_applicable_reason",
    ]
    export_filename = "目录事项"
    edit_handler = ObjectList(
        [FieldPanel("catalogue"), FieldPanel("standard_item")]
        + element_panels()
        + [MultiFieldPanel([FieldPanel("not_applicable"), FieldPanel("not_applicable_reason")], heading="因地制宜")],
        base_form_class=CatalogueEntryForm,
    )


class CalendarDayViewSet(ExportingModelViewSet):
    model = CalendarDay
    icon = "date"
    menu_label = "节假日与调休"
    url_prefix = "gk/calendar-days"
    name = "gk_calendar_day"
    list_display = ["date", "kind", "name", "source"]
    list_filter = ["kind", "source"]
    search_fields = ["name"]
    form_fields = ["date", "kind", "name", "source"]
    list_export = ["date", "kind", "name", "source"]
    export_filename = "节假日与调休"


class CalendarYearViewSet(ModelViewSet):
    model = CalendarYear
    icon = "calendar"
    menu_label = "节假日年度"
    url_prefix = "gk/calendar-years"
    name = "gk_calendar_year"
    list_display = ["year", "complete", "source"]
    form_fields = ["year", "complete", "source"]


class CatalogueViewSetGroup(ModelViewSetGroup):
    menu_label = "公开目录"
    menu_icon = "list-ul"
    menu_order = 250
    items = (
        CatalogueViewSet,
        CatalogueEntryViewSet,
        OrganisationViewSet,
        StandardItemViewSet,
        DomainViewSet,
        CalendarDayViewSet,
        CalendarYearViewSet,
    )
