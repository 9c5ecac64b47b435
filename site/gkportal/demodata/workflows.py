"""Demo of the review workflow (保密审查 → 审核): reviewer and approver accounts for
two organisations, and documents waiting at each step, so that logging in as
each role shows its task on the dashboard.

| 账号 | 角色 |
| --- | --- |
| jyj_editor / cgz_editor | 编辑：起草、提交审核（由 setup-demo 创建） |
| jyj_reviewer / cgz_reviewer | 保密审查员：第一步 保密审查 |
| jyj_approver / cgz_approver | 信息公开审核员：第二步 审核，通过即发布 |

All with the password demo12345. Idempotent: documents are recognised by their
slug within the organisation's pages, accounts by username.
"""

import datetime
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction

from gk_columns.workflows import (
    APPROVAL_TASK_NAME,
    CONFIDENTIALITY_TASK_NAME,
    ensure_review_workflow,
    is_review_workflow,
    review_groups,
    review_workflow_enabled,
)
from gk_pages.disclosure import Genre
from gk_pages.models import ColumnPage, DocumentPage, OrganisationPage

DEMO_PASSWORD = "demo12345"
ORGANISATIONS = ("jyj", "cgz")

# Where a demo document stops: waiting for 保密审查, waiting for 审核 (保密审查 passed
# with a comment), or sent back by 保密审查 with the reason.
AWAITING_CONFIDENTIALITY = "awaiting_confidentiality"
AWAITING_APPROVAL = "awaiting_approval"
REJECTED = "rejected"


@dataclass(frozen=True)
class DemoItem:
    stage: str
    column_words: tuple  # the column whose catalogue item names the first of these found
    title: str  # formatted with year, last_year, month, short_name
    genre: str
    paragraphs: tuple
    comment: str = ""  # the 保密审查 comment (approval or request for changes)


ITEMS = {
    "jyj": (
        DemoItem(
            AWAITING_CONFIDENTIALITY,
            ("招生",),
            "示例县教育和体育局关于做好{year}年义务教育阶段学校招生入学工作的通知",
            Genre.NOTICE,
            (
                "各镇（街道）中心学校，县直各中小学：",
                "为做好{year}年义务教育阶段学校招生入学工作，保障适龄儿童少年依法接受义务教育，"
                "根据《中华人民共和国义务教育法》有关规定，现就有关事项通知如下。",
                "一、坚持免试就近入学。公办义务教育学校按照划定的招生范围招生，不得以考试、竞赛、"
                "证书等作为招生依据。",
                "二、规范招生程序。各学校要在规定时间内公布招生范围、招生计划和报名办法，"
                "按“报名—审核—录取—公示”的程序开展工作。",
                "三、保障特殊群体入学。随迁子女、残疾儿童少年入学按有关政策办理。",
            ),
        ),
        DemoItem(
            AWAITING_APPROVAL,
            ("资助",),
            "示例县{year}年秋季学期义务教育阶段家庭经济困难学生生活补助资金分配情况公示",
            Genre.PUBLICITY,
            (
                "根据义务教育学生资助政策，现将{year}年秋季学期家庭经济困难寄宿生生活补助资金分配情况公示如下。",
                "本次资金按各学校核定的受助学生人数分配到校，由学校发放到学生家长账户。",
                "公示期为5个工作日。如有异议，请向县教育和体育局学生资助管理中心反映。",
            ),
            comment="经保密审查，公示内容只列学校、受助人数和资金额，不含学生身份证号码、家庭住址等个人信息，"
            "不涉及国家秘密和工作秘密，同意公开。",
        ),
        DemoItem(
            REJECTED,
            ("统计", "事业发展"),
            "示例县{last_year}年教育事业发展统计公报",
            Genre.COMMUNIQUE,
            (
                "{last_year}年，全县各级各类学校办学条件持续改善，义务教育均衡发展水平进一步提高。",
                "全县共有义务教育阶段学校若干所，在校学生、专任教师数量详见附表。",
            ),
            comment="公报中的部分数据尚未经县统计局审定，按规定不得先于统计部门发布。请待数据审定后修改，重新提交。",
        ),
    ),
    "cgz": (
        DemoItem(
            AWAITING_CONFIDENTIALITY,
            ("最低生活保障审核信息", "最低生活保障"),
            "城关镇{year}年{month}月城乡居民最低生活保障新增对象审核情况公示",
            Genre.PUBLICITY,
            (
                "根据《社会救助暂行办法》有关规定，经个人申请、入户调查、民主评议，"
                "现将{month}月拟新增最低生活保障对象审核情况公示如下。",
                "公示内容为户主姓名、所在村（社区）、家庭人口数和拟保障人数。",
                "公示期为7天。对公示内容有异议的，请向城关镇社会事务办公室反映。",
            ),
        ),
        DemoItem(
            AWAITING_APPROVAL,
            ("耕地地力", "补贴"),
            "城关镇{year}年耕地地力保护补贴发放情况公示",
            Genre.PUBLICITY,
            (
                "根据县农业农村局、县财政局关于{year}年耕地地力保护补贴工作的安排，"
                "现将我镇补贴面积和发放金额公示如下。",
                "补贴资金通过“一卡通”直接发放到农户账户。",
            ),
            comment="已核对：公示表只列户主姓名、补贴面积和金额，身份证号码和银行卡号已删除，同意公开。",
        ),
        DemoItem(
            REJECTED,
            ("任务分配", "危房"),
            "城关镇{year}年农村危房改造任务分配方案",
            Genre.PLAN,
            (
                "为做好{year}年农村危房改造工作，根据县下达的任务，结合各村（社区）危房鉴定结果，制定本方案。",
                "改造对象名单见附件。",
            ),
            comment="方案附件中的改造对象名单列有身份证号码和联系电话，属于个人隐私，"
            "请删除或作隐藏处理后重新提交。",
        ),
    ),
}


def _column_for(org_page, words):
    """The organisation's first live column whose catalogue item names the first of
    `words` that any does; else its first live column."""
    columns = list(
        ColumnPage.objects.descendant_of(org_page)
        .filter(retired=False, live=True)
        .select_related("entry")
        .order_by("path")
    )
    for word in words:
        for column in columns:
            if word in f"{column.entry.item_l1}{column.entry.item_l2}":
                return column
    return columns[0] if columns else None


def _ensure_user(username, group, first_name, last_name):
    User = get_user_model()
    user, created = User.objects.get_or_create(
        username=username, defaults={"first_name": first_name, "last_name": last_name}
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    user.groups.add(group)
    return user


def _ensure_item(org, org_page, code, n, item, *, editor, reviewer, today, rng):
    """The demo document for `item`, at its stage. Returns it if created now, else None."""
    slug = f"shenhe-yanshi-{code}-{n}"
    if DocumentPage.objects.descendant_of(org_page).filter(slug=slug).exists():
        return None
    column = _column_for(org_page, item.column_words)
    if column is None:
        return None
    values = {
        "year": today.year,
        "last_year": today.year - 1,
        "month": today.month,
        "short_name": org.short_name or org.name,
    }
    page = DocumentPage(
        title=item.title.format(**values),
        slug=slug,
        body="".join(f"<p>{p.format(**values)}</p>" for p in item.paragraphs),
        issuing_org=org,
        written_date=today - datetime.timedelta(days=rng.randint(1, 4)),
        published_date=today,
        genre=item.genre,
        live=False,
        owner=editor,
    )
    column.add_child(instance=page)
    page.save_revision(user=editor, log_action=True)

    workflow = page.get_workflow()
    if not is_review_workflow(workflow):
        return page  # an administrator chose another workflow: the draft stays a draft
    state = workflow.start(page, editor)
    task_state = state.current_task_state
    if item.stage == AWAITING_APPROVAL:
        task_state.task.specific.on_action(task_state, reviewer, "approve", comment=item.comment)
    elif item.stage == REJECTED:
        task_state.task.specific.on_action(task_state, reviewer, "reject", comment=item.comment)
    return page


@transaction.atomic
def ensure_review_roles(*, portal, organisations, today, rng, log):
    """Reviewer and approver accounts for 教育局 (jyj) and 城关镇 (cgz), and in each a
    document waiting for 保密审查, one waiting for 审核 and one sent back. Call after
    the column sync and the editor accounts (setup-demo's ensure_users)."""
    if not review_workflow_enabled():
        log("未启用信息发布审核流程（GK_REVIEW_WORKFLOW=False），跳过审核角色演示。")
        return
    User = get_user_model()
    for code in ORGANISATIONS:
        org = organisations.get(code)
        if org is None:
            continue
        org_page = (
            OrganisationPage.objects.descendant_of(portal)
            .filter(organisation=org, structure_locale_id=portal.locale_id)
            .first()
        )
        if org_page is None:
            log(f"{org.name}尚无公开主体页，跳过审核角色演示（请先同步栏目）。")
            continue
        ensure_review_workflow(org, org_page)
        groups = review_groups(org, org_page)
        short_name = org.short_name or org.name
        reviewer = _ensure_user(f"{code}_reviewer", groups[CONFIDENTIALITY_TASK_NAME], short_name, "保密审查员")
        _ensure_user(f"{code}_approver", groups[APPROVAL_TASK_NAME], short_name, "审核员")
        editor = User.objects.filter(username=f"{code}_editor").first()

        created = 0
        for n, item in enumerate(ITEMS[code], start=1):
            page = _ensure_item(org, org_page, code, n, item, editor=editor, reviewer=reviewer, today=today, rng=rng)
            created += page is not None
        if created:
            log(
                f"{short_name}信息发布审核（保密审查→审核）：新增处于各审核环节的演示信息 {created} 条；"
                f"保密审查员 {code}_reviewer，审核员 {code}_approver，密码 {DEMO_PASSWORD}"
            )
