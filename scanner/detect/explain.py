"""What the officer reads about a class score: which tier of evidence fired, near what, and why."""

from __future__ import annotations

from scanner.detect.evidence import ClassEvidence, TermEvidence

_MAX_TERMS = 6


def _terms(rows: list[TermEvidence], lang: str) -> str:
    parts = []
    for row in sorted(rows, key=lambda r: -r.value)[:_MAX_TERMS]:
        bit = row.term + (f"×{row.count}" if row.count > 1 else "")
        if row.context:
            near = "、".join(f"“{w}”" for w in row.context) if lang == "zh" else ", ".join(f"'{w}'" for w in row.context)
            bit += f"（附近：{near}）" if lang == "zh" else f" (near {near})"
        parts.append(bit)
    return ("、" if lang == "zh" else ", ").join(parts)


def explain(ev: ClassEvidence, classifier: float, classifier_factor: float, public: list, lang: str,
            topic: float = 0.0, short: float = 0.0, model: dict | None = None) -> str:
    """One sentence per tier: strong terms, weak terms (raised by context or beside strong ones),
    handling instructions and concrete details, the public signs that lowered the score, and the
    topic classifier's share."""
    zh = lang == "zh"
    bits = []
    if ev.handling:
        said = "、".join(f"“{h}”" for h in ev.handling[:3]) if zh else ", ".join(f"'{h}'" for h in ev.handling[:3])
        bits.append(("处置要求（保密语境）：" if zh else "handling instruction (secrecy context): ") + said)
    strong = [t for t in ev.strong if t.value > 0]
    weak = ev.weak
    if strong:
        bits.append(("强证据（可单独构成敏感）：" if zh else "strong evidence (enough alone): ") + _terms(strong, lang))
    raised = [t for t in weak if not strong]
    if raised:
        bits.append(("弱证据（因保密语境或具体细节而计入）：" if zh else
                     "weak evidence (counted for the secrecy context or concrete details): ") + _terms(raised, lang))
    elif weak:
        bits.append(("佐证的弱证据：" if zh else "supporting weak evidence: ") + _terms(weak, lang))
    if ev.specifics:
        bits.append((f"具体细节 {ev.specifics} 处（数字、日期、代号等）" if zh else
                     f"{ev.specifics} concrete details (numbers, dates, code names)"))
    if short > 0:
        bits.append(("短文本中处置要求与具体细节并存，计为证据（类别取主题模型最可能的一类）" if zh else
                     "a short text with a handling instruction beside concrete details counts as evidence "
                     "(class: the topic model's best guess)"))
    if model and model.get("handled"):
        bits.append((f"短文本中有处置要求，敏感性模型也认为此段可能是未公开的具体内容（把握 {model['p']:.2f}），请核对原文"
                     if zh else
                     f"a short text with a handling instruction, which the sensitivity model also reads as a possibly "
                     f"unpublished fact ({model['p']:.2f}); check the text"))
    elif model:
        bits.append((f"敏感性模型判断此段像未公开的具体敏感内容（把握 {model['p']:.2f}），请核对原文" if zh else
                     f"the sensitivity model reads this passage as a concrete unpublished fact ({model['p']:.2f}); "
                     "check the text"))
    if topic > 0:
        bits.append((f"主题模型判定为本类（把握 {classifier:.2f}），在处置要求下计为弱证据" if zh else
                     f"the topic model names this class ({classifier:.2f}), counted as weak evidence under the "
                     "handling instruction"))
    if public:
        names = "、".join(f"{p['name']}（×{p['factor']:g}）" for p in public) if zh else \
            ", ".join(f"{p['name_en']} (×{p['factor']:g})" for p in public)
        bits.append(("已公开迹象降低了得分：" if zh else "signs of a public text lowered the score: ") + names)
    if classifier_factor > 1.0:
        bits.append((f"主题模型把握 {classifier:.2f}，得分乘以 {classifier_factor:.2f}" if zh else
                     f"topic model {classifier:.2f}, evidence ×{classifier_factor:.2f}"))
    return ("；" if zh else "; ").join(bits)


def evidence_record(ev: ClassEvidence, score: float, classifier: float, classifier_factor: float,
                    public: list, window: dict, topic: float = 0.0, short: float = 0.0,
                    model: dict | None = None) -> dict:
    """The JSON form of one class's evidence (the `evidence` field of the output contract)."""

    def rows(items):
        return [{"term": t.term, "count": t.count, "weight": t.weight, "factor": round(t.factor, 3),
                 "value": round(t.value, 3), "context": list(t.context)} for t in items]

    strong = any(t.value > 0 for t in ev.strong)
    lexical = strong or ev.weak or topic > 0 or short > 0
    return {
        "score": round(score, 4),
        # "model": the sensitivity model alone carried the class (no term, instruction or topic did).
        "tier": "strong" if strong else "weak" if lexical or not model else "model",
        "strong": rows([t for t in ev.strong if t.value > 0]),
        "weak": rows(ev.weak),
        "context": ev.context,
        "handling": list(ev.handling),
        "specifics": ev.specifics,
        "topic_evidence": round(topic, 3),
        "short_text_evidence": round(short, 3),
        "sensitivity": model,
        "public_factor": round(ev.public, 3),
        "classifier": round(classifier, 4),
        "classifier_factor": round(classifier_factor, 3),
        "window": window,
        "why": explain(ev, classifier, classifier_factor, public, "zh", topic, short, model),
        "why_en": explain(ev, classifier, classifier_factor, public, "en", topic, short, model),
    }
