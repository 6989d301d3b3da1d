"""What a PDF holds besides its page text: document info, XMP, form fields, annotations, attached files."""

from __future__ import annotations

from lxml import etree
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, NameObject

from scanner.extract.members import Member, Place
from scanner.model import Segment

# Written by the producing program, not by the author: no content to scan.
_TOOL_KEYS = {"/Producer", "/Creator", "/CreationDate", "/ModDate", "/Trapped"}
# Placeholders that libraries write when the author gave nothing.
_PLACEHOLDERS = {"", "untitled", "anonymous", "unspecified", "(unspecified)", "none"}
_XMP_SKIP = {"CreateDate", "ModifyDate", "MetadataDate", "CreatorTool", "Producer", "DocumentID",
             "InstanceID", "format", "about", "PDFVersion", "Trapped", "VersionID"}
_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
# XMP is untrusted XML: no entities, no network, no unbounded trees.
_XML_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, recover=True)


def _meta(text: str, label: str) -> Segment:
    return Segment(text, Place(part="metadata", label=label))


def _text_of(value) -> str:
    if isinstance(value, (list, ArrayObject)):
        return "; ".join(_text_of(v) for v in value)
    if isinstance(value, NameObject):
        return ""  # a checkbox state (/Yes, /Off) or a tool's name, not text someone typed
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return str(value) if value is not None else ""


def info_segments(reader: PdfReader) -> list[Segment]:
    """The document information dictionary, custom keys (such as /密级) included."""
    info = reader.metadata
    if not info:
        return []
    segments = []
    for key in sorted(info.keys()):
        if key in _TOOL_KEYS:
            continue
        try:
            text = _text_of(info[key])
        except Exception:  # a broken reference in the dictionary: skip that key, keep the others
            continue
        if text.strip().lower() not in _PLACEHOLDERS:
            segments.append(_meta(text, key.lstrip("/")))
    return segments


def _local(tag) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _prefixed(element_or_name, nsmap) -> str:
    qname = etree.QName(element_or_name)
    prefix = next((p for p, ns in (nsmap or {}).items() if ns == qname.namespace and p), None)
    return f"{prefix}:{qname.localname}" if prefix else qname.localname


def xmp_segments(reader: PdfReader) -> list[Segment]:
    """Every property value in the XMP packet (dc:title, dc:subject, pdf:Keywords, custom schemas)."""
    try:
        stream = reader.root_object.get("/Metadata")
        data = stream.get_object().get_data() if stream is not None else b""
    except Exception:
        return []
    if not data.strip():
        return []
    try:
        root = etree.fromstring(data.strip(), _XML_PARSER)
    except etree.XMLSyntaxError:
        return []
    if root is None:
        return []
    segments = []
    for element in root.iter(etree.Element):  # elements only: no comments, entities, PIs
        name = _local(element.tag)
        if name == "Description" and etree.QName(element.tag).namespace == _RDF:
            for attr, value in element.attrib.items():
                local = etree.QName(attr).localname
                if etree.QName(attr).namespace != _RDF and local not in _XMP_SKIP and value.strip():
                    segments.append(_meta(value, "XMP " + _prefixed(attr, element.nsmap)))
            continue
        # Text around unresolved entity references, never the references themselves.
        text = (element.text or "") + "".join(child.tail or "" for child in element)
        if any(isinstance(child.tag, str) for child in element) or not text.strip():
            continue
        # An rdf:li value is named by the property that holds it (dc:title > rdf:Alt > rdf:li).
        owner = element
        while owner is not None and etree.QName(owner.tag).namespace == _RDF:
            owner = owner.getparent()
        if owner is None or _local(owner.tag) in _XMP_SKIP:
            continue
        segments.append(_meta(text, "XMP " + _prefixed(owner.tag, owner.nsmap)))
    return segments


def form_segments(reader: PdfReader) -> list[Segment]:
    """Values typed into form fields (AcroForm), which page text does not show."""
    fields = reader.get_fields() or {}
    segments = []
    for name, field in fields.items():
        text = _text_of(field.get("/V"))
        if text.strip():
            segments.append(Segment(text, Place(part="metadata", label=f"form field {name}")))
    return segments


def annotation_segments(page, number: int) -> list[Segment]:
    """Comments and sticky notes on a page (the /Contents of its annotations)."""
    annots = page.get("/Annots")
    if annots is None:
        return []
    segments = []
    for annot in annots.get_object():
        annot = annot.get_object()
        if not isinstance(annot, DictionaryObject) or annot.get("/Subtype") == "/Widget":
            continue  # form widgets are read as form fields
        text = _text_of(annot.get("/Contents"))
        if text.strip():
            segments.append(Segment(text, Place(page=number, label="annotation")))
    return segments


def _broken(name: str, exc: Exception) -> Member:
    return Member(name, problem=("scan.unreadable",
                                 f"PDF 附件无法读取 (attached file cannot be read): {type(exc).__name__}: {exc}"))


def _file_member(name: str, read) -> Member:
    try:
        return Member(name, data=read())
    except Exception as exc:  # a broken stream: the attachment fails closed on its own
        return _broken(name, exc)


def attached_files(reader: PdfReader) -> list[Member]:
    """Embedded files (the EmbeddedFiles name tree) and file-attachment annotations, as members."""
    members = []
    try:
        attachments = reader.attachments
        names = list(attachments.keys())
    except Exception as exc:
        return [_broken("embedded files", exc)]
    for number, name in enumerate(names, start=1):
        label = name or f"attachment-{number}"
        try:
            versions = attachments[name]
        except Exception as exc:
            members.append(_broken(label, exc))
            continue
        for version, data in enumerate(versions, start=1):
            members.append(_file_member(label if version == 1 else f"{label}#{version}", lambda data=data: data))
    for page_number, page in enumerate(reader.pages, start=1):
        try:
            annots = page.get("/Annots")
            annots = annots.get_object() if annots is not None else []
        except Exception:
            continue
        for annot in annots:
            annot = annot.get_object()
            if not isinstance(annot, DictionaryObject) or annot.get("/Subtype") != "/FileAttachment":
                continue
            spec = annot.get("/FS")
            spec = spec.get_object() if spec is not None else {}
            name = _text_of(spec.get("/UF") or spec.get("/F")) or f"page-{page_number}-attachment"
            stream = spec.get("/EF", {}).get("/F") if isinstance(spec, DictionaryObject) else None
            if stream is None:
                continue
            members.append(_file_member(f"page {page_number}/{name}", lambda s=stream: s.get_object().get_data()))
    return members
