"""Demo 政策解读: a few county policies and their interpretations, so that the
interpretation pages, the policy pages' 相关解读 and the 政策解读及时性 report
have something to show.

* five policies: three 行政规范性文件 (民政局 ×2, 教体局) and two documents
  flagged 需要政策解读 (住建局's 农村住房安全保障, 农业农村局's 耕地地力保护补贴);
* eight interpretations covering every 解读形式: text, graphic, video (with a
  media address), Q&A, press conference, expert; one 二次解读; the 教体局's Q&A
  is published six working days after its policy on purpose (a late finding);
* the 农业农村局 policy has no interpretation (an overdue finding) and the most
  recent 民政局 policy has none yet but is still within its 3 working days;
* the 民政局's text interpretation translated into Uyghur (维吾尔文, locale
  ``ug``, right to left) with wagtail-localize.

Dates are counted back from `today` in working days (gk_columns.workingdays),
so the findings come out the same whichever day the demo is built. Pages are
published through revisions, as an editor would, and then given the historical
publication moment. Idempotent: pages are found again by their slugs.
"""

import datetime

from django.utils import timezone
from wagtail.models import Locale

from gk_columns.workingdays import WorkingCalendar
from gk_pages.models import ColumnPage, DocumentPage, InterpretationForm, InterpretationPage

UYGHUR = "ug"

# Where each demo page goes: the organisation code (before any "-"), then the
# (catalogue item 一级事项, column title) words wanted, in order of preference
# (None: anything).
COLUMNS = {
    "mzj-dibao": [("最低生活保障", "政策"), (None, "政策")],
    "mzj": [("综合", "政策"), (None, "政策")],
    "jyj": [(None, "资助"), (None, "政策"), (None, "法律")],
    "zjj": [("危房", "文件"), ("危房", None), (None, "政策")],
    "zjj-interpretations": [("危房", "解读"), (None, "政策解读")],
    "nyj": [(None, "耕地地力"), (None, "补贴")],
}

# Each policy: its column key, slug, working days before today, fields.
POLICIES = [
    {
        "key": "dibao",
        "column": "mzj-dibao",
        "slug": "dibao-shenhe-queren-banfa",
        "days_ago": 45,
        "title": "示例县最低生活保障审核确认实施办法",
        "doc_number": "示民规〔{year}〕1号",
        "is_normative": True,
        "genre": "办法",
        "body": (
            "<p>第一条 为规范全县最低生活保障审核确认工作，根据《社会救助暂行办法》和省、市有关规定，结合本县实际，制定本办法。</p>"
            "<p>第二条 共同生活的家庭成员人均收入低于本县最低生活保障标准，且家庭财产状况符合规定条件的，可以申请最低生活保障。</p>"
            "<p>第三条 申请人向户籍所在地乡镇人民政府（街道办事处）提出书面申请；乡镇人民政府（街道办事处）应当自受理申请之日起10个工作日内完成审核确认，特殊情况可延长至15个工作日。</p>"
            "<p>第四条 本办法自印发之日起施行，有效期5年。</p>"
        ),
    },
    {
        "key": "tekun",
        "column": "mzj",
        "slug": "tekun-renyuan-jiuzhu-gongyang-xize",
        "days_ago": 1,
        "title": "示例县特困人员救助供养实施细则",
        "doc_number": "示民规〔{year}〕2号",
        "is_normative": True,
        "genre": "细则",
        "body": (
            "<p>第一条 为做好特困人员救助供养工作，保障特困人员基本生活，根据国家和省有关规定，制定本细则。</p>"
            "<p>第二条 特困人员救助供养的内容包括提供基本生活条件、对生活不能自理的给予照料、提供疾病治疗和办理丧葬事宜。</p>"
            "<p>第三条 本细则自印发之日起施行。</p>"
        ),
    },
    {
        "key": "zizhu",
        "column": "jyj",
        "slug": "yiwu-jiaoyu-kunnan-xuesheng-buzhu-banfa",
        "days_ago": 30,
        "title": "示例县义务教育阶段家庭经济困难学生生活补助实施办法",
        "doc_number": "示教体规〔{year}〕2号",
        "is_normative": True,
        "genre": "办法",
        "body": (
            "<p>第一条 为保障义务教育阶段家庭经济困难学生顺利完成学业，根据国家学生资助有关政策，制定本办法。</p>"
            "<p>第二条 补助对象为具有本县学籍、在公办学校就读的义务教育阶段家庭经济困难寄宿生和非寄宿生。</p>"
            "<p>第三条 补助资金按学期发放，由学校通过学生资助管理信息系统审核后，直接发放到学生或监护人账户。</p>"
            "<p>第四条 本办法自印发之日起施行，有效期5年。</p>"
        ),
    },
    {
        "key": "zhufang",
        "column": "zjj",
        "slug": "nongcun-zhufang-anquan-baozhang-fangan",
        "days_ago": 20,
        "title": "示例县农村低收入群体等重点对象住房安全保障实施方案",
        "doc_number": "示住建发〔{year}〕8号",
        "is_normative": False,
        "requires_interpretation": True,
        "genre": "方案",
        "body": (
            "<p>为巩固农村低收入群体等重点对象住房安全保障成果，建立农村房屋安全动态监测和危房改造常态化机制，县住房和城乡建设局会同有关部门制定本方案。</p>"
            "<p>一、保障对象：农村易返贫致贫户、低保户、特困供养人员、低保边缘家庭等重点对象中，住房经鉴定为C级或D级危房的农户。</p>"
            "<p>二、改造方式：C级危房以加固改造为主，D级危房原则上拆除重建；也可以通过统建农村集体公租房、修缮加固闲置农房等方式兜底解决。</p>"
            "<p>三、补助标准：按照危房等级和改造方式分档补助，补助资金通过“一卡通”直接发放到户。</p>"
        ),
    },
    {
        "key": "gengdi",
        "column": "nyj",
        "slug": "gengdi-dili-baohu-butie-fangan",
        "days_ago": 10,
        "title": "示例县耕地地力保护补贴实施方案",
        "doc_number": "示农发〔{year}〕5号",
        "is_normative": False,
        "requires_interpretation": True,
        "genre": "方案",
        "body": (
            "<p>为鼓励农民保护耕地地力、提高农业生产能力，根据上级耕地地力保护补贴政策，制定本方案。</p>"
            "<p>一、补贴对象：拥有耕地承包权的种地农民。已改变用途的耕地、长期抛荒地不纳入补贴范围。</p>"
            "<p>二、补贴面积：以确权耕地面积为基础，由乡镇人民政府组织村委会核实并张榜公示。</p>"
            "<p>三、资金发放：补贴资金通过“一卡通”直接兑付到户。</p>"
        ),
    },
]

INTERPRETATIONS = [
    {
        "slug": "dibao-shenhe-queren-banfa-jiedu",
        "policies": ["dibao"],
        "column": "mzj-dibao",
        "days_ago": 45,
        "form": InterpretationForm.TEXT,
        "title": "《示例县最低生活保障审核确认实施办法》政策解读",
        "body": [
            "一、制定背景：为规范最低生活保障审核确认工作，保障困难群众基本生活，县民政局依据《社会救助暂行办法》等规定，制定了本办法。",
            "二、保障对象：共同生活的家庭成员人均收入低于本县最低生活保障标准，且家庭财产状况符合规定的，可以申请最低生活保障。",
            "三、办理流程：申请人向户籍所在地乡镇人民政府（街道办事处）提出申请，经家庭经济状况调查、公示后，由乡镇人民政府（街道办事处）审核确认。",
            "四、办理时限：审核确认一般在受理申请之日起10个工作日内完成；特殊情况下可以延长至15个工作日。",
            "五、咨询方式：群众可以拨打县民政局社会救助服务热线咨询，也可以到乡镇人民政府（街道办事处）社会救助窗口咨询。",
        ],
        # The Uyghur translation, paragraph by paragraph (title first).
        "ug": [
            "«نەمۇنە ناھىيەنىڭ ئەڭ تۆۋەن تۇرمۇش كاپالىتىنى تەكشۈرۈپ جەزملەشتۈرۈش ئەمەلىيلەشتۈرۈش چارىسى» نىڭ سىياسەت چۈشەندۈرۈشى",
            "بىرىنچى، تۈزۈلۈش ئارقا كۆرۈنۈشى: ئەڭ تۆۋەن تۇرمۇش كاپالىتىنى تەكشۈرۈپ جەزملەشتۈرۈش خىزمىتىنى قېلىپلاشتۇرۇش، "
            "قىيىنچىلىقى بار ئاممىنىڭ ئاساسىي تۇرمۇشىغا كاپالەتلىك قىلىش ئۈچۈن، ناھىيەلىك پۇقرالار ئىشلىرى ئىدارىسى "
            "«ئىجتىمائىي قۇتقۇزۇش ۋاقىتلىق چارىسى» قاتارلىق بەلگىلىمىلەرگە ئاساسەن بۇ چارىنى تۈزدى.",
            "ئىككىنچى، كاپالەت ئوبيېكتى: بىللە تۇرمۇش كەچۈرىدىغان ئائىلە ئەزالىرىنىڭ كىشى بېشىغا توغرا كېلىدىغان كىرىمى "
            "ناھىيەمىزنىڭ ئەڭ تۆۋەن تۇرمۇش كاپالىتى ئۆلچىمىدىن تۆۋەن بولسا، ھەمدە ئائىلە مال-مۈلۈك ئەھۋالى بەلگىلىمىگە "
            "ئۇيغۇن كەلسە، ئەڭ تۆۋەن تۇرمۇش كاپالىتىگە ئىلتىماس قىلسا بولىدۇ.",
            "ئۈچىنچى، بىر تەرەپ قىلىش تەرتىپى: ئىلتىماس قىلغۇچى نوپۇسى تۇرۇشلۇق يېزا-بازارلىق خەلق ھۆكۈمىتى "
            "(كوچا باشقارمىسى) غا ئىلتىماس سۇنىدۇ؛ ئائىلە ئىقتىسادىي ئەھۋالى تەكشۈرۈلۈپ، ئاشكارا ئېلان قىلىنغاندىن كېيىن، "
            "يېزا-بازارلىق خەلق ھۆكۈمىتى (كوچا باشقارمىسى) تەكشۈرۈپ جەزملەشتۈرىدۇ.",
            "تۆتىنچى، بىر تەرەپ قىلىش ۋاقىت چېكى: تەكشۈرۈپ جەزملەشتۈرۈش ئادەتتە ئىلتىماس قوبۇل قىلىنغان كۈندىن باشلاپ "
            "10 خىزمەت كۈنى ئىچىدە تاماملىنىدۇ؛ ئالاھىدە ئەھۋالدا 15 خىزمەت كۈنىگىچە ئۇزارتىلسا بولىدۇ.",
            "بەشىنچى، مەسلىھەت سوراش ئۇسۇلى: ئاممە ناھىيەلىك پۇقرالار ئىشلىرى ئىدارىسىنىڭ ئىجتىمائىي قۇتقۇزۇش مۇلازىمەت "
            "قىزىق لىنىيەسىگە تېلېفون قىلىپ مەسلىھەت سورىسا بولىدۇ، يېزا-بازارلىق خەلق ھۆكۈمىتى (كوچا باشقارمىسى) نىڭ "
            "ئىجتىمائىي قۇتقۇزۇش كۆزنىكىگە بېرىپ مەسلىھەت سورىسىمۇ بولىدۇ.",
        ],
    },
    {
        "slug": "yitu-dudong-dibao-shenhe-queren",
        "policies": ["dibao"],
        "column": "mzj-dibao",
        "days_ago": 44,
        "form": InterpretationForm.GRAPHIC,
        "title": "一图读懂：最低生活保障怎么申请",
        "body": [
            "第一步 提出申请：到户籍所在地乡镇人民政府（街道办事处）社会救助窗口递交申请书和家庭成员身份证明。",
            "第二步 调查核实：工作人员入户调查家庭收入、财产和生活状况，并通过信息系统核对。",
            "第三步 公示确认：调查结果在村（社区）公示7天，无异议的由乡镇人民政府（街道办事处）审核确认。",
            "第四步 发放资金：确认后从次月起按月发放最低生活保障金。",
        ],
    },
    {
        "slug": "dibao-banfa-shishi-qingkuang-dawen",
        "policies": ["dibao"],
        "column": "mzj-dibao",
        "days_ago": 5,
        "form": InterpretationForm.TEXT,
        "is_follow_up": True,
        "title": "县民政局就最低生活保障审核确认办法实施情况答记者问",
        "body": [
            "问：办法实施以来，群众反映最多的问题是什么？",
            "答：主要集中在收入如何核算、外出务工人员如何申请两个方面。对务工收入，按照扣除必要的就业成本后计算；外出务工人员可以委托家庭成员或者村（社区）代为提出申请。",
            "问：下一步有哪些改进措施？",
            "答：县民政局将推行低保申请“网上办”，并在每季度对审核确认情况进行抽查，抽查结果向社会公开。",
        ],
    },
    {
        "slug": "kunnan-xuesheng-buzhu-banfa-wenda",
        "policies": ["zizhu"],
        "column": "jyj",
        "days_ago": 24,  # six working days after its policy: published late on purpose
        "form": InterpretationForm.QA,
        "title": "《示例县义务教育阶段家庭经济困难学生生活补助实施办法》问答",
        "body": [
            "问：哪些学生可以申请生活补助？",
            "答：具有本县学籍、在公办学校就读的义务教育阶段家庭经济困难学生，寄宿生和非寄宿生都可以申请。",
            "问：怎样申请？",
            "答：学生或监护人向就读学校提出申请，学校资助工作小组认定后在校内公示，公示无异议的报县学生资助管理中心审核。",
            "问：补助资金怎么发放？",
            "答：按学期发放，直接打入学生或监护人的银行账户，学校不得以实物或者代金券等形式替代。",
        ],
    },
    {
        "slug": "nongcun-weifang-gaizao-shipin-jiedu",
        "policies": ["zhufang"],
        "column": "zjj-interpretations",
        "days_ago": 19,
        "form": InterpretationForm.VIDEO,
        "media_url": "https://video.example.com/shixian/nongcun-weifang-gaizao-jiedu.mp4",
        "title": "视频解读：农村危房改造补助怎么申请",
        "body": [
            "本期视频由县住房和城乡建设局负责同志讲解农村住房安全保障的对象、申请程序和补助标准。",
            "视频时长约6分钟，附有中文字幕。",
        ],
    },
    {
        "slug": "nongcun-zhufang-anquan-zhuanjia-jiedu",
        "policies": ["zhufang"],
        "column": "zjj-interpretations",
        "days_ago": 18,
        "form": InterpretationForm.EXPERT,
        "title": "专家解读：把农房安全监测做在前面",
        "body": [
            "方案的一个重要变化，是从“发现一户、改造一户”转向常态化监测：通过农房安全动态监测，及时发现重点对象的住房安全隐患。",
            "在改造方式上，方案区分C级和D级危房，能加固的不拆除，既节约资金，又保留乡村风貌。",
            "建议各乡镇在改造前把补助标准、申请条件张榜公示，改造后组织竣工验收，确保农户住得安全。",
        ],
    },
    {
        "slug": "nongcun-zhufang-anquan-xinwen-fabuhui",
        "policies": ["zhufang"],
        "column": "zjj-interpretations",
        "days_ago": 20,
        "form": InterpretationForm.PRESS_CONFERENCE,
        "title": "示例县农村住房安全保障工作新闻发布会",
        "body": [
            "县人民政府新闻办公室举行新闻发布会，县住房和城乡建设局主要负责同志介绍《示例县农村低收入群体等重点对象住房安全保障实施方案》的主要内容，并回答记者提问。",
            "发布会介绍，全县将对重点对象住房开展一轮全面排查，排查结果纳入农房安全动态监测台账。",
        ],
    },
]


def _column(organisations, key):
    """The demo column for `key` (see COLUMNS): the first live column of the
    organisation matching the most preferred (一级事项, title) words; else its first
    column, except for an interpretations column, which then falls back to the
    policy's own."""
    organisation = organisations.get(key.split("-")[0])
    if organisation is None:
        return None
    columns = list(
        ColumnPage.objects.filter(
            entry__catalogue__organisation=organisation, retired=False, live=True, locale=Locale.get_default()
        )
        .select_related("entry")
        .order_by("path")
    )
    for item_word, title_word in COLUMNS[key]:
        for column in columns:
            if (item_word is None or item_word in column.entry.item_l1) and (
                title_word is None or title_word in column.title
            ):
                return column
    if key.endswith("-interpretations"):
        return None
    return columns[0] if columns else None


def _publish(column, page, day):
    """Add `page` to `column` as a draft, publish it through a revision (so that the
    disclosure rules and the indexing signals apply) and date it `day` 09:30."""
    page.live = False
    column.add_child(instance=page)
    page.save_revision().publish()
    moment = timezone.make_aware(datetime.datetime.combine(day, datetime.time(9, 30)))
    type(page).objects.filter(pk=page.pk).update(first_published_at=moment, last_published_at=moment)
    page.refresh_from_db()
    return page


def ensure_interpretations(*, portal, organisations, today, rng, log):
    """Create the demo policies, interpretations and the Uyghur translation (see
    the module docstring). `rng` is unused: every date here is fixed by `today`.
    Returns the InterpretationPages of the demo (created or found)."""
    calendar = WorkingCalendar()

    def day(days_ago):
        return calendar.add_working_days(today, -days_ago).date

    columns = {key: _column(organisations, key) for key in COLUMNS}
    policies = {}
    created = 0
    for spec in POLICIES:
        column = columns.get(spec["column"])
        if column is None:
            log(f"政策解读演示：找不到“{spec['column']}”的栏目，跳过《{spec['title']}》")
            continue
        existing = DocumentPage.objects.child_of(column).filter(slug=spec["slug"]).first()
        if existing is not None:
            policies[spec["key"]] = existing
            continue
        published = day(spec["days_ago"])
        page = DocumentPage(
            title=spec["title"],
            slug=spec["slug"],
            body=spec["body"],
            doc_number=spec["doc_number"].format(year=published.year),
            is_normative=spec["is_normative"],
            requires_interpretation=spec.get("requires_interpretation", False),
            genre=spec["genre"],
            issuing_org=column.entry.catalogue.organisation,
            written_date=calendar.add_working_days(published, -3).date,
            published_date=published,
            effective_date=published if spec["is_normative"] else None,
        )
        policies[spec["key"]] = _publish(column, page, published)
        created += 1

    interpretations = {}
    for spec in INTERPRETATIONS:
        wanted = [policies[key] for key in spec["policies"] if key in policies]
        if not wanted:
            continue
        column = columns.get(spec["column"]) or wanted[0].get_parent().specific
        existing = InterpretationPage.objects.child_of(column).filter(slug=spec["slug"]).first()
        if existing is not None:
            interpretations[spec["slug"]] = existing
            continue
        published = day(spec["days_ago"])
        page = InterpretationPage(
            title=spec["title"],
            slug=spec["slug"],
            body="".join(f"<p>{paragraph}</p>" for paragraph in spec["body"]),
            form=spec["form"],
            is_follow_up=spec.get("is_follow_up", False),
            media_url=spec.get("media_url", ""),
            issuing_org=column.entry.catalogue.organisation,
            published_date=published,
        )
        page.policies = wanted
        interpretations[spec["slug"]] = _publish(column, page, published)
        created += 1
    log(f"政策解读演示：新增政策文件和解读 {created} 篇")

    for spec in INTERPRETATIONS:
        page = interpretations.get(spec["slug"])
        if page is not None and "ug" in spec:
            translation = ensure_translation(page, UYGHUR, [spec["title"], *spec["body"]], spec["ug"])
            if translation is not None:
                log(f"政策解读演示：维吾尔文译本《{translation.title}》")
    return list(interpretations.values())


def ensure_translation(page, language_code, source_texts, translated_texts):
    """Translate `page` into `language_code` with wagtail-localize, giving the
    translation of each source text (title and body paragraphs, in order), and
    publish it. Untranslated ancestors are created as aliases in the target
    locale (wagtail-localize's copy_parent_pages). Returns the new translation,
    or None when it already exists."""
    from wagtail_localize.models import StringTranslation, Translation, TranslationSource

    locale, _ = Locale.objects.get_or_create(language_code=language_code)
    if page.get_translation_or_none(locale) is not None:
        return None
    wanted = dict(zip(source_texts, translated_texts, strict=True))
    source, _ = TranslationSource.get_or_create_from_instance(page)
    for segment in source.stringsegment_set.select_related("string", "context"):
        text = wanted.get(segment.string.data)
        if text is not None:
            StringTranslation.objects.update_or_create(
                translation_of=segment.string,
                locale=locale,
                context=segment.context,
                defaults={"data": text},
            )
    translation, _ = Translation.objects.get_or_create(source=source, target_locale=locale)
    # A draft first, then Wagtail's publish action here and now (save_target would
    # publish on commit, after a caller's outer transaction).
    translation.save_target(publish=False)
    target = page.get_translation(locale)
    target.get_latest_revision().publish()
    target.refresh_from_db()
    return target
