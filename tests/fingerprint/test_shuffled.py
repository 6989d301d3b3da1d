"""A copy whose lines and sentences were shuffled, laid out in a real PDF: its pieces hold one
fingerprint each, on different diagonals, and still make a passage of the registered document."""

from __future__ import annotations

import io
from pathlib import Path

from scanner.detect.engine import DetectionEngine
from scanner.fingerprint.match import scattered
from scanner.fingerprint.register import Registrar, open_for_register
from scanner.pipeline import scan_tree

ROOT = Path(__file__).resolve().parents[2]
# A real exam paper with its answers, its lines wrapped by hand every 30-odd characters.
REGISTERED = ROOT / "benchmarks" / "precision" / "files" / "ordinary" / "exam" / "gaokao_003_2018.txt"
# 200 characters of it cut at every line break, 。 and ；, the pieces shuffled (the longest keeps 31
# content characters, one fingerprint), between two unrelated abstracts.
SHUFFLED = [
    "自行处理军务”、“俘杀淮西节度使吴元济。",
    "（2）本小问的共同之处，依据材料，结合唐太宗和唐宪宗的功绩可知，共同之",
    "灵活调整征讨策略；",
    "（1）开源节流，增加朝廷财政收入；",
    "加强中央集权；",
    "故答案为：",
    "迫于此战之威，原割据的藩镇主",
    "态度坚决、重用主张加强中央集权的官员；",
    "努力实现政治稳定、经济发展。",
    "加强中央集权；",
    "努力实现政治稳定、经济发展。",
    "（2）维护国家统一；",
    "动投附，一些藩镇被分割裁减”等信息概括即可。",
    "【解析】本题考查中国古代的历史人物。",
    "考查唐宪宗平",
    "处是维护国家统一；",
    "官监军制度，将帅",
    "剿、抚并用。",
]
BEFORE = ("在西部大开发中,陕西应当把加快信息产业的发展作为经济振兴的\"领头羊\".陕西信息产业的发展具有得天独厚的"
          "优越条件,同时又受经济发展水平低下、资金短缺、经济结构不合理、信息观念较为落后等因素的制约.在这种情况下,"
          "要发展信息产业,就需要各方面的配合和支持,以形成完善的支持系统.将一种改进的遗传算法运用于圆柱共形微带天线"
          "阵列的方向图综合.把")
AFTER = ("共形阵列等效为沿轴向方向若干个圆环阵单元组成的线阵,计算其方向图函数.将改进的遗传算法运用于阵列的方向图"
         "综合.该算法采用简单灵活的十进制编码并结合多种交叉算子、非均匀变异算子和综合选择算子对遗传参数进行了一些改进."
         "仿真结果表明,该算法能有效地实现圆柱共形微带天线阵列的方向图综合,与基本遗传算法相比改进的算法具有更好的寻优"
         "能力和收敛性.")


def as_pdf(text: str) -> bytes:
    """The text drawn by reportlab, 40 characters a line, as benchmarks/fingerprint_bench.py does."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    if "STSong-Light" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    out = io.BytesIO()
    pdf = canvas.Canvas(out, invariant=1)
    pdf.setFont("STSong-Light", 11)
    y = 800
    for para in text.split("\n"):
        for i in range(0, max(1, len(para)), 40):
            pdf.drawString(40, y, para[i:i + 40])
            y -= 16
    pdf.showPage()
    pdf.save()
    return out.getvalue()


def test_shuffled_lines_of_a_registered_passage_in_a_pdf_are_blocked(registered):
    config, _ = registered
    index, key, _ = open_for_register(config)
    doc_id = Registrar(index, key).add_text(REGISTERED.read_text(encoding="utf-8"), title="高考试卷", level="机密")
    index.commit()
    index.close()
    data = as_pdf("\n".join([BEFORE, *SHUFFLED, AFTER]))
    assert data.startswith(b"%PDF")
    tree = scan_tree(data, path="out.pdf", config=config, engine=DetectionEngine(config))
    assert tree[0].verdict == "block"
    (reason,) = [r for r in tree[0].reasons if r.code == "fingerprint.match"]
    assert "高考试卷" in reason.message
    (match,) = [m for m in tree[0].detection.fingerprints if m["id"] == doc_id]
    assert match["chars"] >= 50  # five pieces of 11 characters or more
    assert all(p["text"] for p in match["passages"])


def pieces(*where: tuple[int, int, int]) -> tuple[list, dict]:
    """Chains of one hit each: (item position, registered position, fingerprint)."""
    return [([i], [d]) for i, d, _ in where], {(i, d): h for i, d, h in where}


def test_three_different_fingerprints_near_each_other_on_both_sides_are_a_shuffled_passage():
    assert scattered(*pieces((0, 120, 1), (40, 10, 2), (90, 60, 3)))


def test_pieces_far_apart_in_the_registered_document_are_not_a_passage():
    assert not scattered(*pieces((0, 100, 1), (40, 900, 2), (90, 2000, 3)))
    assert not scattered(*pieces((0, 100, 1), (400, 150, 2), (900, 60, 3)))


def test_a_phrase_repeated_is_one_fingerprint_however_many_chains_it_makes():
    # 务院银行业监督管理机构, twice in the item and twice in a registered law: four chains, one phrase.
    assert not scattered(*pieces((42, 34, 7), (42, 60, 7), (147, 34, 7), (147, 60, 7)))
    assert not scattered(*pieces((50, 27, 7), (50, 104, 7), (60, 171, 7), (69, 36, 8)))
