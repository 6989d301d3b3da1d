"""Deciding from the queue: one reason for several selected items, and the page for a decision made meanwhile.

Each selected item is decided on the version the queue showed (its latest decision id), exactly
as from its own page: an item decided by someone else since is not decided again but listed,
with who decided it and when.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from scanner.review.decisions import decide
from scanner.review.errors import NotFound, ReviewError
from scanner.store.decision_guard import DecisionConflict

MAX_BULK = 200


def parse_version(value) -> int | None:
    """The version a form carries (None when absent: no check, as for an older form)."""
    value = str(value or "").strip()
    return int(value) if value.isdigit() else None


def conflict_page(console, request: Request, exc: DecisionConflict, user) -> Response:
    """409: the item was decided by someone else; say who, when and what, and link to it."""
    return console.render(request, "conflict.html.j2", status=409, current_user=user, item_id=exc.item_id,
                          latest=exc.latest)


async def decide_many(console, request: Request) -> Response:
    form = await console.checked_form(request)
    with console.review() as review:
        user, refused = console.signed_in(request, review, form)
        if refused is not None:
            return refused
        ids = list(dict.fromkeys(int(v) for v in form.getlist("item") if str(v).isdigit()))[:MAX_BULK]
        if not ids:
            return console.error(request, 400, "bulk_none", user=user)
        action, reason = str(form.get("action", "")), str(form.get("reason", ""))
        done, failed = [], []
        for item_id in ids:
            try:
                row = decide(review, item_id, action, reason, user.username, console.spool,
                             expected=parse_version(form.get(f"v{item_id}")))
                done.append(row)
            except DecisionConflict as exc:
                failed.append({"item_id": item_id, "latest": exc.latest, "message": ""})
            except NotFound:
                failed.append({"item_id": item_id, "latest": None, "message": console_text(request, "not_found")})
            except ReviewError as exc:
                failed.append({"item_id": item_id, "latest": None, "message": str(exc)})
    status = 200 if done else (409 if all(f["latest"] for f in failed) else 400)
    return console.render(request, "bulk.html.j2", status=status, current_user=user, done=done, failed=failed)


def console_text(request: Request, key: str) -> str:
    from scanner.review.text import translator

    lang = "en" if (request.query_params.get("lang") or request.cookies.get("lang")) == "en" else "zh"
    return translator(lang)(key)


def routes(console) -> list[Route]:
    async def endpoint(request: Request) -> Response:
        return await decide_many(console, request)

    return [Route("/decide", endpoint, methods=["POST"])]
