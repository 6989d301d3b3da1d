"""Text in pictures, read by RapidOCR offline: images, scanned PDF pages, pictures inside documents.

OCR is slow (seconds per page on two cores), so every page runs under a time limit and images are
bounded in size; whatever is not read in time is reported as unread, and the item fails closed.
"""

from __future__ import annotations

import io
import logging
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import NamedTuple

from scanner.errors import ExtractionError, LimitExceededError
from scanner.extract import early
from scanner.extract import limits as item_limits
from scanner.extract.members import Place
from scanner.extract.registry import register
from scanner.model import Extraction, Segment

MIN_SCORE = 0.5  # RapidOCR's own default for keeping a line


@dataclass(frozen=True)
class OcrLimits:
    """Time per page, pixels per picture and pages per item; `[scan] ocr_*` in the config."""

    page_seconds: float = item_limits.OCR_PAGE_SECONDS
    max_pixels: int = item_limits.OCR_MAX_PIXELS
    max_pages: int = item_limits.OCR_MAX_PAGES

    @classmethod
    def configured(cls) -> "OcrLimits":
        """The OCR limits of the item being read (from the config through the pipeline)."""
        now = item_limits.current()
        return cls(now.ocr_page_seconds, now.ocr_max_pixels, now.ocr_max_pages)


LIMITS = OcrLimits()  # the defaults

# The models read by RapidOCR, shipped in models/ocr/ (PP-OCRv4 detection and recognition, the v2.0
# direction classifier; Apache-2.0, see models/ocr/MODEL_CARD.md): given as files, so RapidOCR never
# looks for (or downloads) a model of its own.
MODEL_FILES = {"Det": "ch_PP-OCRv4_det_infer.onnx", "Cls": "ch_ppocr_mobile_v2.0_cls_infer.onnx",
               "Rec": "ch_PP-OCRv4_rec_infer.onnx"}

_lock = threading.Lock()
_engine = None
_executor: ThreadPoolExecutor | None = None
_unavailable: str | None = None
_pid = 0
_threads = 0  # threads of the engine's inference (0: every core); see set_threads
_built_threads = -1


def cpu_count() -> int:
    """Cores this process may run on (its affinity, which a container or taskset narrows)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def auto_threads(readers: int) -> int:
    """The cores divided among the readers that may run OCR at once, at least one each."""
    return max(1, cpu_count() // max(1, readers))


def set_threads(threads: int) -> None:
    """Inference threads for this process's engine (`[scan] ocr_threads`; 0: every core); the engine is
    built again with them if it was built with others. With several readers each gets its share of the
    cores, as one engine on every core per reader only makes them wait for each other."""
    global _threads
    _threads = max(0, int(threads))


def model_paths() -> dict[str, str]:
    """The shipped model files by RapidOCR stage; FileNotFoundError when one is missing."""
    from scanner.resources import data_path

    folder = data_path("models") / "ocr"
    paths = {stage: folder / name for stage, name in MODEL_FILES.items()}
    for path in paths.values():
        if not path.is_file():
            raise FileNotFoundError(f"OCR model missing: {path}")
    return {stage: str(path) for stage, path in paths.items()}


def build_engine(threads: int = 0, settings: dict | None = None, spinning: bool = False):
    """A RapidOCR engine on the shipped models, with `threads` inference threads (0: onnxruntime's choice);
    `settings` (RapidOCR parameter names) and `spinning` are for benchmarks/ocr_bench.py."""
    from rapidocr import EngineType, ModelType, OCRVersion, RapidOCR

    params = {"Global.log_level": "error", "Global.text_score": MIN_SCORE,
              "EngineConfig.onnxruntime.intra_op_num_threads": threads or -1,
              "EngineConfig.onnxruntime.inter_op_num_threads": 1 if threads else -1}
    for stage, path in model_paths().items():
        params[f"{stage}.model_path"] = path
        params[f"{stage}.engine_type"] = EngineType.ONNXRUNTIME
    for stage in ("Det", "Rec"):
        params[f"{stage}.ocr_version"] = OCRVersion.PPOCRV4
        params[f"{stage}.model_type"] = ModelType.MOBILE
    params.update(settings or {})
    logging.getLogger("RapidOCR").setLevel(logging.ERROR)
    engine = RapidOCR(params=params)
    _give_sessions(engine, threads, spinning)
    return engine


def _give_sessions(engine, threads: int, spinning: bool) -> None:
    """Hand each stage an onnxruntime session made here (RapidOCR takes a ready session from its stage's
    `session` setting), the same as RapidOCR would make, except that idle inference threads sleep: by
    default they spin between the many small operators, which cost 2-thread OCR about a quarter more CPU
    per picture and took that CPU from the other readers and the detection (benchmarks/ocr_bench.py)."""
    import onnxruntime as ort
    from omegaconf import flag_override

    onnx = engine.cfg.EngineConfig.onnxruntime
    for stage, path in model_paths().items():
        options = ort.SessionOptions()
        options.log_severity_level = 4
        options.enable_cpu_mem_arena = bool(onnx.enable_cpu_mem_arena)
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        if threads:
            options.intra_op_num_threads = threads
            options.inter_op_num_threads = 1
        options.add_session_config_entry("session.intra_op.allow_spinning", "1" if spinning else "0")
        session = ort.InferenceSession(path, sess_options=options, providers=["CPUExecutionProvider"])
        with flag_override(engine.cfg[stage], "allow_objects", True):  # a session is no plain config value
            engine.cfg[stage].session = session


def _load():
    """The RapidOCR engine, loaded once per process (about a second), or None with the reason kept."""
    global _engine, _executor, _unavailable, _pid, _built_threads
    with _lock:
        if _pid != os.getpid():
            # A forked worker (scan --jobs) inherits the engine but not the executor's thread: start afresh.
            _engine, _executor, _pid = None, None, os.getpid()
        if _engine is not None and _built_threads != _threads:
            _engine = None  # built for another share of the cores
        if _engine is None and _unavailable is None:
            try:
                _engine = build_engine(_threads)
                _built_threads = _threads
                if _executor is None:
                    # One worker: a page that runs past its time is abandoned to it, never run twice at once.
                    _executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mijian-ocr")
            except Exception as exc:  # not installed, or its models or runtime missing
                _unavailable = f"{type(exc).__name__}: {exc}"
    return _engine


def available() -> bool:
    return _load() is not None


def unavailable_reason() -> str:
    _load()
    return _unavailable or ""


def _image_frames(data: bytes, limits: OcrLimits):
    """RGB arrays of an image's frames (TIFF pages, GIF frames), refusing pixel bombs before decoding."""
    import numpy as np
    from PIL import Image, ImageSequence

    try:
        image = Image.open(io.BytesIO(data))
    except Exception as exc:
        raise ExtractionError(f"图片无法解析：{type(exc).__name__}: {exc} (cannot parse image)") from exc
    frames = []
    for number, frame in enumerate(ImageSequence.Iterator(image), start=1):
        if number > limits.max_pages:
            break
        width, height = frame.size
        if width * height > limits.max_pixels:
            raise LimitExceededError(
                f"图片 {width}×{height} 像素超过文字识别上限 {limits.max_pixels} (image over OCR max_pixels)")
        try:
            frames.append(np.array(frame.convert("RGB")))
        except Exception as exc:
            raise ExtractionError(f"图片无法解码：{type(exc).__name__}: {exc} (cannot decode image)") from exc
    return frames, getattr(image, "n_frames", 1)


def recognise(array, limits: OcrLimits | None = None) -> list[tuple[str, float, float]]:
    """OCR one picture: (text, top, left) per line in reading order. Raises LimitExceededError on timeout."""
    limits = limits or OcrLimits.configured()
    engine = _load()
    if engine is None:
        raise ExtractionError(f"文字识别不可用 (OCR unavailable): {_unavailable}", code="scan.no_text")
    early.before_slow_work()  # what the text layer shows is looked at before OCR may be stopped
    future = _executor.submit(engine, array)
    try:
        result = future.result(timeout=limits.page_seconds)
    except FutureTimeout:
        raise LimitExceededError(
            f"文字识别超过每页 {limits.page_seconds:g} 秒上限 (OCR over page_seconds)") from None
    return reading_order(result)


def reading_order(result) -> list[tuple[str, float, float]]:
    """The lines of a RapidOCR result kept at MIN_SCORE: (text, top, left), in reading order."""
    lines = []
    found = zip(result.boxes, result.txts, result.scores) if result.txts else ()
    for box, text, score in found:
        if text.strip() and float(score) >= MIN_SCORE:
            top = min(p[1] for p in box)
            left = min(p[0] for p in box)
            lines.append((text, top, left))
    # Rows top to bottom (within half a line height), then left to right.
    lines.sort(key=lambda line: (round(line[1] / 16), line[2]))
    return lines


def page_segments(array, page: int | None, limits: OcrLimits | None = None) -> list[Segment]:
    limits = limits or OcrLimits.configured()
    return [Segment(text, Place(page=page, line=number, label="OCR"))
            for number, (text, _, _) in enumerate(recognise(array, limits), start=1)]


@register("png", "jpeg", "gif", "tiff", "bmp", "webp")
def extract_image(data: bytes, limits: OcrLimits | None = None) -> Extraction:
    limits = limits or OcrLimits.configured()
    if not available():
        raise ExtractionError(f"图片中的文字需要文字识别，但文字识别不可用 (image needs OCR, which is unavailable): "
                              f"{_unavailable}", code="scan.no_text")
    frames, total = _image_frames(data, limits)
    segments: list[Segment] = []
    unread: list[str] = []
    many = total > 1
    for number, frame in enumerate(frames, start=1):
        if number > 1:
            try:
                item_limits.check_time()
            except LimitExceededError as exc:  # the frames read so far are kept, the rest reported
                unread.append(f"第 {number}-{total} 帧未识别 (frames {number}-{total} not OCR'd): {exc}")
                break
        segments.extend(page_segments(frame, number if many else None, limits))
    if total > len(frames):
        unread.append(f"第 {len(frames) + 1}-{total} 帧超过文字识别页数上限，未识别 "
                      f"(frames {len(frames) + 1}-{total} over OCR max_pages)")
    properties = {"ocr": True, "frames": total}
    if unread:
        properties["limits"] = list(unread)  # every frame left unread here was stopped by a limit
    return Extraction(type="image", segments=segments, unread=unread, properties=properties)


RENDER_DPI = 200  # enough for body text; the pixel limit lowers it for large pages


def _rendered_pages(data: bytes, numbers: list[int], limits: OcrLimits):
    """Yield (page number, RGB array or an error) for each page, rendered by PDFium when installed."""
    import numpy as np

    try:
        import pypdfium2 as pdfium
    except ImportError:
        pdfium = None
    if pdfium is not None:
        document = pdfium.PdfDocument(data)
        try:
            for number in numbers:
                try:
                    page = document[number - 1]
                    width, height = page.get_size()
                    scale = min(RENDER_DPI / 72, (limits.max_pixels / max(width * height, 1)) ** 0.5)
                    yield number, np.array(page.render(scale=scale).to_pil().convert("RGB"))
                except Exception as exc:  # one page PDFium cannot draw: reported, the others still read
                    yield number, exc
        finally:
            document.close()
        return
    # Without PDFium: the pictures placed on the page (a scan is one picture per page).
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data), strict=False)
    if reader.is_encrypted:
        reader.decrypt("")
    for number in numbers:
        try:
            images = list(reader.pages[number - 1].images)
            if not images:
                raise ExtractionError("页面没有可识别的图片（矢量内容需 pypdfium2 渲染）(no picture on the page)")
            for image in images:
                frame = image.image
                if frame.width * frame.height > limits.max_pixels:
                    raise LimitExceededError("页面图片超过文字识别像素上限 (page picture over OCR max_pixels)")
                yield number, np.array(frame.convert("RGB"))
        except Exception as exc:
            yield number, exc


class PagesRead(NamedTuple):
    """What OCR found on a PDF's pages, what it could not read, and which of those a limit stopped."""

    segments: list[Segment]
    unread: list[str]
    limits: list[str]  # the part of `unread` due to a limit (time, pages, pixels): the item's problem is scan.limit


def ocr_pdf_pages(data: bytes, numbers: list[int], limits: OcrLimits | None = None) -> PagesRead:
    """OCR the given pages of a PDF: segments found, and what could not be read (with the reason)."""
    limits = limits or OcrLimits.configured()
    segments: list[Segment] = []
    unread: list[str] = []
    limited: list[str] = []
    todo, over = numbers[:limits.max_pages], numbers[limits.max_pages:]
    failed: set[int] = set()
    if todo:
        early.before_slow_work()  # rendering is slow too: the text layer is looked at first
    for number, picture in _rendered_pages(data, todo, limits):
        if number in failed:
            continue
        try:
            item_limits.check_time()
        except LimitExceededError as exc:  # the item's time is up: the pages read so far are kept
            rest = [n for n in todo if n >= number]
            limited.append(f"page {rest[0]}-{rest[-1]}: {exc}")
            break
        try:
            if isinstance(picture, Exception):
                raise picture
            segments.extend(page_segments(picture, number, limits))
        except LimitExceededError as exc:
            # The engine is still busy with this page: the rest waits no longer, and is reported.
            failed.add(number)
            limited.append(f"page {number}: {exc}")
            if "page_seconds" in str(exc):
                rest = [n for n in todo if n > number]
                if rest:
                    limited.append(f"page {rest[0]}-{rest[-1]}: 前一页文字识别超时，未识别 (not OCR'd after a timeout)")
                break
        except Exception as exc:
            failed.add(number)
            unread.append(f"page {number}: 文字识别失败 (OCR failed): {type(exc).__name__}: {exc}")
    if over:
        limited.append(f"第 {over[0]}-{over[-1]} 页超过文字识别页数上限 {limits.max_pages}，未识别 "
                       f"(pages over OCR max_pages)")
    return PagesRead(segments, unread + limited, limited)
