"""The original file of a reviewed item for officers: its extracted text with locations, and a download.

The text is not stored: it is read again from the file (quarantined, released, or where a scan
found it) in a sandbox child (sandbox.Sandbox.texts), never in the console's process, and only
when the file's SHA-256 is still the reviewed one. Both views are audited (who, which item and
file, when). The download is always an attachment, never shown inline, under a safe file name.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import unicodedata
from collections import OrderedDict
from pathlib import Path
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from scanner import names
from scanner.errors import MijianError
from scanner.review.errors import NotFound
from scanner.review.passages import pieces, spans_of, text_fits
from scanner.review.queue import get_item, members_of

CACHE_ITEMS = 8
MAX_SEGMENTS = 5000  # per item shown; a sheet of a million cells is not read on a page


class SourceProblem(Exception):
    """The original cannot be given: `key` is the console's text for why."""

    def __init__(self, key: str):
        super().__init__(key)
        self.key = key


def source_of(review, row: dict) -> Path | None:
    """Where the item's bytes are now: the gateway job's current file, else the scanned path."""
    if row.get("job_id"):
        job = review.db["spool_jobs"].get(row["job_id"])
        raw = job.get("target_raw") or names.raw(job.get("target") or "")
        return Path(names.from_raw(raw)) if raw else None
    item = review.db["items"].get(row["id"])
    raw = item.get("path_raw") or names.raw(item["path"])
    return Path(names.from_raw(raw)) if raw else None


def read_original(review, row: dict) -> tuple[Path, bytes]:
    """The original's path and bytes, checked against the reviewed SHA-256 (SourceProblem otherwise)."""
    path = source_of(review, row)
    if path is None or not path.is_file():
        raise SourceProblem("no_source")
    data = path.read_bytes()
    if row["sha256"] and hashlib.sha256(data).hexdigest() != row["sha256"]:
        raise SourceProblem("changed_source")
    return path, data


def safe_filename(name: str) -> tuple[str, str]:
    """An attachment's names: (ASCII fallback, UTF-8 form for filename*), with no path, quote or control character."""
    base = re.split(r"[\\/]", name)[-1]
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C" and ch not in '"<>|:*?').strip(" .")
    base = base or "file"
    ascii_name = re.sub(r"[^A-Za-z0-9._()\- ]", "_", base)
    if not re.search(r"[A-Za-z0-9]", ascii_name.rsplit(".", 1)[0]):
        ascii_name = "file" + (("." + ascii_name.rsplit(".", 1)[1]) if "." in ascii_name else "")
    return ascii_name, base


class Viewer:
    """The routes, over a console (its database, config and a sandbox of its own)."""

    def __init__(self, console):
        self.console = console
        self.sandbox = None
        self.cache: OrderedDict[str, list[dict]] = OrderedDict()

    def _officer(self, request: Request, review):
        user = self.console.user(request, review)
        if user is None:
            return None, RedirectResponse("/login", status_code=303)
        if user.role != "officer":
            return user, self.console.error(request, 403, "only_officer", user=user)
        return user, None

    def _texts(self, data: bytes, sha256: str) -> list[dict]:
        if sha256 in self.cache:
            self.cache.move_to_end(sha256)
            return self.cache[sha256]
        from scanner.config import load_config
        from scanner.sandbox import Sandbox

        config = self.console.config or load_config(None)
        if self.sandbox is None:
            self.sandbox = Sandbox()
        texts = self.sandbox.texts(config, data)
        self.cache[sha256] = texts
        while len(self.cache) > CACHE_ITEMS:
            self.cache.popitem(last=False)
        return texts

    def close(self) -> None:
        if self.sandbox is not None:
            self.sandbox.close()

    async def text(self, request: Request) -> Response:
        item_id = request.path_params["item_id"]
        with self.console.review() as review:
            user, refused = self._officer(request, review)
            if refused is not None:
                return refused
            try:
                row, _, doc = get_item(review, item_id)
                path, data = read_original(review, row)
            except NotFound:
                return self.console.error(request, 404, "not_found", user=user)
            except SourceProblem as exc:
                return self.console.error(request, 404, "text_unavailable", detail=_said(request, exc.key), user=user)
            results = {None: doc, **{m["member"]: json.loads(m["result"]) for m in members_of(review, row)}}
            review.append_audit(user.username, "item.text", item_id, row["sha256"],
                                {"path": row["path"], "file": str(path)})
        try:
            texts = await run_in_threadpool(self._texts, data, row["sha256"])
        except MijianError as exc:
            return self.console.error(request, 422, "read_failed", detail=str(exc), user=user)
        return self.console.render(request, "text.html.j2", current_user=user, row=row,
                                   items=[shown_item(t, results.get(t["member"])) for t in texts])

    async def download(self, request: Request) -> Response:
        item_id = request.path_params["item_id"]
        with self.console.review() as review:
            user, refused = self._officer(request, review)
            if refused is not None:
                return refused
            try:
                row, _, _ = get_item(review, item_id)
                path, data = read_original(review, row)
            except NotFound:
                return self.console.error(request, 404, "not_found", user=user)
            except SourceProblem as exc:
                return self.console.error(request, 404, exc.key, user=user)
            client = request.client.host if request.client else "?"
            review.append_audit(user.username, "item.download", item_id, row["sha256"],
                                {"path": row["path"], "file": str(path), "size": len(data), "client": client})
        ascii_name, utf8_name = safe_filename(row["short_path"])
        disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(utf8_name, safe='')}"
        return Response(data, media_type="application/octet-stream", headers={"content-disposition": disposition})


def _said(request: Request, key: str) -> str:
    from scanner.review.text import translator

    lang = "en" if (request.query_params.get("lang") or request.cookies.get("lang")) == "en" else "zh"
    return translator(lang)(key)


def shown_item(texts: dict, doc: dict | None) -> dict:
    """One item's segments cut into pieces, its stored findings and marks highlighted where their
    text (or a model passage's excerpt of it) is found at their offsets (a finding that no longer
    fits is left out, not misplaced)."""
    joined = "\n".join(s["text"] for s in texts["segments"])
    spans = [s for s in spans_of(doc or {}) if text_fits(s.text, joined[s.start:s.end])]
    rows = [{"location": s["location"], "start": s["start"],
             "pieces": pieces(s["text"], s["start"], spans)} for s in texts["segments"][:MAX_SEGMENTS]]
    return {"member": texts["member"], "type": texts["type"], "problem": texts["problem"], "rows": rows,
            "more": max(0, len(texts["segments"]) - MAX_SEGMENTS), "verdict": (doc or {}).get("verdict")}


def lifespan(console):
    """The app's lifespan: the viewer's reader process stops with the console."""

    @contextlib.asynccontextmanager
    async def run(app):
        try:
            yield
        finally:
            if getattr(console, "viewer", None) is not None:
                console.viewer.close()

    return run


def routes(console) -> list[Route]:
    viewer = Viewer(console)
    console.viewer = viewer
    return [Route("/items/{item_id:int}/text", viewer.text, methods=["GET"]),
            Route("/items/{item_id:int}/download", viewer.download, methods=["GET"])]
