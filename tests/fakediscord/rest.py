"""The REST pipeline: record a request, check auth, inject faults and 429s, run its handler."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from typing import Any

from aiohttp import web

from .errors import DiscordHTTPError
from .limits import FaultRule, RateLimitModel, too_many_requests
from .records import RequestRecord, SentFile
from .routes import CALLBACK_ROUTE, Ctx, Resp, Router
from .state import FakeState

log = logging.getLogger("fakediscord")

JSON_TYPE = "application/json"  # exactly this: discord.py compares the header verbatim


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> web.Response:
    hdrs = {"Content-Type": JSON_TYPE}
    hdrs.update(headers or {})
    return web.Response(status=status, body=json.dumps(body).encode(), headers=hdrs)


async def read_body(request: web.Request, record: RequestRecord) -> tuple[Any, list[SentFile]]:
    """The JSON body (or multipart ``payload_json``) and uploaded files, kept on ``record``."""
    ctype = request.headers.get("Content-Type", "")
    files: list[SentFile] = []
    if ctype.startswith("multipart/form-data"):
        form: dict[str, Any] = {"files": [], "fields": {}}
        reader = await request.multipart()
        while True:
            part = await reader.next()
            if part is None:
                break
            data = await part.read(decode=False)  # type: ignore[union-attr]
            name = part.name or ""  # type: ignore[union-attr]
            filename = part.filename  # type: ignore[union-attr]
            if name == "payload_json":
                form["payload_json"] = json.loads(bytes(data).decode())
            elif filename is not None or name.startswith("files["):
                sent = SentFile(
                    name,
                    filename or name,
                    bytes(data),
                    part.headers.get("Content-Type"),  # type: ignore[union-attr]
                )
                files.append(sent)
                form["files"].append((name, sent.filename, sent.size))
            else:
                form["fields"][name] = bytes(data).decode(errors="replace")
        record.form = form
        record.files = files
        return form.get("payload_json"), files
    raw = await request.read()
    if not raw:
        return None, files
    try:
        record.json = json.loads(raw)
    except ValueError as exc:
        raise DiscordHTTPError(400, 50109, "The request body contains invalid JSON.") from exc
    return record.json, files


class RestApi:
    """Answers ``/api/v{n}/...`` and ``/attachments/...`` for the aiohttp app."""

    def __init__(self, state: FakeState, router: Router) -> None:
        self.state = state
        self.router = router

    async def handle(self, request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["tail"]
        method = request.method.upper()
        record = RequestRecord(
            method=method,
            path=path,
            query=dict(request.query),
            api_version=int(request.match_info["version"]),
        )
        with self.state.lock:
            self.state.request_log.requests.append(record)
        extra_headers: dict[str, str] = {}
        try:
            resp = await self._serve(request, record, extra_headers)
            if isinstance(resp, web.Response):
                return self._finish(record, resp)
        except DiscordHTTPError as exc:
            resp = Resp(exc.status, exc.body())
            with self.state.lock:
                self.state.handles.note_error(path, exc)
        except Exception as exc:  # a bug in the fake: answer 500 and log it loudly
            log.exception("FakeDiscord handler crashed on %s %s", method, path)
            resp = Resp(500, {"message": f"FakeDiscord bug: {exc!r}", "code": 0})
        resp.headers.update(extra_headers)
        if resp.body is None:
            response = web.Response(status=204, headers=resp.headers)
        else:
            response = json_response(resp.status, resp.body, resp.headers)
        return self._finish(record, response)

    async def _serve(
        self, request: web.Request, record: RequestRecord, extra_headers: dict[str, str]
    ) -> Resp | web.Response:
        """The handler's answer, or a finished response for an injected fault or a 429.
        Rate limit headers for the answer go into ``extra_headers``."""
        state = self.state
        method, path = record.method, record.path
        if state.latency:
            await asyncio.sleep(state.latency)
        handler, params, needs_auth, route_key, major_name = self.router.match(method, path)
        auth = request.headers.get("Authorization")
        record.authorized = auth == f"Bot {state.identity.token}"
        if handler is None:
            raise DiscordHTTPError(404, 0, "404: Not Found")
        if handler == "405":
            raise DiscordHTTPError(405, 0, "405: Method Not Allowed")
        if needs_auth and not record.authorized:
            raise DiscordHTTPError(401, 0, "401: Unauthorized")
        json_body, files = await read_body(request, record)
        if route_key == CALLBACK_ROUTE:
            with state.lock:
                handle = state.handles.interactions.get(int(params["interaction_id"]))
                if handle is not None:
                    handle.callback_attempts += 1
        with state.lock:
            fault = state.request_log.take_fault(method, path)
        if fault is not None:
            if fault.delay:
                await asyncio.sleep(fault.delay)
            return self._fault_response(fault, route_key)
        if state.rate_limits is not None:
            if major_name == "webhook":
                major = (
                    f"{params.get('app_id') or params.get('interaction_id')}:{params.get('token')}"
                )
            else:
                major = str(params.get(major_name, "")) if major_name else ""
            exempt = major_name == "webhook"  # interaction answers skip the global limit
            with state.lock:
                rl_headers, retry, scope = state.rate_limits.check(route_key, major, exempt)
            if retry is not None:
                return self._too_many(retry, scope == "global", rl_headers, path)
            extra_headers.update(rl_headers)
        ctx = Ctx(request=request, record=record, json=json_body, files=files)
        resp = await handler(ctx, **params)
        delay = state.answer_delay
        if delay and method == delay[0] and re.search(delay[1], path):
            # Discord has done the work (e.g. stored the message) but the answer is slow to come:
            # a client that dies now never learns its request succeeded.
            await asyncio.sleep(delay[2])
        return resp

    def _finish(self, record: RequestRecord, response: web.Response) -> web.Response:
        with self.state.lock:
            record.status = response.status
            record.response_headers = dict(response.headers)
            self.state.cond.notify_all()
        return response

    def _too_many(
        self, retry_after: float, is_global: bool, headers: dict[str, str], path: str
    ) -> web.Response:
        hdrs, body = too_many_requests(retry_after, is_global, headers)
        with self.state.lock:
            self.state.request_log.rate_limited.append(
                {
                    "path": path,
                    "retry_after": retry_after,
                    "global": is_global,
                    "time": time.monotonic(),
                }
            )
        return json_response(429, body, hdrs)

    def _fault_response(self, rule: FaultRule, route_key: str) -> web.Response:
        if rule.status == 429:
            headers: dict[str, str] = {}
            if self.state.rate_limits is not None:
                headers["X-RateLimit-Bucket"] = RateLimitModel.bucket_hash(route_key)
            return self._too_many(rule.retry_after, rule.is_global, headers, rule.pattern.pattern)
        if rule.body is not None:
            return json_response(rule.status, rule.body)
        return json_response(rule.status, rule.error_body())

    async def attachment(self, request: web.Request) -> web.StreamResponse:
        """``GET /attachments/{cid}/{aid}/{filename}``: the bytes of an uploaded file."""
        sent = self.state.attachments.by_id.get(int(request.match_info["aid"]))
        if sent is None:
            return web.Response(status=404, text="not found")
        return web.Response(
            body=sent.data, content_type=sent.content_type or "application/octet-stream"
        )
