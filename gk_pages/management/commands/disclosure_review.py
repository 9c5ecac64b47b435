from gk_pages.management.reports import TableReportCommand
from gk_pages.review import REVIEW_COLUMNS, due_for_review, review_cells


class Command(TableReportCommand):
    help = (
        "公开属性年度评估：列出依申请公开、不予公开的信息中，认定（或上次评估）已满一年、"
        "应重新评估的条目。这是报告：有到期条目也以 0 退出。"
    )
    today_help = "按该日期计算（默认今天）"
    title = "公开属性年度评估"
    columns = REVIEW_COLUMNS
    empty_message = "没有认定已满一年、应重新评估的依申请公开或不予公开信息。"

    def find(self, organisation, today):
        return due_for_review(today, organisation, absolute_urls=True)

    def cells(self, item):
        return review_cells(item)

    def summary(self, items):
        return f"应评估 {len(items)} 条"
