"""HTTP answers shaped like Discord's, including its error bodies."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from .models import Json


def json_response(
    data: Any, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    # discord.py compares the content type verbatim, so aiohttp's "; charset=utf-8" must not
    # be added (web.json_response and text= bodies add it).
    all_headers = {"Content-Type": "application/json"}
    all_headers.update(headers or {})
    return web.Response(body=json.dumps(data).encode(), status=status, headers=all_headers)


def no_content() -> web.Response:
    return web.Response(status=204)


class ApiError(Exception):
    """Raised by route handlers; turned into a Discord error body by the router."""

    def __init__(
        self,
        status: int,
        code: int,
        message: str,
        errors: Json | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {code} {message}")
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors
        self.headers = headers

    def body(self) -> Json:
        body: Json = {"code": self.code, "message": self.message}
        if self.errors is not None:
            body["errors"] = self.errors
        return body

    def response(self) -> web.Response:
        return json_response(self.body(), self.status, self.headers)


def unknown_message() -> ApiError:
    return ApiError(404, 10008, "Unknown Message")


def unknown_channel() -> ApiError:
    return ApiError(404, 10003, "Unknown Channel")


def unknown_interaction() -> ApiError:
    return ApiError(404, 10062, "Unknown interaction")


def invalid_webhook_token() -> ApiError:
    return ApiError(401, 50027, "Invalid Webhook Token")


def unauthorized() -> ApiError:
    return ApiError(401, 0, "401: Unauthorized")


def too_large() -> ApiError:
    return ApiError(413, 40005, "Request entity too large")


def field_error(code: str, message: str) -> Json:
    return {"_errors": [{"code": code, "message": message}]}


def max_length_error(limit: int) -> Json:
    return field_error("BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")


def invalid_form_body(errors: Json) -> ApiError:
    return ApiError(400, 50035, "Invalid Form Body", errors)
