from gk_pages.management.reports import TableReportCommand
from gk_pages.validity import FINDING_COLUMNS, finding_cells, validity_problems


class Command(TableReportCommand):
    help = (
        "规范性文件有效性核查：列出已发布、仍标为“有效”，但已过失效日期、已被其他文件替代，"
        "或已发布的清理结果宣布失效/废止/修改而未落实的文件。这是报告：有问题也以 0 退出。"
    )
    org_help = "只核查该公开主体发布的文件"
    title = "规范性文件有效性核查"
    items_key = "findings"
    columns = FINDING_COLUMNS
    empty_message = "没有已过失效日期、已被替代或清理结论未落实而仍标为有效的文件。"

    def find(self, organisation, today):
        return validity_problems(today, organisation, absolute_urls=True)

    def cells(self, item):
        return finding_cells(item)
