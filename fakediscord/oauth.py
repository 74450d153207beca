"""Discord's OAuth2 authorization code flow, as a web dashboard's "Log in with Discord" sees it.

* ``GET /oauth2/authorize`` (on the site root, like discord.com): the consent page for the
  person "signed in to Discord" in this browser (``fake.oauth.login_as(user_id)``), with
  Authorize and Cancel; it checks ``client_id``, ``redirect_uri``, ``response_type=code`` and the
  scopes as Discord does, and answers the redirect with ``?code=…&state=…`` (or
  ``?error=access_denied&state=…``).
* ``POST /api/v10/oauth2/token`` (``application/x-www-form-urlencoded``; client credentials by
  HTTP Basic or in the body): a one-use code for a Bearer token, ``invalid_grant`` otherwise.
* ``GET /api/v10/users/@me`` and ``GET /api/v10/users/@me/guilds`` with ``Authorization:
  Bearer …``: the person, and their partial guilds with ``owner`` and ``permissions`` (a string
  of their guild-level permission bits), paginated by ``after``/``limit`` as Discord does.

Docs: https://discord.com/developers/docs/topics/oauth2 and the Users resource.
"""

from __future__ import annotations

import base64
import html
import secrets
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from aiohttp import web

if TYPE_CHECKING:
    from .server import FakeDiscord

TOKEN_SECONDS = 604800  # Discord's access tokens last a week


@dataclass
class OAuthApp:
    client_id: int
    secret: str
    #: redirect URIs registered in the developer portal (exact match, as Discord checks)
    redirect_uris: set[str] = field(default_factory=set)


@dataclass
class Grant:
    user_id: int
    client_id: int
    scopes: tuple[str, ...]
    redirect_uri: str


class FakeOAuth:
    """The fake's OAuth2 provider. ``login_as`` says who is signed in to "Discord" in the
    browser; ``revoke`` ends a person's tokens (what de-authorizing the app does)."""

    def __init__(self, fake: FakeDiscord) -> None:
        self.fake = fake
        self.apps: dict[int, OAuthApp] = {}
        self.signed_in: int | None = None
        self._codes: dict[str, Grant] = {}
        self._tokens: dict[str, Grant] = {}
        #: every code exchanged, refused or not (for tests): (code, outcome)
        self.exchanges: list[tuple[str, str]] = []

    # ------------------------------------------------------------------ test controls
    def register_app(self, client_id: int, secret: str, redirect_uri: str) -> OAuthApp:
        app = self.apps.get(client_id) or OAuthApp(client_id, secret)
        app.secret = secret
        app.redirect_uris.add(redirect_uri)
        self.apps[client_id] = app
        return app

    def login_as(self, user_id: int | None) -> None:
        """The person signed in to Discord in the browser (None: nobody)."""
        self.signed_in = user_id

    def revoke(self, user_id: int) -> None:
        for token in [t for t, g in self._tokens.items() if g.user_id == user_id]:
            del self._tokens[token]

    def token_for(self, user_id: int, client_id: int) -> str:
        """A Bearer token as if the person had logged in (for tests that skip the pages)."""
        token = secrets.token_urlsafe(24)
        self._tokens[token] = Grant(user_id, client_id, ("identify", "guilds"), "")
        return token

    # ------------------------------------------------------------------ the site pages
    def _page(self, title: str, body: str, status: int = 200) -> web.Response:
        return web.Response(
            text=(
                "<!doctype html><html><head><meta charset='utf-8'><link rel='icon' href='data:,'>"
                f"<title>{html.escape(title)}</title>"
                "<style>body{font-family:sans-serif;background:#313338;color:#dbdee1;"
                "display:flex;justify-content:center;padding-top:8vh}"
                "main{background:#2b2d31;padding:2rem;border-radius:8px;max-width:26rem}"
                "button{font-size:1rem;padding:.6rem 1.2rem;border:0;border-radius:4px;"
                "margin-right:.5rem;cursor:pointer}#authorize{background:#5865f2;color:#fff}"
                "</style></head><body><main>" + body + "</main></body></html>"
            ),
            status=status,
            content_type="text/html",
        )

    def _check_request(self, query: Any) -> tuple[OAuthApp, str, tuple[str, ...]] | str:
        try:
            client_id = int(query.get("client_id", ""))
        except ValueError:
            return "Invalid OAuth2 application: client_id is missing or malformed."
        app = self.apps.get(client_id)
        if app is None:
            return "Unknown application."
        redirect_uri = query.get("redirect_uri", "")
        if redirect_uri not in app.redirect_uris:
            return "Invalid OAuth2 redirect_uri."
        if query.get("response_type") != "code":
            return "Invalid response_type; this app uses the code grant."
        scopes = tuple(query.get("scope", "").split())
        if not scopes or any(s not in ("identify", "guilds", "email") for s in scopes):
            return "Invalid scope."
        return app, redirect_uri, scopes

    async def authorize_page(self, request: web.Request) -> web.StreamResponse:
        checked = self._check_request(request.query)
        if isinstance(checked, str):
            return self._page("Discord", f"<h1>Hmm…</h1><p>{html.escape(checked)}</p>", 400)
        _app, _redirect, scopes = checked
        if self.signed_in is None or self.signed_in not in self.fake.users:
            return self._page("Discord", "<h1>Log in to Discord first</h1>", 401)
        user = self.fake.users[self.signed_in]
        hidden = "".join(
            f"<input type='hidden' name='{html.escape(k)}' value='{html.escape(v)}'>"
            for k, v in request.query.items()
        )
        return self._page(
            "Discord | Authorize access",
            "<h1>An external application wants to access your Discord account</h1>"
            f"<p>Signed in as <strong id='who'>{html.escape(user.name)}</strong></p>"
            f"<p>It will be able to: {html.escape(', '.join(scopes))}</p>"
            f"<form method='post' action='/oauth2/authorize'>{hidden}"
            "<button id='cancel' name='decision' value='cancel'>Cancel</button>"
            "<button id='authorize' name='decision' value='authorize'>Authorize</button>"
            "</form>",
        )

    async def authorize_decision(self, request: web.Request) -> web.StreamResponse:
        form = await request.post()
        query = {k: str(v) for k, v in form.items()}
        checked = self._check_request(query)
        if isinstance(checked, str):
            return self._page("Discord", f"<h1>Hmm…</h1><p>{html.escape(checked)}</p>", 400)
        app, redirect_uri, scopes = checked
        back: dict[str, str] = {}
        if query.get("decision") != "authorize" or self.signed_in is None:
            back["error"] = "access_denied"
            back["error_description"] = "The resource owner or authorization server denied"
        else:
            code = secrets.token_urlsafe(18)
            self._codes[code] = Grant(self.signed_in, app.client_id, scopes, redirect_uri)
            back["code"] = code
        if "state" in query:
            back["state"] = query["state"]
        sep = "&" if "?" in redirect_uri else "?"
        raise web.HTTPFound(redirect_uri + sep + urlencode(back))

    # ------------------------------------------------------------------ the API
    async def token(self, request: web.Request) -> web.StreamResponse:
        from .server import json_response

        if request.content_type != "application/x-www-form-urlencoded":
            return json_response({"error": "invalid_request"}, 400)
        form = {k: str(v) for k, v in (await request.post()).items()}
        client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
        auth = request.headers.get("Authorization", "")
        if auth.startswith("Basic "):
            try:
                client_id, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
            except ValueError:
                return json_response({"error": "invalid_client"}, 401)
        app = self.apps.get(int(client_id)) if client_id.isdigit() else None
        if app is None or not secrets.compare_digest(app.secret, secret):
            return json_response({"error": "invalid_client"}, 401)
        if form.get("grant_type") != "authorization_code":
            return json_response({"error": "unsupported_grant_type"}, 400)
        code = form.get("code", "")
        grant = self._codes.pop(code, None)  # one use, whatever happens next
        if (
            grant is None
            or grant.client_id != app.client_id
            or grant.redirect_uri != form.get("redirect_uri")
        ):
            self.exchanges.append((code, "invalid_grant"))
            return json_response(
                {"error": "invalid_grant", "error_description": 'Invalid "code" in request.'},
                400,
            )
        self.exchanges.append((code, "ok"))
        token = secrets.token_urlsafe(24)
        self._tokens[token] = grant
        return json_response(
            {
                "access_token": token,
                "token_type": "Bearer",
                "expires_in": TOKEN_SECONDS,
                "refresh_token": secrets.token_urlsafe(24),
                "scope": " ".join(grant.scopes),
            }
        )

    def grant_of(self, request: web.Request) -> Grant | None:
        auth = request.headers.get("Authorization", "")
        return self._tokens.get(auth[7:]) if auth.startswith("Bearer ") else None

    async def me(self, request: web.Request, grant: Grant) -> web.Response:
        from .server import json_response

        user = self.fake.users.get(grant.user_id)
        if user is None:
            return json_response({"message": "Unknown User", "code": 10013}, 404)
        return json_response({**user.payload(), "locale": user.locale, "mfa_enabled": False})

    async def guilds(self, request: web.Request, grant: Grant) -> web.Response:
        from .server import error, json_response

        if "guilds" not in grant.scopes:
            return error(403, 50001, "Missing Access")
        try:
            limit = int(request.query.get("limit", "200"))
            after = int(request.query.get("after", "0"))
        except ValueError:
            return error(400, 50035, "Invalid Form Body")
        limit = max(1, min(200, limit))
        out: list[dict[str, Any]] = []
        for gid in sorted(self.fake.guilds):
            guild = self.fake.guilds[gid]
            if gid <= after or grant.user_id not in guild.members:
                continue
            out.append(
                {
                    "id": str(gid),
                    "name": guild.name,
                    "icon": None,
                    "banner": None,
                    "owner": guild.owner_id == grant.user_id,
                    "permissions": str(guild.permissions_of(grant.user_id)),
                    "features": [],
                }
            )
            if len(out) >= limit:
                break
        return json_response(out)
