"""The API's JSON parser, bounded in size and nesting (issue 10, case 8).

DRF's ``JSONParser`` reads the whole body and hands it to ``json.load``: 100,000 nested
brackets raise ``RecursionError`` (a 500), and a body is not bounded by Django's
``DATA_UPLOAD_MAX_MEMORY_SIZE`` when DRF reads the stream itself. No Lectern endpoint takes
more than a small object, so bodies are limited to ``MAX_BYTES`` and ``MAX_DEPTH`` levels.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any, ClassVar

from rest_framework.parsers import JSONParser

from .errors import ApplicationError

MAX_BYTES = 1024 * 1024
MAX_DEPTH = 32


class JSONTooLarge(ApplicationError):
    status_code: ClassVar[int] = 413
    code = "too_large"


class JSONTooDeep(ApplicationError):
    code = "too_deep"


def depth(value: Any) -> int:
    """How deeply ``value`` (parsed JSON) nests lists and objects; iterative, any depth."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        item, level = stack.pop()
        children: Iterable[Any]
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, level)
        if deepest > MAX_DEPTH:
            return deepest
        stack.extend((child, level + 1) for child in children)
    return deepest


class BoundedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        raw = stream.read(MAX_BYTES + 1) if stream is not None else b""
        if len(raw) > MAX_BYTES:
            raise JSONTooLarge(f"The JSON body is larger than {MAX_BYTES // 1024} KiB.")
        try:
            data = super().parse(io.BytesIO(raw), media_type, parser_context)
        except RecursionError:
            raise JSONTooDeep(
                f"The JSON body nests more than {MAX_DEPTH} levels of lists or objects."
            ) from None
        if depth(data) > MAX_DEPTH:
            raise JSONTooDeep(
                f"The JSON body nests more than {MAX_DEPTH} levels of lists or objects."
            )
        return data
