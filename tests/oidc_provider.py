"""A local OpenID Connect provider for the tests: what Entra ID or ID-porten does for planner,
on 127.0.0.1, with test people instead of real ones.

Discovery, a login page where the tester picks a person (a form, so a real browser can use it),
the token endpoint (client secret and PKCE checked) and the keys. ID tokens are RS256-signed
with a key made at start (joserfc, authlib's own JOSE library). Deliberately strict where a
real provider is: an unknown client, a wrong secret, a wrong redirect address, a reused code or a
wrong PKCE verifier are refused.
"""

from __future__ import annotations

import base64
import hashlib
import html
import secrets
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import uvicorn
from fastapi import FastAPI, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from joserfc import jwt
from joserfc.jwk import RSAKey

CLIENT_ID, CLIENT_SECRET = "planner-test", "test-hemmelighet"


@dataclass
class Provider:
    people: dict[str, dict[str, Any]]  # login name -> the claims the ID token carries
    port: int = 0
    key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048, parameters={"kid": "test-1"}))
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    tampered: bool = False  # sign ID tokens with another key (a forged token)

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.get("/.well-known/openid-configuration")
        def discovery():
            return {"issuer": self.issuer, "authorization_endpoint": f"{self.issuer}/authorize",
                    "token_endpoint": f"{self.issuer}/token", "jwks_uri": f"{self.issuer}/jwks",
                    "response_types_supported": ["code"], "subject_types_supported": ["public"],
                    "id_token_signing_alg_values_supported": ["RS256"], "code_challenge_methods_supported": ["S256"],
                    "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"]}

        @app.get("/jwks")
        def jwks():
            return {"keys": [self.key.as_dict(private=False)]}

        @app.get("/authorize", response_class=HTMLResponse)
        def authorize_page(request: Request):
            q = request.query_params
            if q.get("client_id") != CLIENT_ID or q.get("response_type") != "code":
                raise HTTPException(400, "unknown client or response type")
            hidden = "".join(f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
                             for k, v in q.items())
            options = "".join(f'<option value="{html.escape(n)}">{html.escape(n)}</option>' for n in self.people)
            return (f'<!doctype html><html lang="nb"><title>Test-innlogging</title><main><h1>Test-innlogging</h1>'
                    f'<form method="post" action="/authorize">{hidden}<label>Person <select name="person" '
                    f'id="person">{options}</select></label><button id="approve">Logg inn</button></form></main></html>')

        @app.post("/authorize")
        def authorize(person: str = Form(...), redirect_uri: str = Form(...), state: str = Form(""),
                      nonce: str = Form(""), code_challenge: str = Form(""), client_id: str = Form("")):
            if person not in self.people or client_id != CLIENT_ID:
                raise HTTPException(400, "unknown person or client")
            code = secrets.token_urlsafe(16)
            self.codes[code] = {"person": person, "redirect_uri": redirect_uri, "nonce": nonce,
                                "challenge": code_challenge}
            return RedirectResponse(f"{redirect_uri}?{urlencode({'code': code, 'state': state})}", status_code=302)

        @app.post("/token")
        async def token(request: Request):
            form = await request.form()
            client, secret = form.get("client_id"), form.get("client_secret")
            auth = request.headers.get("authorization", "")
            if auth.startswith("Basic "):
                client, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
            if client != CLIENT_ID or secret != CLIENT_SECRET:
                return JSONResponse({"error": "invalid_client"}, status_code=401)
            grant = self.codes.pop(str(form.get("code", "")), None)  # a code works once
            verifier = str(form.get("code_verifier", ""))
            challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
            if grant is None or grant["redirect_uri"] != form.get("redirect_uri") or grant["challenge"] != challenge:
                return JSONResponse({"error": "invalid_grant"}, status_code=400)
            now = int(time.time())
            claims = {"iss": self.issuer, "aud": CLIENT_ID, "iat": now, "exp": now + 300, "nonce": grant["nonce"],
                      "sub": hashlib.sha256(grant["person"].encode()).hexdigest()[:20], **self.people[grant["person"]]}
            key = RSAKey.generate_key(2048, parameters={"kid": "test-1"}) if self.tampered else self.key
            id_token = jwt.encode({"alg": "RS256", "kid": "test-1"}, claims, key)
            return {"access_token": secrets.token_urlsafe(16), "token_type": "Bearer", "expires_in": 300,
                    "id_token": id_token}

        return app


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Running:
    """The provider served by uvicorn in a thread, for `with` blocks and fixtures."""

    def __init__(self, provider: Provider):
        provider.port = provider.port or free_port()
        self.provider = provider
        self.server = uvicorn.Server(uvicorn.Config(provider.app(), host="127.0.0.1", port=provider.port,
                                                    log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> Provider:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the test OIDC provider did not start")
            time.sleep(0.02)
        return self.provider

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)


def config_text(provider: Provider, **extra: str) -> str:
    """A planner `--oidc` file for this provider (the secret given inline, as only tests should)."""
    lines = [f'issuer = "{provider.issuer}"', f'client_id = "{CLIENT_ID}"', f'client_secret = "{CLIENT_SECRET}"',
             'label = "Testkommunens innlogging"', 'admin_values = ["planner.admin"]']
    lines += [f"{k} = {v}" for k, v in extra.items()]
    return "\n".join(lines) + "\n"
