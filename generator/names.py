"""Plausible Chinese names drawn from syllable lists: townships, places, people, plates.

Every function takes the generator's `random.Random` and draws in a fixed order, so a seed
always gives the same names. Nothing here names a real county or city.
"""

from __future__ import annotations

import random

DIRECTIONS = ["东城", "西城", "南城", "北城", "城东", "城西", "城南", "城北", "城中", "新城"]
GOOD_WORDS = [
    "和平", "新华", "解放", "朝阳", "建设", "长安", "文化", "胜利", "光明", "幸福", "团结", "友谊",
    "东风", "红旗", "前进", "民主", "振兴", "兴华", "永安", "安定", "太平", "新民", "人民", "中山",
    "滨河", "湖滨", "站前", "府前", "学府", "花园", "公园", "龙华", "凤凰", "锦绣", "丰泽", "康乐",
    "金桥", "银河", "天宁", "广济", "清源", "春华", "秋实", "翠微", "文昌", "兴隆", "富民", "新安",
]
FIRST = list("柳杨石白黄青马张李王高龙凤金桃梨松竹梅杏桑槐榆枣荷兰红绿双三五七九大小上下"
             "前后新老沙泉溪云安宁平丰富长永兴太万福寿吉庆义仁和顺")
SECOND_PLAIN = list("河庄桥湾店集寨村营屯埠渡塘坝岗铺口楼家垣洼泊港圩堡")
SECOND_HILL = list("岭峪坪山沟崖峰岩坳台川源")
SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余"
                "于杜叶程魏苏吕丁任卢姚沈钟姜崔谭陆范汪廖石金贾夏韦付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺毛郝顾龚邵万覃武钱戴严莫孔向常汤康易乔")
GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红梅鹏辉建国文斌宇浩凯婷雪琳"
             "晨欣怡佳慧颖俊峰亮波宁海燕丹志新春林云飞鑫瑞博涵子轩梓萱诗雨欢思远东晓彤")
PHONE_PREFIXES = ["133", "135", "136", "137", "138", "139", "150", "151", "152", "153", "155",
                  "158", "159", "177", "180", "181", "186", "187", "188", "189", "199"]
PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXY"


def unique(draw, taken: set[str], tries: int = 200) -> str:
    """Draw until a name not yet taken comes up (then add a numeral as a last resort)."""
    for _ in range(tries):
        name = draw()
        if name not in taken:
            taken.add(name)
            return name
    k = 2
    while f"{name}{k}" in taken:
        k += 1
    taken.add(f"{name}{k}")
    return f"{name}{k}"


def place_stem(rng: random.Random, hill: bool = False) -> str:
    """A two-character place stem such as 柳河 or 石岭."""
    return rng.choice(FIRST) + rng.choice(SECOND_HILL if hill else SECOND_PLAIN)


def township_names(kinds: list[tuple[str, bool]], rng: random.Random, county: bool) -> list[str]:
    """Names for townships given (terrain, large) in order; the first urban one of a county is 城关镇.

    Urban townships are 街道 (east town, 和平 …); rural ones 镇 if large else 乡; mountain 乡.
    """
    taken: set[str] = set()
    directions = list(DIRECTIONS)
    words = list(GOOD_WORDS)
    rng.shuffle(words)
    out = []
    for terrain, large in kinds:
        if terrain == "urban":
            if county and "城关镇" not in taken:
                taken.add("城关镇")
                out.append("城关镇")
                continue
            if county and directions:
                name = directions.pop(0) + "街道"
                taken.add(name)
                out.append(name)
                continue
            out.append(unique(lambda: (words.pop() if words else place_stem(rng)) + "街道", taken))
        elif terrain == "rural":
            out.append(unique(lambda: place_stem(rng) + ("镇" if large else "乡"), taken))
        else:
            out.append(unique(lambda: place_stem(rng, hill=True) + "乡", taken))
    return out


def person(rng: random.Random) -> str:
    given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
    return rng.choice(SURNAMES) + given


def phone(rng: random.Random) -> str:
    return rng.choice(PHONE_PREFIXES) + f"{rng.randrange(10 ** 8):08d}"


def plate(rng: random.Random, province: str, city_letter: str) -> str:
    tail = "".join(rng.choice("0123456789" + PLATE_LETTERS) if k == 1 else rng.choice("0123456789")
                   for k in range(5))
    return f"{province}{city_letter}·{tail}"


CN_NUMERALS = "零一二三四五六七八九十"


def ordinal(k: int) -> str:
    """Chinese numeral for 1..99: 第一, 第十二 …"""
    if k <= 10:
        return CN_NUMERALS[k]
    tens, ones = divmod(k, 10)
    return ("" if tens == 1 else CN_NUMERALS[tens]) + "十" + (CN_NUMERALS[ones] if ones else "")


SITE_PLACES = {
    "fixed": ["第{n}小学", "第{n}中学", "社区卫生服务中心", "卫生院", "人民医院门诊楼", "第{n}幼儿园", "便民服务中心"],
    "convenience": ["{stem}社区", "{stem}小区", "{stem}超市", "农贸市场", "村委会", "党群服务中心"],
    "mobile": ["流动采样车{n}号"],
    "temporary": ["文化广场", "体育馆", "{stem}停车场", "{stem}公园", "汽车站广场", "影剧院"],
}


def site_name(rng: random.Random, town: str, kind: str, counters: dict, taken: set[str]) -> str:
    """e.g. 城关镇第一小学采样点, 柳河乡卫生院采样点, 东城街道流动采样车2号采样点."""
    def draw() -> str:
        pattern = rng.choice(SITE_PLACES[kind])
        key = (town, kind, pattern)
        counters[key] = counters.get(key, 0) + 1
        n = counters[key]
        place = pattern.format(n=ordinal(n) if "第" in pattern else n, stem=rng.choice(GOOD_WORDS))
        return f"{town}{place}采样点"
    return unique(draw, taken)
