"""Admin for search data: editors maintain synonyms; staff can see what waits
to be indexed."""

from wagtail.admin.ui.tables import Column
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup

from .models import PendingIndexChange, SynonymSet


class SynonymSetViewSet(ModelViewSet):
    model = SynonymSet
    icon = "search"
    menu_label = "同义词"
    url_prefix = "search/synonyms"
    name = "search_synonyms"
    list_display = ["name", "enabled", Column("rule_count", label="规则数"), "updated_at"]
    list_filter = ["enabled"]
    search_fields = ["name", "note", "synonyms__terms"]
    # Wagtail builds the form (with the inline rules) from SynonymSet.panels.


class PendingIndexChangeViewSet(ModelViewSet):
    model = PendingIndexChange
    icon = "warning"
    menu_label = "待同步的索引变更"
    url_prefix = "search/pending"
    name = "search_pending"
    list_display = ["page_id", "action", "created_at", "attempts", "last_attempt_at", "last_error"]
    list_filter = ["action"]
    form_fields = ["page_id", "action"]
    inspect_view_enabled = True


class SearchViewSetGroup(ModelViewSetGroup):
    menu_label = "站内搜索"
    menu_icon = "search"
    menu_order = 910
    items = (SynonymSetViewSet, PendingIndexChangeViewSet)
