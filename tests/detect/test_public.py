"""Signs that a text is already public lower its evidence: laws, news reports, past exam papers."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from scanner.config import Config
from scanner.detect.engine import DetectionEngine
from scanner.detect.public import PublicSigns, read_public_signs
from scanner.errors import ConfigError
from scanner.model import Document, Location, Segment
from scanner.resources import data_path

SIGNS = PublicSigns(read_public_signs(data_path("lexicons") / "public.toml"), today=dt.date(2026, 11, 29))

LAW = ("中华人民共和国某某法\n第一条 为了规范作战部署的管理，制定本法。\n第二条 国家建立统一的管理制度。\n"
       "第三条 有关部门应当依法履行职责。\n第四条 本法自2025年1月1日起施行。")
NEWS = ("新华社北京5月3日电（记者 王明）国防部新闻发言人今天表示，演习按计划进行。\n"
        "责任编辑：李华")
EXAM_PAST = "2023年全国高考数学试卷\n一、选择题（每小题5分）\n二、填空题\n三、解答题\n满分150分"
EXAM_FUTURE = "2027年全国高考数学试卷\n一、选择题（每小题5分）\n二、填空题\n三、解答题\n满分150分"
MEMO = "关于调整兵力部署的请示\n现将作战部署调整意见报告如下，请审批。"


@pytest.mark.parametrize(
    "text, ids",
    [
        (LAW, ["law"]),
        (NEWS, ["news"]),
        (EXAM_PAST, ["exam_past", "exam"]),
        (EXAM_FUTURE, ["exam"]),  # an exam not yet held is no public paper: only the weaker exam sign
        (MEMO, []),
        ("经审理查明，被告人于某日窃取财物。本院认为，被告人构成盗窃罪。依照《刑法》判决如下：", ["judgment"]),
        ("现将拟录用人员名单予以公示，公示期为5个工作日。", ["announcement"]),
        # Released already (past tense, an official body's date), not still to come.
        ("小邓：统计局今天上午发布了上半年数据，GDP同比增长5.0%", ["released"]),
        ("中国人民银行24日宣布，决定于27日下调存款准备金率。", ["released"]),
        ("名单拟于25日公布，公布前谁也别说。", []),
        ("考题还没公布，别问了。", []),
        ("决定下调存款准备金率0.5个百分点。\n（来源：中国人民银行网站）", ["official_source"]),
        ("近日，我校团队取得重要进展，相关成果以《基于66比特处理器的采样》为题发表于《物理评论快报》。",
         ["press_release"]),
        ("2024年某市国民经济和社会发展统计公报（节选）\n全年地区生产总值增长5.3%。", ["announcement"]),
    ],
)
def test_signs(text, ids):
    assert [s.id for s in SIGNS.find(text)] == ids


def test_a_public_sign_lowers_the_score_and_says_so():
    engine = DetectionEngine(Config())
    law = engine.detect(Document([Segment(LAW, Location(line=1))]))
    memo = engine.detect(Document([Segment("内部掌握：" + LAW.splitlines()[1], Location(line=1))]))
    assert memo.categories["defense"] > law.categories["defense"] > 0
    assert "defense" not in law.labels
    assert [p["id"] for p in law.public] == ["law"]
    assert law.evidence["defense"]["public_factor"] == pytest.approx(0.1)
    assert "已公开迹象" in law.evidence["defense"]["why"]


def test_a_bad_pattern_names_the_file(tmp_path: Path):
    path = tmp_path / "public.toml"
    path.write_text('[[sign]]\nid = "x"\nname = "x"\nfactor = 0.5\ncount = ["(unclosed"]\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="public.toml"):
        read_public_signs(path)


def test_a_factor_out_of_range_is_refused(tmp_path: Path):
    path = tmp_path / "public.toml"
    path.write_text('[[sign]]\nid = "x"\nname = "x"\nfactor = 2\ncount = ["a"]\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="factor"):
        read_public_signs(path)
