import datetime
import json

from gk_columns.tables import csv_text
from gk_pages.interpretations import (
    LIMIT_WORKING_DAYS,
    FindingKind,
    filter_rows,
    interpretation_timeliness,
    summarise,
)
from gk_pages.management.reports import ReportCommand

CSV_COLUMNS = [
    ("kind_label", "类型"),
    ("policy_id", "政策页面ID"),
    ("policy_title", "政策文件"),
    ("doc_number", "文号"),
    ("organisation_name", "发布机构"),
    ("reason_label", "解读要求"),
    ("policy_date", "政策发布日期"),
    ("deadline", "解读期限"),
    ("interpretation_id", "解读页面ID"),
    ("interpretation_title", "解读"),
    ("interpretation_form", "解读形式"),
    ("interpretation_date", "解读发布日期"),
    ("working_days", "工作日数"),
    ("status_label", "状态"),
    ("provisional_label", "暂定"),
]


def _text(value):
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value  # a number stays a number (the CSV writer leaves numbers alone, text it makes inert)
    return str(value)


class Command(ReportCommand):
    help = (
        f"政策解读及时性：需要解读（规范性文件或标记需要解读）但尚无解读的政策文件，"
        f"以及晚于政策发布 {LIMIT_WORKING_DAYS} 个工作日才发布的解读（按法定工作日计算）。"
    )

    org_help = "只看该公开主体发布的政策文件"
    today_help = "按该日期评估（默认今天）"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--kind", choices=[k.value for k in FindingKind], help="只列一类：missing 应解读未解读，late 解读发布超时"
        )
        parser.add_argument("--overdue", action="store_true", help="只列已超期的")

    def write_report(self, organisation, today, format, *, kind=None, overdue=False, **options):
        rows = filter_rows(interpretation_timeliness(today, organisation), kind=kind, overdue_only=overdue)

        if format == "json":
            payload = {
                "today": today.isoformat(),
                "organisation": organisation.code if organisation else None,
                "limit_working_days": LIMIT_WORKING_DAYS,
                "summary": summarise(rows),
                "rows": [row.as_dict() for row in rows],
            }
            self.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2))
        elif format == "csv":
            self.stdout.write(self.as_csv(rows), ending="")
        else:
            self.stdout.write(self.as_text(rows, today, organisation), ending="")

    def as_csv(self, rows):
        return csv_text(
            [label for _, label in CSV_COLUMNS], ([_text(getattr(row, name)) for name, _ in CSV_COLUMNS] for row in rows)
        )

    def as_text(self, rows, today, organisation):
        counts = summarise(rows)
        scope = organisation.name if organisation else "全部公开主体"
        lines = [
            f"政策解读及时性（{scope}，评估日期 {today.isoformat()}，时限：政策发布后 {LIMIT_WORKING_DAYS} 个工作日内）",
            f"应解读未解读 {counts['missing']} 件（其中已超期 {counts['missing_overdue']} 件），"
            f"解读发布超时 {counts['late']} 件。",
        ]
        for kind in FindingKind:
            subset = [r for r in rows if r.kind == kind]
            if not subset:
                continue
            lines.append("")
            lines.append(f"【{kind.label}】")
            for row in subset:
                number = f"（{row.doc_number}）" if row.doc_number else ""
                head = f"- {row.policy_title}{number}，{row.organisation_name or '未注明发布机构'}，{row.policy_date.isoformat()} 发布"
                if kind == FindingKind.LATE:
                    detail = (
                        f"  解读“{row.interpretation_title}”（{row.interpretation_form}）"
                        f"{row.interpretation_date.isoformat()} 发布，相隔 {row.working_days} 个工作日，"
                        f"期限 {row.deadline.isoformat()}，{row.status_label}"
                    )
                else:
                    detail = (
                        f"  {row.reason_label}，已过 {row.working_days} 个工作日，期限 {row.deadline.isoformat()}，"
                        f"{row.status_label}"
                    )
                if row.provisional:
                    detail += "（暂定：涉及尚未公布节假日安排的年份，按周一至周五计）"
                lines.extend([head, detail])
        if not rows:
            lines.append("没有需要关注的政策解读。")
        return "\n".join(lines) + "\n"
