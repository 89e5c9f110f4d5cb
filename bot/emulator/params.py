"""Bot API request parameters from JSON, form or multipart bodies, checked the way Telegram does."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from multidict import MultiMapping


class ApiError(Exception):
    """A Bot API error reply: HTTP status, Telegram's description and optional retry_after."""

    def __init__(self, code: int, description: str, *, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after

    def body(self) -> dict[str, Any]:
        """The JSON body Telegram sends with this error."""
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.code,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(what: str) -> ApiError:
    """A 400 with Telegram's 'Bad Request: …' wording."""
    return ApiError(400, f"Bad Request: {what}")


ATTACH = "attach://"


@dataclass(frozen=True)
class UploadedFile:
    """A file sent in a multipart body."""

    file_name: str
    content: bytes


class Params:
    """One request's parameters; form values arrive as strings, JSON ones as their own types."""

    def __init__(self, values: dict[str, Any]) -> None:
        self._values = values

    def names(self) -> set[str]:
        """Every parameter name the request carried."""
        return set(self._values)

    def raw(self, name: str) -> Any:
        """The value as sent, or None."""
        return self._values.get(name)

    def text(self, name: str, *, required: bool = False) -> str | None:
        """A string parameter."""
        value = self._values.get(name)
        if value is None or value == "":
            if required:
                raise bad_request(f"{name} is empty")
            return None
        if isinstance(value, UploadedFile | dict | list):
            raise bad_request(f'field "{name}" must be of type String')
        return str(value)

    def integer(self, name: str, *, required: bool = False) -> int | None:
        """An integer parameter (chat ids, message ids, offsets)."""
        value = self._values.get(name)
        if value is None or value == "":
            if required:
                raise bad_request(f"{name} is empty")
            return None
        if isinstance(value, bool):
            raise bad_request(f'field "{name}" must be of type Integer')
        try:
            return int(value)
        except (TypeError, ValueError):
            raise bad_request(f'field "{name}" must be of type Integer') from None

    def chat_id(self) -> int:
        """The chat_id parameter; a non-numeric one (an @username) is a chat we do not know."""
        value = self._values.get("chat_id")
        if value is None or value == "":
            raise bad_request("chat_id is empty")
        try:
            return int(value)
        except (TypeError, ValueError):
            raise bad_request("chat not found") from None

    def flag(self, name: str) -> bool:
        """A boolean parameter (form bodies send 'true'/'false')."""
        value = self._values.get(name)
        if value is None or isinstance(value, bool):
            return bool(value)
        text = str(value).strip().lower()
        if text in ("true", "1"):
            return True
        if text in ("false", "0", ""):
            return False
        raise bad_request(f'field "{name}" must be of type Boolean')

    def structure(self, name: str) -> Any:
        """A JSON-serialised parameter (reply_markup, commands, scope, allowed_updates)."""
        value = self._values.get(name)
        if not isinstance(value, str):
            return value
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            raise bad_request(f"can't parse {name} JSON object") from None

    def upload(self, name: str) -> UploadedFile | str | None:
        """A file field: an uploaded file, or a file_id/URL string.

        Both libraries send `attach://<part>` and the file in the part of that name, as the
        Bot API allows; the file is what that refers to.
        """
        value = self._values.get(name)
        if isinstance(value, str) and value.startswith(ATTACH):
            value = self._values.get(value[len(ATTACH) :])
            if not isinstance(value, UploadedFile):
                raise bad_request(f"file for {name} was not attached")
        if value is None or isinstance(value, UploadedFile):
            return value
        return str(value)


async def read_params(request: web.Request) -> Params:
    """The request's parameters: its query, then its JSON, form or multipart body."""
    values: dict[str, Any] = dict(request.query)
    if request.can_read_body:
        if request.content_type == "application/json":
            try:
                body = await request.json()
            except json.JSONDecodeError:
                raise ApiError(400, "Bad Request: can't parse JSON request body") from None
            if not isinstance(body, dict):
                raise ApiError(400, "Bad Request: JSON request body must be an object")
            values.update(body)
        else:
            values.update(_form_values(await request.post()))
    return Params(values)


def _form_values(form: MultiMapping[Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key, value in form.items():
        if isinstance(value, web.FileField):
            values[key] = UploadedFile(value.filename or key, value.file.read())
        else:
            values[key] = value
    return values
