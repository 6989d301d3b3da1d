"""The review console: a starlette app over the same SQLite database, server-rendered, no external assets."""

from __future__ import annotations

import contextlib
import hmac
import json
import secrets
from pathlib import Path
from urllib.parse import urlencode

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from scanner.i18n import location_text
from scanner.ingest.spool import Spool
from scanner.model import CATEGORIES
from scanner.review import bulk, charts, password, viewer
from scanner.review.audit import confirmed_history, mark_unconfirmed, record_message, record_problems
from scanner.review.auth import LoginLimiter, add_user
from scanner.review.decisions import decide, finish_interrupted_releases
from scanner.review.errors import NotFound, PermissionDenied, ReviewError
from scanner.review.queue import DEFAULT_STATUS, STATUSES, Filters, dashboard, get_item, list_items, members_of
from scanner.review.passages import legend, passages_of
from scanner.review.signin import address_limiter, sign_in
from scanner.review.text import category_name, reason_text, translator
from scanner.store.db import Store
from scanner.store.decision_guard import DecisionConflict
from scanner.store.review import ReviewStore
from scanner.store.sessions import open_session, revoke, session_user

SESSION_HOURS = 8
_ENV = Environment(loader=PackageLoader("scanner.review", "templates"), autoescape=select_autoescape(["html", "j2"]),
                   trim_blocks=True, lstrip_blocks=True)
_ENV.globals.update(passages_of=passages_of, legend=legend(), reason_text=reason_text)
_HEADERS = [
    (b"content-security-policy", b"default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
                                 b"frame-ancestors 'none'; base-uri 'none'"),
    (b"x-content-type-options", b"nosniff"), (b"x-frame-options", b"DENY"), (b"referrer-policy", b"no-referrer"),
    (b"cache-control", b"no-store"),
]


class SecurityHeaders:
    """Adds the same strict headers to every response: no script runs, nothing loads from elsewhere."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = list(message["headers"]) + _HEADERS
            await send(message)

        await self.app(scope, receive, send_with_headers if scope["type"] == "http" else send)


class Console:
    """The routes, bound to one database and (optionally) the gateway's spool."""

    def __init__(self, db_path: str | Path, spool: Spool | None = None, limiter: LoginLimiter | None = None,
                 config=None):
        self.db_path = Path(db_path)
        self.spool, self.config = spool, config
        self.limiter = limiter or address_limiter()

    @contextlib.contextmanager
    def review(self):
        store = Store(self.db_path)
        try:
            yield ReviewStore(store)
        finally:
            store.close()

    # -- helpers

    @staticmethod
    def lang(request: Request) -> str:
        lang = request.query_params.get("lang") or request.cookies.get("lang") or "zh"
        return "en" if lang == "en" else "zh"

    @staticmethod
    def csrf(request: Request) -> str:
        if "csrf" not in request.session:
            request.session["csrf"] = secrets.token_urlsafe(32)
        return request.session["csrf"]

    def user(self, request: Request, review: ReviewStore):
        """The signed-in user: the cookie names a session the server still holds open (see store/sessions.py)."""
        name = session_user(review, request.session.get("sid"), SESSION_HOURS)
        user = review.user(name) if name else None
        return user if user is not None and not user.disabled else None

    def render(self, request: Request, template: str, status: int = 200, **values) -> HTMLResponse:
        lang = self.lang(request)
        _ = translator(lang)
        html = _ENV.get_template(template).render(
            _=_, lang=lang, csrf=self.csrf(request), categories=CATEGORIES, statuses=STATUSES,
            cat=lambda c: category_name(c, lang), where=lambda loc: location_text(loc or "", lang),
            current_user=values.pop("current_user", None), path=request.url.path, **values)
        response = HTMLResponse(html, status_code=status)
        if request.query_params.get("lang") in ("zh", "en"):
            response.set_cookie("lang", lang, max_age=365 * 86400, samesite="strict", httponly=True)
        return response

    def error(self, request: Request, status: int, key: str, detail: str = "", user=None) -> HTMLResponse:
        return self.render(request, "error.html.j2", status=status, key=key, detail=detail, current_user=user)

    async def checked_form(self, request: Request):
        """The posted form, or None when its CSRF token is missing or wrong."""
        form = await request.form()
        token = form.get("csrf") or ""
        expected = request.session.get("csrf") or ""
        if not expected or not isinstance(token, str) or not hmac.compare_digest(token, expected):
            return None
        return form

    def signed_in(self, request: Request, review: ReviewStore, form, officer: bool = True):
        """(user, None) for a posted form with a good CSRF token from a signed-in user (an officer, unless
        `officer` is False); otherwise (user or None, the refusal to return)."""
        user = self.user(request, review)
        if form is None:
            return user, self.error(request, 403, "bad_csrf", user=user)
        if user is None:
            return None, RedirectResponse("/login", status_code=303)
        if officer and user.role != "officer":
            return user, self.error(request, 403, "not_officer", user=user)
        return user, None

    # -- login

    async def login_page(self, request: Request) -> Response:
        return self.render(request, "login.html.j2", failed=None)

    async def login(self, request: Request) -> Response:
        form = await self.checked_form(request)
        if form is None:
            return self.error(request, 403, "bad_csrf")
        username, password = str(form.get("username", ""))[:64], str(form.get("password", ""))[:1024]
        client = request.client.host if request.client else "?"
        with self.review() as review:
            # Who signed in, and every refusal, is part of the record officers answer for.
            result = sign_in(review, username, password, client, self.limiter)
            token = open_session(review, result.user.username) if result.user else None
        if token is None:
            status = 401 if result.refusal == "login_failed" else 429
            return self.render(request, "login.html.j2", status=status, failed=result.refusal)
        request.session.clear()  # a fresh session: no fixation
        request.session.update(sid=token, csrf=secrets.token_urlsafe(32))
        return RedirectResponse("/", status_code=303)

    async def logout(self, request: Request) -> Response:
        if await self.checked_form(request) is None:
            return self.error(request, 403, "bad_csrf")
        with self.review() as review:
            user = self.user(request, review)
            revoke(review, request.session.get("sid"), "logout")  # the cookie is dead, even if copied
            if user:
                review.append_audit(user.username, "logout")
        request.session.clear()
        return RedirectResponse("/login", status_code=303)

    # -- pages

    async def queue(self, request: Request) -> Response:
        with self.review() as review:
            user = self.user(request, review)
            if user is None:
                return RedirectResponse("/login", status_code=303)
            q = request.query_params
            try:
                filters = Filters(**{k: q.get(k, "") for k in ("verdict", "category", "inbox", "since", "until", "q")},
                                  status=q.get("status", DEFAULT_STATUS),  # open items unless asked otherwise
                                  sort=q.get("sort", "time"), order=q.get("order", "desc"),
                                  page=int(q.get("page", "1")) if q.get("page", "1").isdigit() else 1)
            except ReviewError as exc:
                return self.error(request, 400, "error", str(exc), user)
            page = list_items(review, filters)
            mark_unconfirmed(review, page.rows)
        base = {k: v for k, v in q.items() if k not in ("page", "lang") and v}

        def link(**changes) -> str:
            return "/?" + urlencode({**base, **{k: v for k, v in changes.items()}})

        return self.render(request, "queue.html.j2", current_user=user, page=page, f=filters, link=link)

    async def item(self, request: Request) -> Response:
        item_id = request.path_params["item_id"]
        with self.review() as review:
            user = self.user(request, review)
            if user is None:
                return RedirectResponse("/login", status_code=303)
            try:
                row, result, doc = get_item(review, item_id)
            except NotFound:
                return self.error(request, 404, "not_found", user=user)
            members = [dict(m, result=json.loads(m["result"])) for m in members_of(review, row)]
            history = confirmed_history(review, review.decisions(item_id=item_id))
        return self.render(request, "item.html.j2", current_user=user, row=row, result=result, doc=doc,
                           members=members, history=history, notice=request.query_params.get("done"))

    async def decide(self, request: Request) -> Response:
        item_id = request.path_params["item_id"]
        form = await self.checked_form(request)
        with self.review() as review:
            user, refused = self.signed_in(request, review, form)
            if refused is not None:
                return refused
            try:
                decide(review, item_id, str(form.get("action", "")), str(form.get("reason", "")), user.username,
                       self.spool, expected=bulk.parse_version(form.get("version")))
            except DecisionConflict as exc:
                return bulk.conflict_page(self, request, exc, user)
            except PermissionDenied as exc:
                return self.error(request, 403, "forbidden", str(exc), user)
            except NotFound:
                return self.error(request, 404, "not_found", user=user)
            except ReviewError as exc:
                return self.error(request, 400, "error", str(exc), user)
        return RedirectResponse(f"/items/{item_id}?done=1", status_code=303)

    async def dashboard(self, request: Request) -> Response:
        with self.review() as review:
            user = self.user(request, review)
            if user is None:
                return RedirectResponse("/login", status_code=303)
            data = dashboard(review)
        lang = self.lang(request)
        return self.render(request, "dashboard.html.j2", current_user=user, data=data,
                           day_chart=charts.stacked_days(data["days"]),
                           class_day_chart=charts.stacked_days(
                               data["class_days"], order=tuple(CATEGORIES), colours=charts.CLASS_COLOURS,
                               names={c: category_name(c, lang) for c in CATEGORIES}),
                           class_legend=[(category_name(c, lang), charts.CLASS_COLOURS[c]) for c in CATEGORIES],
                           class_chart=charts.hbars([(category_name(c, lang), data["by_class"].get(c, 0))
                                                     for c in CATEGORIES]))

    async def audit(self, request: Request) -> Response:
        with self.review() as review:
            user = self.user(request, review)
            if user is None:
                return RedirectResponse("/login", status_code=303)
            entries, broken, problems = record_problems(review)
        return self.render(request, "audit.html.j2", current_user=user, entries=list(reversed(entries))[:500],
                           broken=record_message(broken, problems, self.lang(request)), total=len(entries))

    async def users(self, request: Request) -> Response:
        with self.review() as review:
            user = self.user(request, review)
            if user is None:
                return RedirectResponse("/login", status_code=303)
            if user.role != "admin":
                return self.error(request, 403, "forbidden", user=user)
            if request.method == "POST":
                form = await self.checked_form(request)
                if form is None:
                    return self.error(request, 403, "bad_csrf", user=user)
                try:
                    if form.get("disable"):
                        review.set_disabled(str(form["disable"]), True, user.username)
                    elif form.get("enable"):
                        review.set_disabled(str(form["enable"]), False, user.username)
                    else:
                        add_user(review, str(form.get("username", "")), str(form.get("role", "")),
                                 str(form.get("password", "")), user.username)
                except ReviewError as exc:
                    return self.error(request, 400, "error", str(exc), user)
                except Exception as exc:  # StoreError: a duplicate name, an unknown user
                    return self.error(request, 400, "error", str(exc), user)
                return RedirectResponse("/users", status_code=303)
            users = review.users()
        return self.render(request, "users.html.j2", current_user=user, users=users)


def create_app(db_path: str | Path, spool: Spool | None = None, secret: str | None = None,
               limiter: LoginLimiter | None = None, config=None) -> Starlette:
    """The ASGI app; the session-signing secret is kept in the database unless given."""
    console = Console(db_path, spool, limiter, config)
    with console.review() as review:
        finish_interrupted_releases(review)
        if secret is None:
            secret = review.setting("session_secret", lambda: secrets.token_hex(32))
    static = Path(__file__).parent / "static"
    routes = [
        Route("/login", console.login_page, methods=["GET"]),
        Route("/login", console.login, methods=["POST"]),
        Route("/logout", console.logout, methods=["POST"]),
        Route("/", console.queue, methods=["GET"]),
        Route("/items/{item_id:int}", console.item, methods=["GET"]),
        Route("/items/{item_id:int}/decide", console.decide, methods=["POST"]),
        Route("/dashboard", console.dashboard, methods=["GET"]),
        Route("/audit", console.audit, methods=["GET"]),
        Route("/users", console.users, methods=["GET", "POST"]),
        *bulk.routes(console), *viewer.routes(console), *password.routes(console),
        Mount("/static", StaticFiles(directory=str(static)), name="static"),
    ]
    middleware = [
        Middleware(SecurityHeaders),
        Middleware(SessionMiddleware, secret_key=secret, session_cookie="mijian_session",
                   max_age=SESSION_HOURS * 3600, same_site="strict", https_only=False),
    ]
    return Starlette(routes=routes, middleware=middleware, lifespan=viewer.lifespan(console))
