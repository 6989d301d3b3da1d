"""Texts for the fingerprint tests, written for them in the manner of real documents."""

from __future__ import annotations

from pathlib import Path

from scanner.fingerprint.keyed import create_key

# Registered: passages written for these tests in the manner of a classified report.
SECRET = (
    "关于东海方向联合演训保障方案的报告。经研究，拟于第三季度在舟山以东海域组织联合保障演练，"
    "参演兵力包括驱逐舰两艘、综合补给舰一艘及岸基保障分队三个，演练期间实行无线电静默，"
    "各保障分队于七月十二日前完成油料、弹药和器材的前送，补给航线经过预定的三号和五号锚地，"
    "指挥所开设在定海基地地下二层，通信保障由信息保障大队负责，备用频率按附表执行。"
    "演练结束后十五日内，各单位须将保障数据汇总上报联合保障部，不得通过互联网传输。"
)
SECOND = (
    "新型复合材料研制项目阶段总结。课题组在第二阶段完成了耐高温树脂基体的配方优化，"
    "固化温度由一百八十度降至一百五十五度，层间剪切强度提高百分之二十三，样件已通过三百小时湿热老化试验，"
    "下一阶段将在南京试验线开展工程化验证，预计明年四月完成首批构件的试制与交付。"
)
ORDINARY = (
    "关于做好春节期间安全生产工作的通知。各部门要高度重视节日期间的安全生产工作，认真组织开展安全检查，"
    "及时排查消除各类隐患，严格落实值班制度，确保节日期间各项工作平稳有序。"
)


def other_key(tmp_path: Path) -> Path:
    path = tmp_path / "other.key"
    create_key(path)
    return path
