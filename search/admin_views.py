"""Admin views for 热门搜索 (search.viewsets registers them): the hot-word form
that can be opened pre-filled from a suggestion, and 检索词统计 — what visitors
searched lately, counted once per client per day, as suggestions to approve."""

import datetime
from urllib.parse import urlencode

from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from wagtail.admin.ui.tables import BooleanColumn, NumberColumn, TitleColumn
from wagtail.admin.views import generic
from wagtail.admin.views.reports import ReportView
from wagtail.contrib.search_promotions.models import Query
from wagtail.permission_policies import ModelPermissionPolicy

from gk_columns.views.exports import SpreadsheetExportSafetyMixin

from .forms import clean_text
from .models import HOT_WORD_MAX_LENGTH, HotWord

SUGGESTION_DAYS = 30
HOT_WORD_ADD_URL = "search_hot_words:add"

hot_word_policy = ModelPermissionPolicy(HotWord)


class HotWordCreateView(generic.CreateView):
    """添加热门搜索词; ?text= fills the word in (from 检索词统计): staff still check and save it."""

    def get_initial(self):
        initial = super().get_initial()
        text = clean_text(self.request.GET.get("text", ""))
        if text:
            initial["text"] = text[:HOT_WORD_MAX_LENGTH]
        return initial


def approve_url(query):
    if query.is_hot_word:
        return None
    return f"{reverse(HOT_WORD_ADD_URL)}?{urlencode({'text': query.query_string})}"


class SearchTermsReportView(SpreadsheetExportSafetyMixin, ReportView):
    """检索词统计: visitors' text as typed, so its export is written inertly."""

    page_title = "检索词统计"
    header_icon = "search"
    index_url_name = "search_terms:index"
    index_results_url_name = "search_terms:index_results"
    permission_policy = hot_word_policy
    permission_required = "add"
    export_filename = "检索词统计"
    list_export = ["query_string", "_hits", "is_hot_word"]
    export_headings = {"query_string": "检索词", "_hits": f"近{SUGGESTION_DAYS}天检索次数", "is_hot_word": "已是热门搜索词"}
    columns = [
        TitleColumn("query_string", label="检索词（点击设为热门搜索词）", get_url=approve_url),
        NumberColumn("_hits", label=f"近{SUGGESTION_DAYS}天检索次数（每位访客每天计一次）"),
        BooleanColumn("is_hot_word", label="已是热门搜索词"),
    ]

    @property
    def page_subtitle(self):
        return "访客的检索词只供参考，不会自动公开；确认合适后设为热门搜索词，才会显示在搜索页"

    def get_queryset(self):
        since = timezone.localdate() - datetime.timedelta(days=SUGGESTION_DAYS - 1)
        return Query.get_most_popular(date_since=since).annotate(
            is_hot_word=Exists(HotWord.objects.filter(text=OuterRef("query_string")))
        )
