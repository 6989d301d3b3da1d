"""OFD (GB/T 33190): document info, the text of every page in page order, templates, annotations, attachments."""

from __future__ import annotations

import io
import posixpath
import zipfile

from lxml import etree

from scanner.errors import ExtractionError, LimitExceededError
from scanner.extract.members import ContainerExtraction, Member, Place
from scanner.extract.pdf import page_ranges
from scanner.extract.registry import register
from scanner.extract.zip import check_overlap
from scanner.model import Extraction, Location, Segment

# OFD parts are untrusted XML: no entities, no network.
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, recover=False)
_MAX_PART = 64 * 1024 * 1024  # one XML part; a page's content is far smaller
_MAX_RATIO = 200
_DOC_INFO = ("Title", "Author", "Subject", "Abstract", "Creator", "DocUsage")
_PAINTS = ("{*}ImageObject", "{*}PathObject", "{*}CompositeObject")


class _Package:
    """The zip behind an OFD file, with paths resolved the way GB/T 33190 writes them."""

    def __init__(self, data: bytes):
        try:
            self.zip = zipfile.ZipFile(io.BytesIO(data))
            infos = self.zip.infolist()
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
            raise ExtractionError(f"OFD 文件已损坏或被截断：{exc} (damaged or truncated OFD)") from exc
        check_overlap(infos, len(data))
        self.names = {i.filename.lstrip("/").lower(): i for i in infos}

    def info(self, path: str) -> zipfile.ZipInfo | None:
        return self.names.get(path.lstrip("/").lower())

    def read(self, path: str) -> bytes:
        info = self.info(path)
        if info is None:
            raise ExtractionError(f"OFD 缺少部件 {path} (OFD part missing)")
        if info.file_size > _MAX_PART or (info.file_size > 1024 * 1024
                                          and info.file_size > _MAX_RATIO * max(info.compress_size, 1)):
            raise LimitExceededError(f"OFD 部件 {path} 过大或压缩比过高 (OFD part too large or too compressed)")
        with self.zip.open(info) as fh:
            return fh.read(_MAX_PART + 1)

    def xml(self, path: str):
        try:
            return etree.fromstring(self.read(path), _PARSER)
        except etree.XMLSyntaxError as exc:
            raise ExtractionError(f"OFD 部件 {path} 不是合法的 XML：{exc} (malformed OFD XML)") from exc


def _resolve(base_dir: str, loc: str) -> str:
    loc = (loc or "").strip().replace("\\", "/")
    return posixpath.normpath(loc.lstrip("/") if loc.startswith("/") else posixpath.join(base_dir, loc))


def _text(element) -> str:
    return "".join(element.itertext()).strip() if element is not None else ""


def _doc_info(root) -> list[Segment]:
    info = root.find("{*}DocBody/{*}DocInfo")
    if info is None:
        return []
    segments = []
    for name in _DOC_INFO:
        value = _text(info.find("{*}" + name))
        if value:
            segments.append(Segment(value, Place(part="metadata", label=name)))
    keywords = [_text(k) for k in info.iterfind("{*}Keywords/{*}Keyword") if _text(k)]
    if keywords:
        segments.append(Segment("；".join(keywords), Place(part="metadata", label="Keywords")))
    for custom in info.iterfind("{*}CustomDatas/{*}CustomData"):
        value = _text(custom)
        if value:
            segments.append(Segment(value, Place(part="metadata", label=custom.get("Name") or "CustomData")))
    return segments


def content_text(root) -> tuple[str, bool]:
    """The text of a page (or template, or annotation): TextCodes joined per TextObject, objects by lines.

    Also says whether the content paints something other than text (an image, paths).
    """
    lines = []
    for text_object in root.iter("{*}TextObject"):
        line = "".join(code.text or "" for code in text_object.iter("{*}TextCode"))
        if line.strip():
            lines.append(line)
    paints = any(next(root.iter(tag), None) is not None for tag in _PAINTS)
    return "\n".join(lines), paints


def _attachments(package: _Package, doc_dir: str, document) -> list[Member]:
    loc = _text(document.find("{*}Attachments"))
    if not loc:
        return []
    path = _resolve(doc_dir, loc)
    listing = package.xml(path)
    members = []
    for number, attachment in enumerate(listing.iter("{*}Attachment"), start=1):
        name = attachment.get("Name") or f"attachment-{number}"
        file_loc = _text(attachment.find("{*}FileLoc"))
        target = _resolve(posixpath.dirname(path), file_loc)
        info = package.info(target)
        if info is None:
            members.append(Member(name, problem=("scan.unreadable", f"OFD 附件 {file_loc} 不存在 (attachment missing)")))
            continue
        members.append(Member(name, open=lambda info=info: package.zip.open(info), size=info.file_size,
                              compressed=info.compress_size))
    return members


def _read_document(package: _Package, doc_root: str, first_page: int, segments, unread, members) -> int:
    """One document of the package: its pages in order, templates, annotations; returns its page count.

    Pages are numbered on from `first_page`, so a package of several documents names each page once.
    """
    document = package.xml(doc_root)
    doc_dir = posixpath.dirname(doc_root)
    textless: list[int] = []
    pages = list(document.iterfind("{*}Pages/{*}Page"))
    for number, page in enumerate(pages, start=first_page):
        try:
            text, paints = content_text(package.xml(_resolve(doc_dir, page.get("BaseLoc", ""))))
        except ExtractionError as exc:
            unread.append(f"page {number}: {exc}")
            continue
        if text.strip():
            segments.append(Segment(text, Location(page=number)))
        elif paints:
            textless.append(number)
    if textless:
        unread.append(f"第 {page_ranges(textless)} 页没有文字层，未经文字识别 "
                      f"(page {page_ranges(textless)}: no text layer, not OCR'd)")
    for number, template in enumerate(document.iterfind("{*}CommonData/{*}TemplatePage"), start=1):
        text, _ = content_text(package.xml(_resolve(doc_dir, template.get("BaseLoc", ""))))
        if text.strip():
            segments.append(Segment(text, Place(part="header", label=f"template {number}")))
    annotations = _text(document.find("{*}Annotations"))
    if annotations:
        listing_path = _resolve(doc_dir, annotations)
        listing = package.xml(listing_path)
        for page in listing.iterfind("{*}Page"):
            page_number = next((n for n, p in enumerate(pages, start=first_page) if p.get("ID") == page.get("PageID")),
                               None)
            loc = _text(page.find("{*}FileLoc"))
            text, _ = content_text(package.xml(_resolve(posixpath.dirname(listing_path), loc)))
            if text.strip():
                segments.append(Segment(text, Place(page=page_number, label="annotation")))
    members.extend(_attachments(package, doc_dir, document))
    return len(pages)


@register("ofd")
def extract_ofd(data: bytes) -> Extraction:
    package = _Package(data)
    root = package.xml("OFD.xml")
    segments = _doc_info(root)
    unread: list[str] = []
    members: list[Member] = []
    pages = 0
    bodies = root.findall("{*}DocBody")
    if not bodies:
        raise ExtractionError("OFD.xml 中没有 DocBody (no DocBody in OFD.xml)")
    for number, body in enumerate(bodies, start=1):
        doc_root = _text(body.find("{*}DocRoot"))
        if not doc_root:
            unread.append(f"DocBody {number}: no DocRoot")
            continue
        pages += _read_document(package, _resolve("", doc_root), pages + 1, segments, unread, members)
    properties = {"pages": pages, "documents": len(bodies)}
    if not members:
        # A plain extraction: a scanned OFD with no text is then "no text", not an empty container.
        return Extraction(type="ofd", segments=segments, unread=unread, properties=properties)
    # The attachment names are text too, and keep an OFD with attachments from looking empty.
    segments.extend(Segment(m.name, Place(part="metadata", label="attached files", line=n))
                    for n, m in enumerate(members, start=1))
    return ContainerExtraction(type="ofd", segments=segments, unread=unread, members=members, properties=properties)
