"""RTF: body, headers and footers, footnotes, comments, text boxes, document info and embedded objects.

A small parser of our own: striprtf drops headers, footers, footnotes and comments (its
"destinations"), and a marking often stands in a header. No recursion, so deep nesting is harmless.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field

from scanner.errors import ExtractionError
from scanner.extract.members import ContainerExtraction, Member, Place
from scanner.extract.registry import register
from scanner.model import Extraction, Location, Segment

_TOKEN = re.compile(rb"\\([a-zA-Z]{1,32})(-?\d{1,10})? ?|\\'([0-9a-fA-F]{2})|\\([^a-zA-Z])|([{}])|[\r\n]+|([^\\{}\r\n]+)")

# Destinations whose text a reader sees, apart from the body: kind -> how it is labelled.
_TEXT_DESTINATIONS = {
    "header": "header", "headerl": "header", "headerr": "header", "headerf": "header",
    "footer": "footer", "footerl": "footer", "footerr": "footer", "footerf": "footer",
    "footnote": "footnote", "annotation": "comment", "shptxt": "text box", "dptxbxtext": "text box",
}
# Document information (\info) fields, read as metadata.
_INFO_FIELDS = {"title", "subject", "author", "keywords", "doccomm", "operator", "company", "category",
                "manager", "hlinkbase", "propname", "staticval"}
# Destinations holding no text a reader sees (tables of fonts and styles, pictures, field codes, ...).
_SKIPPED = {
    "fonttbl", "colortbl", "stylesheet", "listtable", "listoverridetable", "revtbl", "rsidtbl", "filetbl",
    "pict", "themedata", "colorschememapping", "datastore", "latentstyles", "xmlnstbl", "generator",
    "fldinst", "pntext", "pntxta", "pntxtb", "bkmkstart", "bkmkend", "creatim", "revtim", "printim",
    "buptim", "atnid", "atnauthor", "atndate", "atnref", "atnparent", "atnicn", "atntime", "objclass",
    "objname", "objalias", "objsect", "objtime", "result", "sp", "sn", "sv", "nonshppict", "protusertbl",
    "passwordhash", "password", "wgrffmtfilter", "mmathPr", "template", "userprops-table", "ftnsep",
    "ftnsepc", "aftnsep", "aftnsepc", "ftncn", "aftncn", "listpicture", "blipuid", "docvar", "pgptbl",
}
_BREAKS = {b"par": "\n", b"line": "\n", b"sect": "\n", b"page": "\n", b"row": "\n", b"cell": "\t",
           b"nestcell": "\t", b"tab": "\t"}
_CHARSETS = {128: "cp932", 129: "cp949", 134: "gb18030", 136: "cp950", 161: "cp1253", 162: "cp1254",
             177: "cp1255", 178: "cp1256", 186: "cp1257", 204: "cp1251", 222: "cp874", 238: "cp1250"}


@dataclass
class _Buffer:
    """The text of one destination group (the body, a header, a footnote, a title, ...)."""

    kind: str
    parts: list[str] = field(default_factory=list)
    pending: bytearray = field(default_factory=bytearray)
    encoding: str = "cp1252"

    def flush(self) -> None:
        if self.pending:
            self.parts.append(bytes(self.pending).decode(self.encoding, errors="replace"))
            self.pending.clear()

    def add_bytes(self, data: bytes, encoding: str) -> None:
        if self.pending and encoding != self.encoding:
            self.flush()
        self.encoding = encoding
        self.pending.extend(data)

    def add(self, text: str) -> None:
        self.flush()
        self.parts.append(text)

    def text(self) -> str:
        self.flush()
        # Characters beyond the BMP come as two \u surrogates: join them into one.
        return "".join(self.parts).encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


@dataclass
class _State:
    buffer: _Buffer | None  # None: text here is not read (a skipped destination)
    uc: int = 1
    font: bytes | None = None
    font_table: bool = False
    objdata: bytearray | None = None


@dataclass
class RtfContent:
    body: str = ""
    parts: list[tuple[str, str]] = field(default_factory=list)  # (kind, text) in order of appearance
    objects: list[bytes] = field(default_factory=list)


def _encoding_for(codepage: int) -> str:
    name = "gb18030" if codepage == 936 else f"cp{codepage}"
    try:
        codecs.lookup(name)
    except LookupError:
        return "cp1252"
    return name


def parse_rtf(data: bytes) -> RtfContent:
    """Walk the groups of an RTF file and collect the text of every destination a reader sees."""
    content = RtfContent()
    body = _Buffer("body")
    stack: list[_State] = []
    state = _State(body)
    default_encoding = "cp1252"
    fonts: dict[bytes, str] = {}
    defining_font: bytes | None = None
    skip = 0  # characters still to skip after a \uN
    star = False  # the last control was \*: the next destination is optional
    pos, end = 0, len(data)
    done: list[_Buffer] = []

    def font_encoding() -> str:
        return fonts.get(state.font, default_encoding) if state.font is not None else default_encoding

    while pos < end:
        match = _TOKEN.match(data, pos)
        if match is None:  # a lone backslash at the very end
            break
        pos = match.end()
        word, arg, hexbyte, symbol, brace, chars = match.groups()
        if brace == b"{":
            stack.append(state)
            state = _State(state.buffer, state.uc, state.font, state.font_table, None)
            skip = 0
            continue
        if brace == b"}":
            if state.objdata is not None:
                content.objects.append(bytes(state.objdata))
            if state.buffer is not None and (not stack or state.buffer is not stack[-1].buffer):
                done.append(state.buffer)
            if not stack:
                break  # an unbalanced closing brace
            state = stack.pop()
            skip = 0
            if not stack:
                break  # the document group is closed: what follows is not part of it
            continue
        if word is not None:
            name = word.decode("ascii")
            number = int(arg) if arg is not None else None
            was_star, star = star, False
            skip = 0  # a control word ends the \u fallback run, as in striprtf and WordPad
            if name == "bin" and number:
                pos += max(number, 0)  # raw binary data (a picture): not text
                continue
            if state.font_table:
                if name == "f":
                    defining_font = arg
                elif name == "fcharset" and defining_font is not None and number in _CHARSETS:
                    fonts[defining_font] = _CHARSETS[number]
                continue
            if name == "fonttbl":
                state.font_table, state.buffer = True, None
            elif name in _TEXT_DESTINATIONS:
                state.buffer = _Buffer(_TEXT_DESTINATIONS[name])
            elif name in _INFO_FIELDS:
                state.buffer = _Buffer("info " + name)
            elif name == "objdata":
                state.buffer, state.objdata = None, bytearray()
            elif name in _SKIPPED or (was_star and name not in ("shpinst", "userprops", "info")):
                state.buffer = None
            elif name == "info" or name == "userprops":
                state.buffer = None  # only the fields inside are read
            elif name == "ansicpg" and number:
                default_encoding = _encoding_for(number)
            elif name == "f":
                state.font = arg
            elif name == "uc" and number is not None:
                state.uc = max(number, 0)
            elif name == "u" and number is not None and state.buffer is not None:
                state.buffer.add(chr(number + 0x10000 if number < 0 else number) if -0x8000 <= number < 0x110000
                                 else "\ufffd")
                skip = state.uc
            elif name.encode() in _BREAKS and state.buffer is not None:
                state.buffer.add(_BREAKS[name.encode()])
            continue
        if symbol is not None:
            star = symbol == b"*"
            if state.buffer is not None and symbol in (b"\\", b"{", b"}"):
                state.buffer.add(symbol.decode())
            elif state.buffer is not None and symbol == b"~":
                state.buffer.add("\xa0")
            continue
        if hexbyte is not None:
            if skip:
                skip -= 1
            elif state.buffer is not None:
                state.buffer.add_bytes(bytes.fromhex(hexbyte.decode()), font_encoding())
            continue
        if chars is not None:
            if state.objdata is not None:
                state.objdata.extend(chars)
                continue
            if skip:
                cut = min(skip, len(chars))
                chars, skip = chars[cut:], skip - cut
            if chars and state.buffer is not None:
                state.buffer.add_bytes(chars, font_encoding())
    content.body = body.text()
    content.parts = [(b.kind, b.text()) for b in done if b is not body]
    return content


def _segments(content: RtfContent) -> list[Segment]:
    segments: list[Segment] = []
    lines = [line.strip() for line in content.body.split("\n") if line.strip()]
    segments.extend(Segment(line, Location(paragraph=n)) for n, line in enumerate(lines, start=1))
    counts: dict[str, int] = {}
    property_name = None
    for kind, text in content.parts:
        text = text.strip()
        counts[kind] = counts.get(kind, 0) + 1
        if kind == "info propname":
            property_name = text
            continue
        if not text:
            continue
        if kind.startswith("info "):
            label = f"property {property_name}" if kind == "info staticval" and property_name else kind[5:]
            segments.append(Segment(text, Place(part="metadata", label=label)))
        elif kind in ("header", "footer"):
            segments.append(Segment(text, Location(part=kind, section=counts[kind])))
        else:
            segments.append(Segment(text, Place(label=f"{kind} {counts[kind]}")))
    return segments


def object_member(number: int, hexdata: bytes) -> Member:
    """An embedded OLE object (\\objdata: hex of an OLE1 ObjectHeader and its native data) as a member."""
    name = f"object {number}"
    try:
        raw = bytes.fromhex(re.sub(rb"\s+", b"", hexdata).decode("ascii"))
        # OLEVersion, FormatID, then the class name as a length-prefixed string.
        size = int.from_bytes(raw[8:12], "little")
        class_name = raw[12:12 + size].rstrip(b"\x00").decode("latin-1")
        pos = 12 + size
        for _ in range(2):  # topic and item names
            pos += 4 + int.from_bytes(raw[pos:pos + 4], "little")
        native_size = int.from_bytes(raw[pos:pos + 4], "little")
        native = raw[pos + 4:pos + 4 + native_size]
        if len(native) != native_size or not native:
            raise ValueError("native data cut short")
    except (ValueError, UnicodeDecodeError) as exc:
        return Member(name, problem=("scan.unreadable", f"RTF 嵌入对象无法读取 (embedded object unreadable): {exc}"))
    return Member(f"{name} ({class_name})" if class_name else name, data=native)


@register("rtf")
def extract_rtf(data: bytes) -> Extraction:
    if not data.lstrip().startswith(b"{\\rtf"):
        raise ExtractionError("不是 RTF 文件 (not an RTF file)")
    content = parse_rtf(data)
    segments = _segments(content)
    if not content.objects:
        return Extraction(type="rtf", segments=segments)
    members = [object_member(n, hexdata) for n, hexdata in enumerate(content.objects, start=1)]
    segments.extend(Segment(m.name, Place(part="metadata", label="embedded objects", line=n))
                    for n, m in enumerate(members, start=1))
    return ContainerExtraction(type="rtf", segments=segments, members=members,
                               properties={"objects": len(members)})
