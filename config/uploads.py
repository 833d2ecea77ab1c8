"""Keep the file name a client sent, so that a path-traversal name is refused, not fixed.

Django's multipart parser silently reduces ``../../etc/passwd.pdf`` to ``passwd.pdf``. That is
safe (Lectern stores files under random names anyway), but a product that refuses bad input
says so: this parser records every client file name that has path components, control
characters, is just dots or is longer than 255 characters (which Django would cut), on
``request.unsafe_upload_names``, and the upload views (the page, the API, the admin) refuse
the hand-in with a message (``bad_name``).
"""

from __future__ import annotations

import html

from django.http.multipartparser import MultiPartParser as DjangoMultiPartParser
from django.utils.datastructures import ImmutableList
from rest_framework import parsers

# Django cuts longer names to 255 characters (``UploadedFile``); the file checks refuse them.
MAX_NAME_CHARS = 255


def is_unsafe_name(raw: str) -> bool:
    """A name Django would change: folders, control characters, only dots, or too long."""
    return (
        len(raw) > MAX_NAME_CHARS
        or "/" in raw
        or "\\" in raw
        or raw.strip() in {"", ".", ".."}
        or any(not ch.isprintable() for ch in raw)
    )


class RecordingMultiPartParser(DjangoMultiPartParser):
    def __init__(self, *args, unsafe_names: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self._unsafe_names = unsafe_names

    def sanitize_file_name(self, file_name):
        raw = html.unescape(file_name)
        if is_unsafe_name(raw):
            self._unsafe_names.append(raw)
        return super().sanitize_file_name(file_name)


def unsafe_upload_names_middleware(get_response):
    def middleware(request):
        request.unsafe_upload_names = []

        def parse_file_upload(META, post_data):
            request.upload_handlers = ImmutableList(
                request.upload_handlers,
                warning="You cannot alter upload handlers after the upload has been processed.",
            )
            parser = RecordingMultiPartParser(
                META,
                post_data,
                request.upload_handlers,
                request.encoding,
                unsafe_names=request.unsafe_upload_names,
            )
            return parser.parse()

        request.parse_file_upload = parse_file_upload
        return get_response(request)

    return middleware


class RecordingMultiPartApiParser(parsers.MultiPartParser):
    """DRF's multipart parser, recording unsafe client file names like the middleware."""

    def parse(self, stream, media_type=None, parser_context=None):
        from django.http.multipartparser import MultiPartParserError
        from rest_framework.exceptions import ParseError

        parser_context = parser_context or {}
        request = parser_context["request"]
        django_request = getattr(request, "_request", request)
        unsafe = getattr(django_request, "unsafe_upload_names", None)
        if unsafe is None:
            unsafe = django_request.unsafe_upload_names = []
        meta = request.META.copy()
        meta["CONTENT_TYPE"] = media_type
        encoding = parser_context.get("encoding") or "utf-8"
        try:
            parser = RecordingMultiPartParser(
                meta, stream, request.upload_handlers, encoding, unsafe_names=unsafe
            )
            data, files = parser.parse()
            return parsers.DataAndFiles(data, files)
        except MultiPartParserError as exc:
            raise ParseError(f"Multipart form parse error - {exc}") from exc


def client_file_name(request, upload) -> str:
    """The name the client sent for ``upload`` (the raw one when it was unsafe)."""
    django_request = getattr(request, "_request", request)
    unsafe = getattr(django_request, "unsafe_upload_names", None) or []
    return unsafe[0] if unsafe else (upload.name or "")
