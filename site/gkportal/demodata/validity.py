"""Demo 规范性文件库 and 年度评估 data.

`ensure_normative_library` builds the portal's 行政规范性文件库 page and fourteen
行政规范性文件 of the 县政府 / 县政府办 and four departments, modelled on what
county portals publish (titles, 文号 with 规 numbering, 有效期 of five years, two
for 试行 rules):

* most are 有效; one department rule expired at the end of its term and is
  marked 失效 by its editor;
* a published 清理结果 (the county government's decision on its cleanup) keeps
  one 继续有效, declares one 失效, one 废止 and one 修改, each pointing at the
  document that replaced it — applied through the real publishing path, so the
  documents' histories show it;
* two findings for `gk validity-review`: a 试行 rule whose two-year term ran out
  after the cleanup but is still marked 有效, and an old 试行 rule that a newer
  one replaced (``replaced_by`` set, as an import of the old library left it)
  but which still says 有效.

`ensure_non_public_items` drafts six 依申请公开 / 不予公开 items in six
organisations, each with the legal ground that fits it; three were decided more
than a year ago (due for re-evaluation), one was re-evaluated this year (a
DisclosureReview with reviewer and reason) and two are recent.

Dates are counted back from `today`. Both functions are idempotent: pages are
found again by their slugs.
"""

import datetime

from django.contrib.auth import get_user_model
from django.utils import timezone
from wagtail.models import Locale, PageLogEntry

from gk_pages.disclosure import DisclosureReview
from gk_pages.models import CleanupResultItem, CleanupResultPage, ColumnPage, DocumentPage, NormativeLibraryPage
from gk_pages.review import Outcome, record_review

LIBRARY_SLUG = "gfxwj"
CLEANUP_SLUG = "gfxwj-qingli-jueding"

# Each document: key, organisation code, words to look for in the column title (in order
# of preference), slug, days before `today` it was signed (成文), days from signing to
# taking effect, term in years (None: no fixed term), title, 文号 (year filled in from
# the signing date), 文种, body paragraphs, and optionally the validity its editor set.
DOCUMENTS = [
    {
        "key": "guifan-guanli",
        "org": "xzf",
        "column": ("咨询监督",),
        "days_ago": 1100,
        "term": 5,
        "title": "示例县人民政府关于印发示例县行政规范性文件管理办法的通知",
        "doc_number": "示政规〔{year}〕1号",
        "genre": "通知",
        "body": [
            "第一条 为加强行政规范性文件的制定和监督管理，维护法制统一，根据国务院办公厅关于加强行政规范性文件制定和监督管理工作的有关规定，结合本县实际，制定本办法。",
            "第二条 县人民政府及其工作部门、乡镇人民政府（街道办事处）制定行政规范性文件，应当经过评估论证、公开征求意见、合法性审核、集体审议决定，并统一登记、统一编号、统一公布。",
            "第三条 行政规范性文件应当载明有效期，有效期一般不超过5年；名称冠以“暂行”“试行”的，有效期不超过2年。制定机关应当每两年对本机关制定的行政规范性文件进行一次清理，清理结果向社会公布。",
            "第四条 本办法自印发之日起30日后施行，有效期5年。",
        ],
    },
    {
        "key": "zhengshou-zanxing",
        "org": "xzf",
        "column": ("征收土地信息", "征收"),
        "days_ago": 2300,
        "term": None,
        "title": "示例县人民政府关于印发示例县国有土地上房屋征收与补偿暂行办法的通知",
        "doc_number": "示政规〔{year}〕3号",
        "genre": "通知",
        "body": [
            "第一条 为规范国有土地上房屋征收与补偿活动，维护公共利益，保障被征收房屋所有权人的合法权益，依据《国有土地上房屋征收与补偿条例》，制定本办法。",
            "第二条 县人民政府负责本县行政区域内的房屋征收与补偿工作，县住房和城乡建设局为房屋征收部门，组织实施具体工作。",
            "第三条 本办法自印发之日起施行。",
        ],
    },
    {
        "key": "zhengshou",
        "org": "xzf",
        "column": ("征收土地信息", "征收"),
        "days_ago": 280,
        "term": 5,
        "title": "示例县人民政府关于印发示例县国有土地上房屋征收与补偿办法的通知",
        "doc_number": "示政规〔{year}〕2号",
        "genre": "通知",
        "body": [
            "第一条 为规范国有土地上房屋征收与补偿工作，依据《国有土地上房屋征收与补偿条例》和省有关规定，结合本县实际，制定本办法。",
            "第二条 房屋征收实行先补偿、后搬迁。被征收人可以选择货币补偿，也可以选择房屋产权调换。",
            "第三条 本办法自印发之日起30日后施行，有效期5年。《示例县国有土地上房屋征收与补偿暂行办法》同时废止。",
        ],
    },
    {
        "key": "xuke-qingdan-old",
        "org": "xzf",
        "column": ("办事指南",),
        "days_ago": 1500,
        "term": None,
        "title": "示例县人民政府办公室关于印发示例县行政许可事项清单（{year}年版）的通知",
        "doc_number": "示政办发〔{year}〕21号",
        "genre": "通知",
        "body": [
            "各乡镇人民政府、街道办事处，县政府各部门：",
            "为全面实行行政许可事项清单管理，经县人民政府同意，现将《示例县行政许可事项清单》印发给你们，请认真抓好落实。清单之外，一律不得违法实施行政许可。",
        ],
    },
    {
        "key": "xuke-qingdan",
        "org": "xzf",
        "column": ("办事指南",),
        "days_ago": 240,
        "term": None,
        "title": "示例县人民政府办公室关于印发示例县行政许可事项清单（{year}年版）的通知",
        "doc_number": "示政办发〔{year}〕9号",
        "genre": "通知",
        "body": [
            "各乡镇人民政府、街道办事处，县政府各部门：",
            "根据上级行政许可事项清单调整情况，县政府办公室对本县行政许可事项清单进行了动态调整，经县人民政府同意，现将调整后的清单印发给你们。原清单同时停止执行。",
        ],
    },
    {
        "key": "liuzhuan-shixing",
        "org": "xzf",
        "column": ("征收土地信息", "征收"),
        "days_ago": 800,
        "term": 2,
        "title": "示例县人民政府办公室关于印发示例县农村土地经营权流转管理办法实施细则（试行）的通知",
        "doc_number": "示政办规〔{year}〕2号",
        "genre": "通知",
        "body": [
            "第一条 为规范农村土地经营权流转行为，保护流转双方合法权益，根据《中华人民共和国农村土地承包法》和《农村土地经营权流转管理办法》，制定本细则。",
            "第二条 土地经营权流转应当坚持依法、自愿、有偿原则，任何组织和个人不得强迫或者阻碍承包方流转土地经营权。",
            "第三条 本细则自印发之日起30日后施行，试行期2年。",
        ],
    },
    {
        "key": "touzi-xiangmu",
        "org": "xzf",
        "column": ("政府投资项目建议书审批", "政府投资"),
        "days_ago": 1750,
        "term": 5,
        "title": "示例县人民政府办公室关于印发示例县政府投资项目管理办法的通知",
        "doc_number": "示政办规〔{year}〕4号",
        "genre": "通知",
        "body": [
            "第一条 为规范政府投资行为，提高政府投资效益，根据《政府投资条例》，结合本县实际，制定本办法。",
            "第二条 政府投资项目实行审批制，项目单位应当编报项目建议书、可行性研究报告、初步设计，按照规定报县发展和改革局审批。",
            "第三条 本办法自印发之日起30日后施行，有效期5年。",
        ],
    },
    {
        "key": "touzi-xiugai",
        "org": "xzf",
        "column": ("政府投资项目建议书审批", "政府投资"),
        "days_ago": 190,
        "term": None,
        "title": "示例县人民政府办公室关于修改《示例县政府投资项目管理办法》部分条款的决定",
        "doc_number": "示政办规〔{year}〕3号",
        "genre": "决定",
        "body": [
            "为落实投资审批制度改革要求，县人民政府办公室决定对《示例县政府投资项目管理办法》作如下修改：",
            "一、第二条修改为：“政府投资项目实行审批制。总投资较小、技术方案简单的项目，可以合并编报项目建议书和可行性研究报告。”",
            "本决定自印发之日起施行。《示例县政府投资项目管理办法》根据本决定作相应修改，重新公布。",
        ],
    },
    {
        "key": "zhuanxiang-zijin",
        "org": "czj",
        "column": ("政策法规文件", "政策"),
        "days_ago": 800,
        "term": 5,
        "title": "示例县财政局关于印发示例县县级财政专项资金管理办法的通知",
        "doc_number": "示财规〔{year}〕1号",
        "genre": "通知",
        "body": [
            "第一条 为加强县级财政专项资金管理，提高资金使用效益，根据《中华人民共和国预算法》及其实施条例，制定本办法。",
            "第二条 专项资金实行目录管理，设立时应当明确政策目标、扶持对象、使用范围、实施期限和绩效目标，到期自动退出。",
            "第三条 本办法自印发之日起施行，有效期5年。",
        ],
    },
    {
        "key": "caigou-neikong",
        "org": "czj",
        "column": ("政策法规文件", "政策"),
        "days_ago": 400,
        "term": 5,
        "title": "示例县财政局关于印发示例县政府采购内部控制管理办法的通知",
        "doc_number": "示财规〔{year}〕2号",
        "genre": "通知",
        "body": [
            "第一条 为规范政府采购行为，加强采购单位内部控制，根据《中华人民共和国政府采购法》及其实施条例，制定本办法。",
            "第二条 采购单位应当明确采购需求确定、采购方式选择、合同签订和履约验收等环节的岗位职责，做到不相容岗位相互分离。",
            "第三条 本办法自印发之日起施行，有效期5年。",
        ],
    },
    {
        "key": "zulin-butie-shixing",
        "org": "zjj",
        "column": ("地方层面法规政策", "法规政策"),
        "days_ago": 1000,
        "term": None,
        "title": "示例县住房和城乡建设局关于印发示例县城镇住房保障家庭租赁补贴实施办法（试行）的通知",
        "doc_number": "示住建规〔{year}〕1号",
        "genre": "通知",
        "body": [
            "第一条 为做好城镇住房保障家庭租赁补贴发放工作，根据公共租赁住房管理有关规定，制定本办法。",
            "第二条 租赁补贴按照保障家庭人数、补贴面积和补贴标准计算，按季度发放。",
        ],
    },
    {
        "key": "zulin-butie",
        "org": "zjj",
        "column": ("地方层面法规政策", "法规政策"),
        "days_ago": 120,
        "term": 5,
        "title": "示例县住房和城乡建设局关于印发示例县城镇住房保障家庭租赁补贴实施办法的通知",
        "doc_number": "示住建规〔{year}〕3号",
        "genre": "通知",
        "body": [
            "第一条 为进一步规范城镇住房保障家庭租赁补贴的申请、审核和发放，制定本办法。",
            "第二条 申请家庭应当在本县城区无自有住房，家庭人均收入和财产符合县人民政府公布的标准。",
            "第三条 本办法自印发之日起施行，有效期5年。《示例县城镇住房保障家庭租赁补贴实施办法（试行）》同时废止。",
        ],
    },
    {
        "key": "linshi-jiuzhu",
        "org": "mzj",
        "column": ("政策法规文件", "政策"),
        "days_ago": 950,
        "term": 5,
        "title": "示例县民政局关于印发示例县临时救助实施办法的通知",
        "doc_number": "示民规〔{year}〕5号",
        "genre": "通知",
        "body": [
            "第一条 为规范临时救助工作，发挥临时救助救急难作用，根据《社会救助暂行办法》，制定本办法。",
            "第二条 因火灾、交通事故等意外事件或者家庭成员突发重大疾病等原因，导致基本生活暂时出现严重困难的家庭或者个人，可以申请临时救助。",
            "第三条 本办法自印发之日起施行，有效期5年。",
        ],
    },
    {
        "key": "minban-shoufei",
        "org": "jyj",
        "column": ("民办学校信息", "民办"),
        "days_ago": 2150,
        "term": 5,
        "title": "示例县教育和体育局关于印发示例县民办学校收费管理办法的通知",
        "doc_number": "示教体规〔{year}〕1号",
        "genre": "通知",
        "body": [
            "第一条 为规范民办学校收费行为，维护受教育者和民办学校的合法权益，根据《中华人民共和国民办教育促进法》及其实施条例，制定本办法。",
            "第二条 民办学校收费项目和标准应当向社会公示，接受社会监督。",
            "第三条 本办法自印发之日起施行，有效期5年。",
        ],
        "validity": ("失效", "有效期届满，自动失效。"),
    },
]

CLEANUP = {
    "title": "示例县人民政府关于公布行政规范性文件清理结果的决定",
    "days_ago": 75,
    "intro": (
        "<p>根据《示例县行政规范性文件管理办法》的规定，县司法局会同各起草部门，对以县人民政府、"
        "县人民政府办公室名义印发的现行行政规范性文件进行了全面清理。经县人民政府同意，现将清理结果公布如下。</p>"
        "<p>宣布失效、废止的文件，自本决定公布之日起不再执行；修改的文件，以修改后的文本为准；"
        "继续有效的文件，有效期仍按原文件的规定计算。</p>"
    ),
    # (document key, decision, replacing document key, note)
    "items": [
        ("guifan-guanli", "有效", None, ""),
        ("zhengshou-zanxing", "废止", "zhengshou", "已被《示例县国有土地上房屋征收与补偿办法》取代"),
        ("xuke-qingdan-old", "失效", "xuke-qingdan", "行政许可事项清单已动态调整"),
        ("touzi-xiangmu", "已修改", "touzi-xiugai", "依据投资审批制度改革要求修改第二条"),
    ],
}

# The old 试行 rule the import left pointing at its successor while still saying 有效.
SUPERSEDED_STILL_VALID = ("zulin-butie-shixing", "zulin-butie")

NON_PUBLIC_ITEMS = [
    {
        "org": "jyj",
        "slug": "fgk-jiaoshi-zhicheng-tuijian-qingshi",
        "title": "示例县教育和体育局关于{year}年度中小学教师职称评审推荐人选的请示",
        "attribute": "不予公开",
        "ground": "过程性信息",
        "reason": "向县人力资源和社会保障局报送的请示，推荐人选尚在审核过程中，属于过程性信息。",
        "decided_days_ago": 430,
    },
    {
        "org": "mzj",
        "slug": "fgk-dibao-shenhe-queren-yijian",
        "title": "示例县民政局关于城关镇困难家庭申请最低生活保障的审核确认意见",
        "attribute": "依申请公开",
        "ground": "不属于主动公开范围",
        "reason": "审核确认意见仅涉及申请家庭本人，不属于主动公开范围，申请人可依申请获取。",
        "decided_days_ago": 510,
    },
    {
        "org": "zjj",
        "slug": "fgk-weifa-jianshe-lian-shenpibiao",
        "title": "示例县住房和城乡建设局关于某房地产开发企业违法建设行为的立案审批表",
        "attribute": "不予公开",
        "ground": "行政执法案卷信息",
        "reason": "属于行政执法案卷材料，处罚决定作出后按规定公开处罚结果。",
        "decided_days_ago": 371,
    },
    {
        "org": "scj",
        "slug": "fgk-shipin-qiye-peifang-shuoming",
        "title": "示例县市场监督管理局关于某食品生产企业产品配方及工艺参数的说明材料",
        "attribute": "不予公开",
        "ground": "商业秘密",
        "reason": "材料载有企业产品配方和工艺参数，公开会损害企业合法权益。",
        "decided_days_ago": 640,
        "review": {
            "days_ago": 150,
            "reason": "经复核，企业书面说明配方和工艺参数仍在使用，公开后将造成竞争损害，继续不予公开。",
        },
    },
    {
        "org": "czj",
        "slug": "fgk-neibu-shenji-gongzuo-digao",
        "title": "示例县财政局{year}年度内部财务审计工作底稿",
        "attribute": "不予公开",
        "ground": "内部事务信息",
        "reason": "机关内部财务审计工作底稿，属于内部管理信息。",
        "decided_days_ago": 80,
    },
    {
        "org": "rsj",
        "slug": "fgk-gongshang-rending-geren-cailiao",
        "title": "示例县人力资源和社会保障局工伤认定申请人个人材料汇总表",
        "attribute": "依申请公开",
        "ground": "个人隐私",
        "reason": "汇总表载有申请人身份证号码、病历等个人信息，仅可由本人依申请获取。",
        "decided_days_ago": 200,
    },
]


def _column(organisation, words):
    """The first live column of `organisation` whose title contains one of `words`
    (in order of preference), else its first live column."""
    columns = list(
        ColumnPage.objects.filter(
            entry__catalogue__organisation=organisation, retired=False, live=True, locale=Locale.get_default()
        ).order_by("path")
    )
    for word in words:
        for column in columns:
            if word in column.title:
                return column
    return columns[0] if columns else None


def _moment(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(9, 30)))


def _add_years(day, years):
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def _admin_user():
    return get_user_model().objects.filter(is_superuser=True, is_active=True).order_by("pk").first()


def ensure_normative_library(*, portal, organisations, today, rng, log):
    """The 行政规范性文件库 page under `portal`, its documents and its published
    清理结果 (see the module docstring). `rng` is unused: every date here follows
    from `today`. Returns the library page."""
    library = NormativeLibraryPage.objects.child_of(portal).first()
    if library is None:
        library = NormativeLibraryPage(
            title="行政规范性文件库",
            slug=LIBRARY_SLUG,
            live=False,
            intro=(
                "<p>本库收录示例县人民政府、县人民政府办公室和县直部门制定的行政规范性文件，逐件标注有效性，"
                "默认显示现行有效规范性文件目录。规范性文件实行有效期制度并定期清理，清理结果在本库公布。</p>"
            ),
        )
        portal.add_child(instance=library)
        library.save_revision().publish()
        log(f"创建规范性文件库：{library.title}")

    documents = {}
    created = 0
    for spec in DOCUMENTS:
        organisation = organisations.get(spec["org"])
        column = _column(organisation, spec["column"]) if organisation else None
        if column is None:
            log(f"规范性文件库演示：找不到“{spec['org']}”的栏目，跳过《{spec['title']}》")
            continue
        slug = f"gfxwj-{spec['key']}"
        existing = DocumentPage.objects.filter(slug=slug, issuing_org=organisation).first()
        if existing is not None:
            documents[spec["key"]] = existing
            continue
        written = today - datetime.timedelta(days=spec["days_ago"])
        effective = written + datetime.timedelta(days=30 if spec["term"] else 0)
        page = DocumentPage(
            title=spec["title"].format(year=written.year),
            slug=slug,
            live=False,
            body="".join(f"<p>{paragraph}</p>" for paragraph in spec["body"]),
            issuing_org=organisation,
            doc_number=spec["doc_number"].format(year=written.year),
            written_date=written,
            published_date=written + datetime.timedelta(days=2),
            genre=spec["genre"],
            is_normative=True,
            effective_date=effective,
            expiry_date=_add_years(effective, spec["term"]) - datetime.timedelta(days=1) if spec["term"] else None,
        )
        column.add_child(instance=page)
        page.save_revision().publish()
        moment = _moment(page.published_date)
        DocumentPage.objects.filter(pk=page.pk).update(first_published_at=moment, last_published_at=moment)
        if "validity" in spec:
            # The editor marks it, with the reason, as the page editor would.
            validity, reason = spec["validity"]
            page = DocumentPage.objects.get(pk=page.pk)
            page.validity = validity
            page.change_reason = reason
            page.save_revision().publish()
        documents[spec["key"]] = DocumentPage.objects.get(pk=page.pk)
        created += 1
    if created:
        log(f"规范性文件库：新增规范性文件 {created} 件")

    old_key, new_key = SUPERSEDED_STILL_VALID
    if old_key in documents and new_key in documents:
        DocumentPage.objects.filter(pk=documents[old_key].pk, replaced_by__isnull=True).update(
            replaced_by=documents[new_key]
        )

    if not CleanupResultPage.objects.child_of(library).filter(slug=CLEANUP_SLUG).exists():
        items = [spec for spec in CLEANUP["items"] if spec[0] in documents]
        cleanup_date = today - datetime.timedelta(days=CLEANUP["days_ago"])
        page = CleanupResultPage(
            title=CLEANUP["title"], slug=CLEANUP_SLUG, live=False, cleanup_date=cleanup_date, intro=CLEANUP["intro"]
        )
        for order, (key, decision, replaced_by, note) in enumerate(items):
            page.items.add(
                CleanupResultItem(
                    document=documents[key],
                    decision=decision,
                    replaced_by=documents.get(replaced_by),
                    note=note,
                    sort_order=order,
                )
            )
        library.add_child(instance=page)
        user = _admin_user()
        page.save_revision(user=user).publish(user=user)  # applies the decisions to the documents
        moment = _moment(cleanup_date)
        CleanupResultPage.objects.filter(pk=page.pk).update(first_published_at=moment, last_published_at=moment)
        log(f"发布规范性文件清理结果：{page.title}（{len(items)} 件）")
    return library


def ensure_non_public_items(*, portal, organisations, today, rng, log):
    """Draft 依申请公开 / 不予公开 items with their legal grounds and decision dates
    (see the module docstring). `rng` is unused. Returns the items (created or found)."""
    items = []
    created = 0
    for spec in NON_PUBLIC_ITEMS:
        organisation = organisations.get(spec["org"])
        column = _column(organisation, ()) if organisation else None
        if column is None:
            log(f"年度评估演示：找不到“{spec['org']}”的栏目，跳过“{spec['title']}”")
            continue
        existing = DocumentPage.objects.filter(slug=spec["slug"], issuing_org=organisation).first()
        if existing is not None:
            items.append(existing)
            continue
        decided = today - datetime.timedelta(days=spec["decided_days_ago"])
        page = DocumentPage(
            title=spec["title"].format(year=decided.year),
            slug=spec["slug"],
            live=False,
            body="<p>（本件不主动公开，正文从略。）</p>",
            issuing_org=organisation,
            written_date=decided,
            published_date=decided,
            disclosure_attribute=spec["attribute"],
            non_disclosure_ground=spec["ground"],
            non_disclosure_reason=spec["reason"],
        )
        column.add_child(instance=page)
        page.save_revision()
        # The decision was taken when the item was drafted, not today.
        DocumentPage.objects.filter(pk=page.pk).update(attribute_reviewed_on=decided)
        PageLogEntry.objects.filter(page=page, action="gk.disclosure_attribute_change").update(timestamp=_moment(decided))
        review = spec.get("review")
        if review:
            reviewed = today - datetime.timedelta(days=review["days_ago"])
            record = record_review(
                page, user=_admin_user(), outcome=Outcome.KEPT, reason=review["reason"], today=reviewed
            )
            DisclosureReview.objects.filter(pk=record.pk).update(reviewed_at=_moment(reviewed))
            PageLogEntry.objects.filter(page=page, action="gk.disclosure_review").update(timestamp=_moment(reviewed))
        items.append(DocumentPage.objects.get(pk=page.pk))
        created += 1
    if created:
        log(f"年度评估演示：新增依申请公开、不予公开信息 {created} 条")
    return items
