"""Phrase banks for the demo county's reports: plausible citizen wording, assembled per duty item."""

from __future__ import annotations

import random

from models.org.config import Config, DutyItem

SPOTS = ("3组", "东头", "菜市场旁", "学校门口", "主干道边", "5号楼", "村委会附近", "桥头", "老街",
         "加油站对面", "卫生院后面", "河边", "新小区北门", "8栋2单元", "集贸市场", "幼儿园旁边")
IMPACTS = ("影响居民正常生活", "存在很大的安全隐患", "群众意见很大", "老人小孩出行很不方便",
           "晚上根本无法休息", "已经造成了经济损失", "周边几十户都受影响", "雨天更严重")
SINCE = ("一个多月", "半年多", "两个星期", "好几天", "三个月", "一年多")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ("伟", "芳", "秀英", "敏", "静", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超")

TEMPLATES = (
    "{place}{kw}问题已经持续{since}了，{impact}，多次反映都没有解决，请相关部门尽快处理。",
    "我是{village}的村民，{spot}附近{kw}，{impact}，希望政府重视，尽快派人来看看。",
    "反映{place}{kw}的问题：{impact}。之前打过电话，到现在还没有人管。",
    "{place}最近{kw}很严重，{impact}。请问这个归哪个部门管？希望给个答复。",
    "网格巡查发现：{place}{kw}，{impact}，现场已拍照留存，需协调处理。",
    "建议：{place}的{kw}问题{since}没人管，{impact}，建议有关部门建立长效机制。",
)
URGENT = (
    "{place}{spot}闻到很浓的燃气泄漏味道，楼里还有老人，请马上派人！",
    "{place}一户人家起火了，有人被困在二楼，请紧急处置！",
    "{place}突发停水停电，小区几百户没水用，暴雨天气积水严重。",
)


def citizen_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def phone(rng: random.Random) -> str:
    return rng.choice(("138", "139", "150", "186", "177", "135")) + f"{rng.randrange(10**8):08d}"


def report_text(rng: random.Random, config: Config, item: DutyItem, township: str, village: str,
                urgent: bool = False) -> tuple[str, str]:
    """(title, text) for a report about `item` in `village` of `township`."""
    town = config.townships[township]
    place = f"{town.name}{village}"
    spot = rng.choice(SPOTS)
    if urgent:
        text = rng.choice(URGENT).format(place=place, spot=spot)
        return text[:24], text
    kw = rng.choice(item.keywords) if item.keywords else item.text[:6]
    text = rng.choice(TEMPLATES).format(place=place + spot, village=village, spot=spot, kw=kw,
                                        impact=rng.choice(IMPACTS), since=rng.choice(SINCE))
    title = f"{village}{spot}{kw}问题"
    return title, text
