"""Admin for search data: editors maintain synonyms and the public 热门搜索
words (approving them from 检索词统计, the visitors' queries); staff can see
what waits to be indexed."""

from django.urls import path
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.tables import Column
from wagtail.admin.viewsets.base import ViewSet
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup

from .admin_views import HotWordCreateView, SearchTermsReportView, hot_word_policy
from .models import HotWord, PendingIndexChange, SynonymSet


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


class HotWordViewSet(ModelViewSet):
    model = HotWord
    icon = "pick"
    menu_label = "热门搜索词"
    url_prefix = "search/hot-words"
    name = "search_hot_words"
    add_view_class = HotWordCreateView
    list_display = ["text", "shown", "order", "note", "updated_at"]
    list_filter = ["shown"]
    search_fields = ["text", "note"]
    form_fields = ["text", "shown", "order", "note"]


class HotWordAdminMenuItem(MenuItem):
    def is_shown(self, request):
        return hot_word_policy.user_has_permission(request.user, "add")


class SearchTermsViewSet(ViewSet):
    """检索词统计: visitors' queries as suggestions for hot words (never shown as they are)."""

    name = "search_terms"
    url_prefix = "search/terms"
    icon = "list-ul"
    menu_label = "检索词统计"
    menu_item_class = HotWordAdminMenuItem

    def get_urlpatterns(self):
        return [
            path("", SearchTermsReportView.as_view(), name="index"),
            path("results/", SearchTermsReportView.as_view(results_only=True), name="index_results"),
        ]


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
    items = (SynonymSetViewSet, HotWordViewSet, SearchTermsViewSet, PendingIndexChangeViewSet)
