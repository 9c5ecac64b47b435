"""Controlled vocabularies of the standard disclosure catalogue (标准目录).

The values are the ones the State Council's 26 pilot-domain guidelines use;
stored values are the Chinese labels themselves, so that a database row, a JSON
export and a printed catalogue read the same.
"""

from django.db import models


class Channel(models.TextChoices):
    """公开渠道和载体 — the standard channel list."""

    WEBSITE = "政府网站"
    GAZETTE = "政府公报"
    NEW_MEDIA = "两微一端"
    PRESS = "发布会/听证会"
    BROADCAST = "广播电视"
    PRINT = "纸质媒体"
    READING_POINT = "公开查阅点"
    SERVICE_CENTRE = "政务服务中心"
    SERVICE_STATION = "便民服务站"
    ON_SITE = "入户/现场"
    NOTICE_BOARD = "社区/企事业单位/村公示栏（电子屏）"
    PUSH = "精准推送"
    HOTLINE = "12345热线"
    OTHER = "其他"


class Audience(models.TextChoices):
    """公开对象."""

    PUBLIC = "全社会"
    SPECIFIC = "特定群体"


class Mode(models.TextChoices):
    """公开方式."""

    PROACTIVE = "主动"
    ON_REQUEST = "依申请"


class Level(models.TextChoices):
    """公开层级."""

    COUNTY = "县级"
    TOWNSHIP = "乡级"
    VILLAGE = "村级"


class FivePublic(models.TextChoices):
    """五公开 (some regions add it to the catalogue)."""

    DECISION = "决策公开"
    EXECUTION = "执行公开"
    MANAGEMENT = "管理公开"
    SERVICE = "服务公开"
    RESULT = "结果公开"


# Words real published catalogues use for the standard channels. Keys are
# compared after normalisation (see gk_columns.importing.normalise_label), so
# traditional characters and full-width punctuation need no entries of their own.
CHANNEL_ALIASES = {
    "政府网站": Channel.WEBSITE,
    "政府门户网站": Channel.WEBSITE,
    "门户网站": Channel.WEBSITE,
    "部门网站": Channel.WEBSITE,
    "网站": Channel.WEBSITE,
    "政务公开专栏": Channel.WEBSITE,
    "政府公报": Channel.GAZETTE,
    "公报": Channel.GAZETTE,
    "两微一端": Channel.NEW_MEDIA,
    "政务新媒体": Channel.NEW_MEDIA,
    "微博": Channel.NEW_MEDIA,
    "微信": Channel.NEW_MEDIA,
    "政务微信": Channel.NEW_MEDIA,
    "政务微博": Channel.NEW_MEDIA,
    "客户端": Channel.NEW_MEDIA,
    "发布会/听证会": Channel.PRESS,
    "发布会": Channel.PRESS,
    "新闻发布会": Channel.PRESS,
    "听证会": Channel.PRESS,
    "广播电视": Channel.BROADCAST,
    "广播": Channel.BROADCAST,
    "电视": Channel.BROADCAST,
    "纸质媒体": Channel.PRINT,
    "报刊": Channel.PRINT,
    "报纸": Channel.PRINT,
    "公开查阅点": Channel.READING_POINT,
    "查阅点": Channel.READING_POINT,
    "政府信息公开查阅点": Channel.READING_POINT,
    "政务服务中心": Channel.SERVICE_CENTRE,
    "政务服务大厅": Channel.SERVICE_CENTRE,
    "便民服务站": Channel.SERVICE_STATION,
    "便民服务中心": Channel.SERVICE_STATION,
    "入户/现场": Channel.ON_SITE,
    "入户": Channel.ON_SITE,
    "现场": Channel.ON_SITE,
    "社区/企事业单位/村公示栏（电子屏）": Channel.NOTICE_BOARD,
    "社区/企事业单位/村公示栏(电子屏)": Channel.NOTICE_BOARD,
    "社区/企事业单位/村公示栏": Channel.NOTICE_BOARD,
    "公示栏": Channel.NOTICE_BOARD,
    "公示栏（电子屏）": Channel.NOTICE_BOARD,
    "村务公开栏": Channel.NOTICE_BOARD,
    "公开栏": Channel.NOTICE_BOARD,
    "电子屏": Channel.NOTICE_BOARD,
    "精准推送": Channel.PUSH,
    "12345热线": Channel.HOTLINE,
    "12345": Channel.HOTLINE,
    "热线电话": Channel.HOTLINE,
    "其他": Channel.OTHER,
    "其它": Channel.OTHER,
}

ORDERED_CHANNELS = [c.value for c in Channel]
