"""A mixed corpus made by the real libraries, and helpers to compare a clustered scan with a local one."""

from __future__ import annotations

import os
import random

import pytest

from cluster_helpers import CONFIG, MARK, dense_page


@pytest.fixture
def mixed_corpus(tmp_path, make_docx, make_pdf, make_xlsx, make_pptx, make_zip, make_eml, make_7z, make_msg,
                 encrypt_zip, make_ofd):
    """Every format, archives (nested), an encrypted zip, a hostile picture that kills its reader, a file
    over scan.max_file_size, a zip over scan.max_members, an empty file, noise and a dangling link."""
    root = tmp_path / "corpus"
    (root / "sub" / "deeper").mkdir(parents=True)
    marked = make_docx([MARK, "关于联合演习兵力部署的通知", "请各单位按作战方案执行。"])
    files = {
        "a_plan.docx": marked,
        "b_notice.docx": make_docx(["关于春节放假安排的通知", "各部门：春节放假七天。"]),
        "c_report.pdf": make_pdf([["关于导弹阵地预警雷达的报告", "指挥所战备值班安排"], ["第二页 普通内容"]]),
        "d_sheet.xlsx": make_xlsx({"预算": {"A1": "项目", "B1": "金额", "A2": "秘密★5年", "B2": 100}}),
        "e_slides.pptx": make_pptx([("年度总结", "城市供水管网改造工程", "备注：无")]),
        "f_mail.eml": make_eml("会议通知", "请查收附件。", attachments=[("plan.docx", marked)]),
        "g_bundle.zip": make_zip({"inner.txt": f"{MARK}\n会议纪要\n", "ok.docx": make_docx(["普通通知"]),
                                  "nested.zip": make_zip({"deep.txt": "普通内容\n"})}),
        "h_archive.7z": make_7z({"note.txt": "关于武器装备采购的说明\n".encode(), "plain.txt": b"hello\n"}),
        "i_locked.zip": encrypt_zip({"secret.txt": f"{MARK}\n".encode()}),
        "j_gbk.txt": "关于召开工作会议的通知\n秘密★长期\n".encode("gbk"),
        "k_page.html": "<html><head><meta charset='utf-8'></head><body><p>绝密★30年</p><p>外交谈判底线</p>"
                       "</body></html>".encode(),
        "l_mail.msg": make_msg("周报", "本周工作正常。", attachments=[("a.txt", "作战部署调整\n".encode())]),
        "m_doc.ofd": make_ofd([["关于年度计划的通知", "普通内容"]]),
        "n_empty.txt": b"",
        "o_noise.bin": random.Random(3).randbytes(3000),
        "q_big.txt": ("普通文字。" * 200_000).encode(),  # 3 MB: over scan.max_file_size
        "r_many.zip": make_zip({f"m{i:02d}.txt": f"成员{i}\n" for i in range(30)}),  # over scan.max_members
        "sub/s_utf8.txt": "兵力部署和作战方案见附件。\n".encode(),
        "sub/deeper/t_plain.txt": "今天天气很好。\n".encode(),
    }
    for name, data in files.items():
        (root / name).write_bytes(data)
    dense_page(root / "p_hostile.png")
    os.symlink(root / "missing-target", root / "u_dangling")
    config = tmp_path / "cluster.toml"
    config.write_text(CONFIG, encoding="utf-8")
    return root, config
