"""Changing one's own password in the console: the current password first; then every session of the account ends."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from scanner.review.auth import MIN_PASSWORD, authenticate, change_password
from scanner.review.signin import account_locked


async def password_page(console, request: Request) -> Response:
    with console.review() as review:
        user = console.user(request, review)
    if user is None:
        return RedirectResponse("/login", status_code=303)
    return console.render(request, "password.html.j2", current_user=user, failed=None)


async def change(console, request: Request) -> Response:
    form = await console.checked_form(request)
    with console.review() as review:
        user, refused = console.signed_in(request, review, form, officer=False)
        if refused is not None:
            return refused
        current, new, again = (str(form.get(k, ""))[:1024] for k in ("current", "new", "again"))
        client = request.client.host if request.client else "?"
        if account_locked(review, user.username):
            review.append_audit(user.username, "login.locked", detail={"client": client, "for": "password"})
            return console.render(request, "password.html.j2", status=429, current_user=user, failed="login_locked")
        if authenticate(review, user.username, current) is None:
            # A wrong current password counts towards the account's lock, like a wrong sign-in.
            review.append_audit(user.username, "login.failed", detail={"client": client, "for": "password"})
            return console.render(request, "password.html.j2", status=400, current_user=user, failed="login_failed")
        if new != again:
            return console.render(request, "password.html.j2", status=400, current_user=user,
                                  failed="password_mismatch")
        if len(new) < MIN_PASSWORD:
            return console.render(request, "password.html.j2", status=400, current_user=user, failed="password_short")
        change_password(review, user.username, new, user.username)  # ends every session, this one too
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


def routes(console) -> list[Route]:
    async def show(request: Request) -> Response:
        return await password_page(console, request)

    async def post(request: Request) -> Response:
        return await change(console, request)

    return [Route("/password", show, methods=["GET"]), Route("/password", post, methods=["POST"])]
