"""Make the sample outbox (samples/outbox) with the real libraries: python-docx and reportlab.

Run `python samples/make_samples.py` (or `--out DIR`). The output is deterministic: fixed
document properties, fixed zip timestamps, and reportlab's invariant mode, so re-running
gives the same bytes. samples/README.md lists the verdict each file should get.

The texts below are fictitious; the defence brief is written to be flagged, the plan to be
blocked by its marking, the signed memo to be blocked by the marking on its scanned picture (read
by OCR; the picture is drawn with Debian's fonts-wqy-zenhei), and the others to pass.
"""

from __future__ import annotations

import argparse
import io
import sys
import zipfile
from datetime import datetime
from pathlib import Path

import docx
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer

DEFAULT_OUT = Path(__file__).resolve().parent / "outbox"

# Every timestamp the libraries write is pinned to this moment.
FIXED_TIME = datetime(2025, 6, 30, 9, 0, 0)
ZIP_TIME = (2025, 6, 30, 9, 0, 0)
AUTHOR = "示例 (sample)"

CID_FONT = "STSong-Light"

# --- texts ---------------------------------------------------------------------------

TRIP_TITLE = "关于赴荷兰鹿特丹参加第十二届国际城市水管理大会的出差报告"
TRIP_BODY = [
    "一、基本情况",
    "经局领导批准，我处张明、李华两位同志于2025年5月12日至5月18日赴荷兰鹿特丹参加第十二届"
    "国际城市水管理大会。大会由国际水协会主办，来自四十余个国家和地区的约一千二百名代表参会，"
    "围绕“韧性城市与海绵城市建设”主题进行了为期四天的学术交流。",
    "二、参会情况",
    "大会设主旨报告、分组讨论和现场考察三个环节。我处同志在“城市内涝治理”分会场作了题为"
    "《南方多雨城市排水管网改造的实践与体会》的口头报告，报告内容取自我处已在国内期刊公开发表的"
    "论文。与会代表就管网清淤周期、雨污分流改造的投入与效果等问题进行了提问和讨论，交流气氛良好。",
    "会议期间，我处同志还参加了“绿色基础设施”和“城市供水漏损控制”两个分会场的讨论，"
    "收集了大会公开发放的论文集和会议手册，并与三所高校的学者交换了名片，约定今后通过公开渠道"
    "交流学术论文。",
    "三、主要收获",
    "（一）鹿特丹的“水广场”把公共活动空间与雨水调蓄结合起来：晴天是运动场和休闲广场，"
    "暴雨时临时蓄水，雨后再缓慢排入管网。这一做法占地少、公众接受度高，对我市老城区改造有借鉴意义。",
    "（二）多个城市介绍了利用在线监测和模型模拟辅助管网日常运行的经验，强调监测设备的维护"
    "和人员培训同样重要，设备投入之后更要有稳定的运维队伍。",
    "（三）与会专家普遍认为，海绵城市建设要与城市更新同步推进，在道路改造、公园建设中"
    "一并考虑雨水的下渗、滞蓄和净化，避免重复开挖。",
    "四、下一步建议",
    "一是结合我市排水防涝三年行动，选择一至两个老旧小区试点建设小型雨水调蓄设施；"
    "二是加强与国内高校的合作，组织一次城市排水新技术学术沙龙，邀请参会同志分享见闻；"
    "三是将本次会议的公开资料整理成册，供处内同志学习参考。",
    "本次出访严格按照批准的日程和人员执行，未发生变更行程的情况。会议期间所作报告和交流内容"
    "均为已公开的学术资料。",
    "特此报告。",
]
TRIP_SIGNATURE = ["城市排水管理处", "2025年5月26日"]
TRIP_SCHEDULE = [
    ("日期", "地点", "内容"),
    ("5月12日", "北京—阿姆斯特丹", "乘机前往，转乘火车抵达鹿特丹"),
    ("5月13日", "鹿特丹会展中心", "大会开幕式、主旨报告"),
    ("5月14日", "鹿特丹会展中心", "“城市内涝治理”分会场，作口头报告"),
    ("5月15日", "鹿特丹会展中心", "“绿色基础设施”分会场、海报交流"),
    ("5月16日", "鹿特丹市区", "现场考察水广场和屋顶绿化项目"),
    ("5月17日至18日", "阿姆斯特丹—北京", "返程"),
]
TRIP_HEADER = "市水务局城市排水管理处"
TRIP_FOOTER = "出差报告（国际城市水管理大会） 2025年5月"

PLAN_HEAD = ["000012", "机密★10年", "特急"]
PLAN_ISSUER = "市防汛抗旱指挥部办公室文件"
PLAN_NUMBER = "市防汛办〔2025〕17号"
PLAN_TITLE = "关于2025年主汛期城区排涝应急物资调配的工作方案"
PLAN_BODY = [
    "各区防汛抗旱指挥部，市有关单位：",
    "为做好2025年主汛期城区排涝应急保障工作，确保强降雨期间应急物资调得出、用得上，"
    "结合我市实际，制定本方案。",
    "一、工作目标",
    "汛期内城区主要易涝点位在接到调令后两小时内完成抽排设备和物资到位，"
    "各区储备库物资完好率保持在百分之九十五以上。",
    "二、物资储备与调配",
    "市级储备库集中存放大功率移动泵车、挡水板、沙袋和应急照明设备，各区储备库存放常用物资。"
    "调配实行“就近调用、先区后市”的原则，跨区调用由市防汛办统一下达调令。",
    "三、职责分工",
    "市防汛办负责统筹调度；市水务局负责排水设施运行和抽排作业；市应急管理局负责物资储备和补充；"
    "各区负责本辖区易涝点位的值守和先期处置。",
    "四、工作要求",
    "各单位要于6月15日前完成物资清点和设备试运行，建立调配台账，汛期实行每日报告制度。",
]
PLAN_SIGNATURE = ["市防汛抗旱指挥部办公室", "2025年6月5日"]

DEFENSE_TITLE = "关于某部年度跨区联合演习准备情况的简报"
DEFENSE_PAGES = [
    [
        "一、总体情况",
        "根据年度军事训练计划，某部拟于第三季度组织跨区联合演习，重点检验远程机动、"
        "联合作战指挥和综合保障能力。目前作战方案已经上级审定，各参演单位正在按方案完成准备工作。",
        "二、兵力部署",
        "演习兵力部署分为前出、机动和预备三个梯队。前出梯队在演习开始前五日完成兵力调动，"
        "进入指定集结地域；机动梯队依托铁路和公路输送，按计划分批次到达。"
        "兵力部署调整情况由演习导调组每日汇总上报。",
        "演习期间，指挥所开设于集结地域以北的山区，设基本指挥所和前进指挥所各一个，"
        "作战指挥通信按三条链路备份。",
    ],
    [
        "三、武器装备保障",
        "参演武器装备已完成出库检查，主要装备性能状态良好。导弹阵地的选址和伪装工作由工程保障分队负责，"
        "发射阵地按照一主两备的原则设置，预警雷达提前进入战备值班状态。",
        "装备保障组对参演武器装备实行逐台建档，演习结束后统一组织技术检查和归库。",
        "四、下一步工作",
        "一是按照作战方案组织两次指挥所推演；二是完成兵力调动路线的实地勘察；"
        "三是组织武器装备操作人员集中复训，确保演习顺利实施。",
    ],
]

NOTICE_GBK = """关于组织参加外语培训的通知

各处室、各直属单位：

为提高干部职工的外语水平，更好地参加国际学术会议和专业交流，经研究，决定举办2025年下半年英语培训班。现将有关事项通知如下：

一、培训对象
各处室、各直属单位从事专业技术工作、需要阅读外文文献或参加国际会议的在职人员，每个单位推荐二至三人。

二、培训时间和地点
2025年9月1日至11月28日，每周二、周四下午14:30至17:00，地点在局机关三楼培训教室。

三、培训内容
英语听说、专业文献阅读、学术写作和会议交流常用表达。培训由外国语学院教师授课，结业时组织考核，考核合格者颁发结业证书。

四、报名方式
请各单位于8月15日前将报名表报送人事处，联系人：王芳，电话：010-12345678。

五、其他事项
培训期间原则上不得请假。培训费用由局统一支付，参训人员往返交通自理。

附件：外语培训报名表

人事处
2025年7月20日
"""

# --- helpers -------------------------------------------------------------------------


def stable_zip(data: bytes) -> bytes:
    """Rewrite a zip with fixed timestamps and member order, so the bytes do not depend on the clock."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


def new_docx(title: str) -> docx.document.Document:
    document = docx.Document()
    props = document.core_properties
    props.title = title
    props.author = AUTHOR
    props.last_modified_by = AUTHOR
    props.created = FIXED_TIME
    props.modified = FIXED_TIME
    props.last_printed = FIXED_TIME
    props.revision = 1
    style = document.styles["Normal"]
    style.font.size = Pt(12)
    style.font.name = "SimSun"
    return document


def save_docx(document, path: Path) -> None:
    buf = io.BytesIO()
    document.save(buf)
    path.write_bytes(stable_zip(buf.getvalue()))


def centred(document, text: str, size: int = 16, bold: bool = True) -> None:
    para = document.add_paragraph()
    para.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = para.add_run(text)
    run.bold = bold
    run.font.size = Pt(size)


def right_aligned(document, lines: list[str]) -> None:
    for line in lines:
        document.add_paragraph(line).alignment = WD_ALIGN_PARAGRAPH.RIGHT


# --- samples -------------------------------------------------------------------------


def trip_report(path: Path) -> None:
    """A clean trip report: title, paragraphs, a schedule table, header and footer."""
    document = new_docx(TRIP_TITLE)
    section = document.sections[0]
    section.header.paragraphs[0].text = TRIP_HEADER
    section.footer.paragraphs[0].text = TRIP_FOOTER
    centred(document, TRIP_TITLE)
    for text in TRIP_BODY[:4]:
        document.add_paragraph(text)
    document.add_paragraph("附：行程安排")
    table = document.add_table(rows=len(TRIP_SCHEDULE), cols=3)
    table.style = "Table Grid"
    for row, values in zip(table.rows, TRIP_SCHEDULE):
        for cell, value in zip(row.cells, values):
            cell.text = value
    for text in TRIP_BODY[4:]:
        document.add_paragraph(text)
    right_aligned(document, TRIP_SIGNATURE)
    save_docx(document, path)


def plan_marked(path: Path) -> None:
    """A plan laid out as in GB/T 9704-2012: copy number, marking and urgency at the top left."""
    document = new_docx(PLAN_TITLE)
    for line in PLAN_HEAD:
        document.add_paragraph(line)
    centred(document, PLAN_ISSUER, size=22)
    centred(document, PLAN_NUMBER, size=12, bold=False)
    centred(document, PLAN_TITLE, size=18)
    for text in PLAN_BODY:
        document.add_paragraph(text)
    right_aligned(document, PLAN_SIGNATURE)
    save_docx(document, path)


def pdf_bytes(title: str, pages: list[list[str]]) -> bytes:
    """A PDF in reportlab's invariant mode (fixed dates and id), Chinese set in STSong-Light."""
    if CID_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(CID_FONT))
    heading = ParagraphStyle("heading", fontName=CID_FONT, fontSize=16, leading=24, alignment=1,
                             spaceAfter=12, wordWrap="CJK")
    body = ParagraphStyle("body", fontName=CID_FONT, fontSize=12, leading=20, firstLineIndent=24,
                          spaceAfter=6, wordWrap="CJK")
    story = [Paragraph(title, heading)]
    for number, paragraphs in enumerate(pages):
        if number:
            story.append(PageBreak())
        for text in paragraphs:
            story.append(Paragraph(text, body))
            story.append(Spacer(1, 2 * mm))
    buf = io.BytesIO()
    SimpleDocTemplate(buf, pagesize=A4, invariant=1, title=title, author=AUTHOR, creator="make_samples.py",
                      leftMargin=28 * mm, rightMargin=26 * mm, topMargin=37 * mm, bottomMargin=35 * mm,
                      ).build(story)
    return buf.getvalue()


def defense_brief(path: Path) -> None:
    """Two pages on an exercise, unmarked, written with the defence terms a reviewer must see."""
    path.write_bytes(pdf_bytes(DEFENSE_TITLE, DEFENSE_PAGES))


def notice_gbk(path: Path) -> None:
    data = NOTICE_GBK.replace("\n", "\r\n").encode("gbk")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:  # the point of this sample is bytes a UTF-8 decoder rejects
        raise AssertionError("GBK sample unexpectedly decodes as UTF-8")
    path.write_bytes(data)


STAMP_FONT = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"  # Debian's fonts-wqy-zenhei
STAMP_LINES = ["机密★5年", "同意按此口径对外答复。"]


def stamp_picture() -> bytes:
    """A scanned sign-off slip: the marking exists only as pixels (Pillow, the WenQuanYi font)."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(STAMP_FONT, 40)
    image = Image.new("RGB", (720, 60 + 70 * len(STAMP_LINES)), "white")
    draw = ImageDraw.Draw(image)
    for number, line in enumerate(STAMP_LINES):
        draw.text((40, 30 + 70 * number), line, font=font, fill=(150, 0, 0) if number == 0 else "black")
    out = io.BytesIO()
    image.save(out, "PNG", optimize=False)
    return out.getvalue()


def signed_memo(path: Path) -> None:
    """A memo whose text is harmless; the secrecy marking is on the scanned sign-off slip pasted into it."""
    from docx.shared import Mm

    document = new_docx("签批单")
    centred(document, "关于外方来访接待口径的签批单")
    document.add_paragraph("附签批页扫描件如下。")
    document.add_picture(io.BytesIO(stamp_picture()), width=Mm(120))
    save_docx(document, path)


def empty(path: Path) -> None:
    path.write_bytes(b"")


def broken_pdf(path: Path) -> None:
    """A real PDF cut off after its first 300 bytes, as a failed transfer leaves it."""
    whole = pdf_bytes("会议纪要", [["本文件在传输中被截断。"]])
    path.write_bytes(whole[:300])


SAMPLES = {
    "trip_report.docx": trip_report,
    "plan_marked.docx": plan_marked,
    "defense_brief.pdf": defense_brief,
    "notice_gbk.txt": notice_gbk,
    "empty.txt": empty,
    "broken.pdf": broken_pdf,
    "signed_memo.docx": signed_memo,
}


def make_samples(out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, make in SAMPLES.items():
        make(out / name)
        written.append(out / name)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="生成样例文件 / make the sample files")
    parser.add_argument("--out", metavar="DIR", type=Path, default=DEFAULT_OUT,
                        help=f"输出目录 / output folder (default: {DEFAULT_OUT})")
    args = parser.parse_args(argv)
    for path in make_samples(args.out):
        print(f"{path}  {path.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
