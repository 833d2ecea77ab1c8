"""Server-side content checks for uploaded submission files.

A pure module: no ORM, no settings. The caller (the submission service) passes the
assignment's :class:`FileRules` and the server's :class:`ParseLimits`, and gets either a
:class:`CheckedFile` or a :class:`FileRejected` whose ``message`` can be shown as is.

What the browser says about a file is ignored. The kind is decided by the content (magic
bytes), the file name's extension must agree with it, and the content must then parse:

* PDF: opened with pypdf; refused if truncated, damaged or encrypted; pages are counted and,
  when asked, pages from the one where a "References"/"Bibliography" heading starts are not
  counted against the page limit.
* Jupyter notebook: UTF-8 JSON, nbformat version 4, valid against the nbformat schema.
* ZIP: every entry is decompressed (in bounded chunks) to check the real total size, the
  compression ratio and the integrity; no absolute, ``..``, drive-letter or backslash paths,
  no symbolic links, no encrypted entries.

Parsing hostile files (PDF bombs, deeply nested objects, broken cross-reference tables) runs
in a child process with CPU-time and address-space limits and a wall-clock timeout
(``submissions/filechecks_worker.py``), so a bad file is refused with "could not be read within
the server's limits" instead of tying up a web worker. Each file gets a process of its own,
forked from a check server that has the parsers imported (a few milliseconds of CPU, where
starting an interpreter and importing them took about 90). ``ParseLimits(isolated=False)`` runs the
same code in-process; it is meant for unit tests of the pure logic, not for production.

See ``docs/file-checks.md`` for the full list of checks and messages.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
import unicodedata
import warnings
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import BinaryIO

MiB = 1024 * 1024

_READ_CHUNK = 1 * MiB
_ZIP_READ_CHUNK = 64 * 1024
# Below this many uncompressed bytes the compression ratio is not judged: a small archive
# of repetitive text can compress very well and still be harmless.
_RATIO_FLOOR_BYTES = 1 * MiB
_MAX_NAME_CHARS = 255
# Where a PDF's header may start and where its %%EOF marker must be (the limits readers
# such as Acrobat apply).
_PDF_HEADER_WINDOW = 1024
_PDF_EOF_WINDOW = 1024
# A heading that opens the references: "References", "5 References", "VI. REFERENCES",
# "Bibliography:". Matched against a line with all whitespace removed, because text extracted
# from small caps or positioned glyphs often comes out as "R EFERENCES" or "5References".
_REFERENCES_HEADING = re.compile(
    r"(?:(?:\d+(?:\.\d+)*|[ivxlc]+)\.?)?(?:references|bibliography)[:.]?"
)
_DRIVE_LETTER = re.compile(r"[A-Za-z]:")
# The worker's exit status when it ran out of memory even while reporting it.
WORKER_EXIT_NO_MEMORY = 75


class FileKind(StrEnum):
    PDF = "pdf"
    NOTEBOOK = "notebook"
    ZIP = "zip"

    @property
    def label(self) -> str:
        """The kind with an article, for messages: "a PDF"."""
        return _KIND_LABELS[self]

    @property
    def extension(self) -> str:
        return _KIND_EXTENSIONS[self]

    @property
    def media_type(self) -> str:
        return _KIND_MEDIA_TYPES[self]


_KIND_LABELS = {
    FileKind.PDF: "a PDF",
    FileKind.NOTEBOOK: "a Jupyter notebook",
    FileKind.ZIP: "a ZIP archive",
}
_KIND_PLURALS = {
    FileKind.PDF: "PDF files",
    FileKind.NOTEBOOK: "Jupyter notebooks (.ipynb)",
    FileKind.ZIP: "ZIP archives",
}
_KIND_EXTENSIONS = {FileKind.PDF: ".pdf", FileKind.NOTEBOOK: ".ipynb", FileKind.ZIP: ".zip"}
_KIND_MEDIA_TYPES = {
    FileKind.PDF: "application/pdf",
    FileKind.NOTEBOOK: "application/x-ipynb+json",
    FileKind.ZIP: "application/zip",
}
_EXTENSION_KINDS = {ext: kind for kind, ext in _KIND_EXTENSIONS.items()}


class RejectCode(StrEnum):
    """Why a file was refused; a ``StrEnum``, so it compares equal to its string value."""

    BAD_NAME = "bad_name"
    EMPTY = "empty"
    TOO_LARGE = "too_large"
    UNKNOWN_TYPE = "unknown_type"
    EXTENSION_MISMATCH = "extension_mismatch"
    KIND_NOT_ACCEPTED = "kind_not_accepted"
    PDF_UNREADABLE = "pdf_unreadable"
    PDF_ENCRYPTED = "pdf_encrypted"
    TOO_MANY_PAGES = "too_many_pages"
    NOTEBOOK_INVALID = "notebook_invalid"
    ZIP_INVALID = "zip_invalid"
    ZIP_ENCRYPTED = "zip_encrypted"
    ZIP_TOO_MANY_ENTRIES = "zip_too_many_entries"
    ZIP_BOMB = "zip_bomb"
    ZIP_UNSAFE_PATH = "zip_unsafe_path"
    TIMEOUT = "timeout"
    TOO_COMPLEX = "too_complex"


class FileRejected(Exception):
    """The file is refused; ``message`` is written for the student and safe to show."""

    def __init__(self, code: RejectCode | str, message: str) -> None:
        super().__init__(message)
        self.code = RejectCode(code)
        self.message = message

    def __repr__(self) -> str:
        return f"FileRejected({self.code.value!r}, {self.message!r})"


@dataclass(frozen=True)
class FileRules:
    """What an assignment accepts. Limits are in bytes; ``max_ratio`` is uncompressed/archive."""

    accepted: frozenset[FileKind]
    max_bytes: int
    max_pages: int | None = None
    pages_exclude_references: bool = False
    max_uncompressed_bytes: int = 100 * MiB
    max_zip_entries: int = 2000
    max_ratio: float = 100.0

    def __post_init__(self) -> None:
        accepted = frozenset(FileKind(kind) for kind in self.accepted)
        if not accepted:
            raise ValueError("FileRules.accepted must name at least one kind")
        object.__setattr__(self, "accepted", accepted)
        if self.max_bytes < 1:
            raise ValueError("FileRules.max_bytes must be positive")
        if self.max_pages is not None and self.max_pages < 1:
            raise ValueError("FileRules.max_pages must be positive or None")
        if self.max_uncompressed_bytes < 1 or self.max_zip_entries < 1 or self.max_ratio <= 1:
            raise ValueError("FileRules ZIP limits must be positive (and max_ratio above 1)")


@dataclass(frozen=True)
class ParseLimits:
    """How much the server spends parsing one file (server-wide, not per assignment)."""

    cpu_seconds: int = 10
    memory_bytes: int = 512 * MiB
    wall_seconds: float = 15.0
    # False runs the parsers in the calling process, without limits: for unit tests only.
    isolated: bool = True

    def __post_init__(self) -> None:
        if self.cpu_seconds < 1 or self.memory_bytes < 64 * MiB or self.wall_seconds <= 0:
            raise ValueError("ParseLimits: cpu_seconds >= 1, memory_bytes >= 64 MiB, wall > 0")


DEFAULT_LIMITS = ParseLimits()


@dataclass(frozen=True)
class CheckedFile:
    """An accepted file: what the receipt and the storage layer need."""

    kind: FileKind
    safe_name: str
    size: int
    sha256: str
    # Both None unless the file is a PDF; counted_pages is what the page limit was held to.
    pages: int | None
    counted_pages: int | None

    @property
    def media_type(self) -> str:
        return self.kind.media_type


@dataclass(frozen=True)
class Inspection:
    """What parsing the content found (the worker's answer)."""

    pages: int | None = None
    counted_pages: int | None = None


def check_file(
    *,
    name: str,
    data: bytes | bytearray | memoryview | os.PathLike[str] | BinaryIO,
    rules: FileRules,
    limits: ParseLimits = DEFAULT_LIMITS,
) -> CheckedFile:
    """Check an uploaded file against ``rules``; return it described or raise FileRejected.

    ``data`` is the content (bytes), a path (``pathlib.Path``; a plain ``str`` is refused as
    ambiguous) or a binary file object, read from its start when it is seekable. At most
    ``rules.max_bytes + 1`` bytes are read, so ``max_bytes`` also bounds the memory used here.
    """
    safe_name = clean_file_name(name)
    content, size, sha256 = _read_bounded(data, rules.max_bytes)
    if size == 0:
        raise FileRejected(RejectCode.EMPTY, "The file is empty (0 bytes).")

    kind = _kind_for(safe_name, content, rules)
    if limits.isolated:
        inspection = _inspect_isolated(kind, content, rules, limits)
    else:
        inspection = inspect_content(kind, content, rules)
    return CheckedFile(
        kind=kind,
        safe_name=safe_name,
        size=size,
        sha256=sha256,
        pages=inspection.pages,
        counted_pages=inspection.counted_pages,
    )


# --- names ------------------------------------------------------------------------------


def clean_file_name(name: str) -> str:
    """Return the name to store (NFC, trimmed) or refuse it.

    A name with a folder part is refused, not reduced to its base name: an upload that names
    ``../../etc/passwd.pdf`` is not an honest mistake, and Django already strips the folders
    a browser might send.
    """
    if not isinstance(name, str):
        raise TypeError("name must be a str")
    cleaned = unicodedata.normalize("NFC", name).strip()
    if not cleaned:
        raise FileRejected(RejectCode.BAD_NAME, "The file has no name.")
    if "/" in cleaned or "\\" in cleaned or _DRIVE_LETTER.match(cleaned):
        raise FileRejected(
            RejectCode.BAD_NAME,
            "The file name must be a plain name, without folders, “/” or “\\”.",
        )
    if any(unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp") for char in cleaned):
        raise FileRejected(
            RejectCode.BAD_NAME,
            "The file name contains control or invisible formatting characters; "
            "rename the file using ordinary characters.",
        )
    if cleaned in (".", ".."):
        raise FileRejected(RejectCode.BAD_NAME, "The file has no name.")
    if len(cleaned) > _MAX_NAME_CHARS:
        raise FileRejected(
            RejectCode.BAD_NAME,
            f"The file name is too long ({len(cleaned)} characters; "
            f"the limit is {_MAX_NAME_CHARS}).",
        )
    stem = cleaned.rpartition(".")[0] if "." in cleaned else cleaned
    if not stem.strip(". "):
        raise FileRejected(RejectCode.BAD_NAME, "The file name has nothing before its extension.")
    return cleaned


def _split_extension(name: str) -> tuple[str, str]:
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem:
        return name, ""
    return stem, "." + ext.lower()


# --- reading ----------------------------------------------------------------------------


def _read_bounded(data, max_bytes: int) -> tuple[bytes, int, str]:
    """Read at most max_bytes + 1 bytes, hashing as we go; refuse anything larger."""
    if isinstance(data, bytes | bytearray | memoryview):
        content = bytes(data)
        if len(content) > max_bytes:
            raise _too_large(len(content), max_bytes)
        return content, len(content), hashlib.sha256(content).hexdigest()
    if isinstance(data, str):
        raise TypeError("pass the file content as bytes, or a path as pathlib.Path")
    if isinstance(data, os.PathLike):
        with open(data, "rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            if size > max_bytes:
                raise _too_large(size, max_bytes)
            return _read_stream(handle, max_bytes)
    if hasattr(data, "read"):
        if getattr(data, "seekable", lambda: False)():
            data.seek(0)
        return _read_stream(data, max_bytes)
    raise TypeError(f"cannot read file content from {type(data).__name__}")


def _read_stream(stream: BinaryIO, max_bytes: int) -> tuple[bytes, int, str]:
    digest = hashlib.sha256()
    buffer = io.BytesIO()
    size = 0
    while True:
        chunk = stream.read(_READ_CHUNK)
        if not chunk:
            break
        if not isinstance(chunk, bytes | bytearray):
            raise TypeError("the file must be opened in binary mode")
        size += len(chunk)
        if size > max_bytes:
            raise _too_large(None, max_bytes)
        digest.update(chunk)
        buffer.write(chunk)
    return buffer.getvalue(), size, digest.hexdigest()


def _too_large(size: int | None, limit: int) -> FileRejected:
    if size is None:
        text = f"This file is larger than the limit of {format_size(limit)}."
    else:
        shown, shown_limit = format_size(size), format_size(limit)
        if shown == shown_limit:
            shown, shown_limit = f"{size:,} bytes", f"{limit:,} bytes"
        text = f"This file is {shown}; the limit is {shown_limit}."
    return FileRejected(RejectCode.TOO_LARGE, text)


def format_size(size: int) -> str:
    """A size for people, in binary units as Django's ``filesizeformat`` shows them."""
    if size < 1024:
        return f"{size} byte" + ("" if size == 1 else "s")
    for unit, factor in (("GB", 1024**3), ("MB", MiB), ("KB", 1024)):
        if size >= factor:
            value = size / factor
            return f"{value:.0f} {unit}" if value == int(value) else f"{value:.1f} {unit}"
    raise AssertionError("unreachable")


# --- kind -------------------------------------------------------------------------------


def sniff_kind(content: bytes) -> FileKind | None:
    """The kind the content is, by its magic bytes, or None."""
    if content.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return FileKind.ZIP
    head = content.lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"{") and (b'"nbformat"' in content or b'"cells"' in content):
        return FileKind.NOTEBOOK
    if b"%PDF-" in content[:_PDF_HEADER_WINDOW]:
        return FileKind.PDF
    return None


_OTHER_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old-format Microsoft Office document"),
    (b"{\\rtf", "an RTF document"),
    (b"%!PS", "a PostScript file"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"MZ", "a Windows program"),
    (b"\x7fELF", "a Linux program"),
)


def _describe_other(content: bytes) -> str:
    for signature, description in _OTHER_SIGNATURES:
        if content.startswith(signature):
            return description
    if content[8:12] == b"WEBP" and content.startswith(b"RIFF"):
        return "a WebP image"
    try:
        text = content[:4096].decode("utf-8-sig")
    except UnicodeDecodeError:
        return "data of an unrecognised type"
    stripped = text.lstrip().lower()
    if stripped.startswith(("<!doctype html", "<html")):
        return "a web page (HTML)"
    if stripped.startswith(("{", "[")):
        return _JSON_TEXT
    return _PLAIN_TEXT


_JSON_TEXT = "JSON or other text"
_PLAIN_TEXT = "plain text"
_TEXT_DESCRIPTIONS = (_JSON_TEXT, _PLAIN_TEXT)


def _kind_for(name: str, content: bytes, rules: FileRules) -> FileKind:
    """The content's kind, once it agrees with the extension and the assignment accepts it."""
    _, extension = _split_extension(name)
    named_kind = _EXTENSION_KINDS.get(extension)
    kind = sniff_kind(content)
    if kind is None:
        description = _describe_other(content)
        if (
            named_kind is FileKind.NOTEBOOK
            and named_kind in rules.accepted
            and description in _TEXT_DESCRIPTIONS
        ):
            # Text named as a notebook but not recognisably one: the notebook parser says why.
            return FileKind.NOTEBOOK
        if named_kind is not None:
            message = (
                f"The file is named {extension} but its content is {description}, "
                f"not {named_kind.label}."
            )
        else:
            message = f"This file is {description}; {_accepted_phrase(rules.accepted)}."
        raise FileRejected(RejectCode.UNKNOWN_TYPE, message)
    if named_kind is not kind:
        if extension:
            message = f"The file is named {extension} but its content is {kind.label}."
        else:
            message = f"The file name has no extension but its content is {kind.label}."
        if kind in rules.accepted:
            message += f" Name it with {kind.extension} and upload it again."
        else:
            phrase = _accepted_phrase(rules.accepted)
            message += f" {phrase[0].upper()}{phrase[1:]}."
        raise FileRejected(RejectCode.EXTENSION_MISMATCH, message)
    if kind not in rules.accepted:
        raise FileRejected(
            RejectCode.KIND_NOT_ACCEPTED,
            f"This file is {kind.label}; {_accepted_phrase(rules.accepted)}.",
        )
    return kind


def _accepted_phrase(accepted: Iterable[FileKind]) -> str:
    kinds = [_KIND_PLURALS[kind] for kind in FileKind if kind in accepted]
    if len(kinds) == 1:
        return f"this assignment accepts {kinds[0]} only"
    return f"this assignment accepts {', '.join(kinds[:-1])} and {kinds[-1]}"


# --- content inspection (runs in the worker unless limits.isolated is False) -------------


def inspect_content(kind: FileKind, content: bytes, rules: FileRules) -> Inspection:
    """Parse content of a known kind and apply the kind's rules; raise FileRejected."""
    inspector = {
        FileKind.PDF: _inspect_pdf,
        FileKind.NOTEBOOK: _inspect_notebook,
        FileKind.ZIP: _inspect_zip,
    }[FileKind(kind)]
    try:
        return inspector(content, rules)
    except RecursionError:
        raise _limits_rejection(RejectCode.TOO_COMPLEX) from None
    except MemoryError:
        raise _limits_rejection(RejectCode.TOO_COMPLEX) from None


def _limits_rejection(code: RejectCode) -> FileRejected:
    why = "it took too long" if code is RejectCode.TIMEOUT else "it is too large or too complex"
    return FileRejected(
        code,
        f"This file could not be read within the server's limits ({why}). "
        "If it is an ordinary document, export it again and re-upload it.",
    )


def _inspect_pdf(content: bytes, rules: FileRules) -> Inspection:
    import pypdf  # heavy: imported only where PDFs are parsed

    unreadable = (
        "This PDF could not be read; it may be damaged. "
        "Export it again from your editor and re-upload it."
    )
    if b"%%EOF" not in content[-_PDF_EOF_WINDOW:]:
        raise FileRejected(
            RejectCode.PDF_UNREADABLE,
            "This PDF is incomplete (its end is missing); it may have been cut off while "
            "saving or uploading. Export it again and re-upload it.",
        )
    encrypted = FileRejected(
        RejectCode.PDF_ENCRYPTED,
        "This PDF is password-protected or encrypted; "
        "upload a copy without a password or restrictions.",
    )
    try:
        reader = pypdf.PdfReader(io.BytesIO(content), strict=False)
        if reader.is_encrypted:
            raise encrypted
        pages = list(reader.pages)
    except (FileRejected, RecursionError, MemoryError):
        raise
    except Exception:
        if re.search(rb"/Encrypt\b", content):
            raise encrypted from None
        raise FileRejected(RejectCode.PDF_UNREADABLE, unreadable) from None
    if not pages:
        raise FileRejected(RejectCode.PDF_UNREADABLE, "This PDF has no pages.")

    total = len(pages)
    counted = total
    heading_found = False
    # Text is extracted only when the limit could be exceeded, and only up to the heading.
    if rules.pages_exclude_references and rules.max_pages is not None and total > rules.max_pages:
        for index, page in enumerate(pages):
            if _starts_references(_page_text(page)):
                counted, heading_found = index, True
                break
    if rules.max_pages is not None and counted > rules.max_pages:
        raise FileRejected(
            RejectCode.TOO_MANY_PAGES,
            _too_many_pages_message(counted, rules, heading_found=heading_found),
        )
    return Inspection(pages=total, counted_pages=counted)


def _page_text(page) -> str:
    try:
        return page.extract_text() or ""
    except (RecursionError, MemoryError):
        raise
    except Exception:
        # A page whose text cannot be extracted still counts; it just holds no heading.
        return ""


def _starts_references(text: str) -> bool:
    for line in text.splitlines():
        compact = "".join(line.split()).casefold()
        if compact and _REFERENCES_HEADING.fullmatch(compact):
            return True
    return False


def _pages(count: int) -> str:
    return f"{count} page" + ("" if count == 1 else "s")


def _too_many_pages_message(counted: int, rules: FileRules, *, heading_found: bool) -> str:
    if not rules.pages_exclude_references:
        return f"This PDF has {_pages(counted)}; the limit is {rules.max_pages}."
    message = (
        f"This PDF has {_pages(counted)} (not counting references); the limit is {rules.max_pages}."
    )
    if not heading_found:
        message += (
            " No “References” or “Bibliography” heading was found, so every page was counted."
        )
    return message


def _inspect_notebook(content: bytes, rules: FileRules) -> Inspection:
    import nbformat  # heavy: imported only where notebooks are parsed

    def invalid(detail: str) -> FileRejected:
        return FileRejected(RejectCode.NOTEBOOK_INVALID, detail)

    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise invalid("This notebook is not UTF-8 text, so it is not a valid notebook.") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise invalid(
            f"This notebook is not valid JSON (line {error.lineno}, column {error.colno}: "
            f"{error.msg})."
        ) from None
    if not isinstance(document, dict):
        raise invalid("This file is JSON but not a notebook (it is not a JSON object).")
    version = document.get("nbformat")
    if version is None:
        raise invalid("This file is JSON but not a Jupyter notebook (it has no format version).")
    if version != 4:
        raise invalid(
            f"This notebook has format version {version!r}; only version 4 notebooks are "
            "accepted. Open and save it with a current Jupyter to upgrade it."
        )
    try:
        with warnings.catch_warnings():
            # nbformat warns about (and fills in) missing cell ids; Jupyter accepts those.
            warnings.simplefilter("ignore")
            nbformat.validate(document)
    except nbformat.ValidationError as error:
        where = "/".join(str(part) for part in getattr(error, "absolute_path", ()))
        detail = str(getattr(error, "message", error)).splitlines()[0][:200]
        suffix = f" (at {where})" if where else ""
        raise invalid(f"This is not a valid Jupyter notebook: {detail}{suffix}.") from None
    return Inspection()


def _inspect_zip(content: bytes, rules: FileRules) -> Inspection:
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
        raise FileRejected(
            RejectCode.ZIP_INVALID, "This ZIP archive is damaged and could not be opened."
        ) from None
    with archive:
        if not entries:
            raise FileRejected(RejectCode.ZIP_INVALID, "This ZIP archive is empty.")
        if len(entries) > rules.max_zip_entries:
            raise FileRejected(
                RejectCode.ZIP_TOO_MANY_ENTRIES,
                f"This ZIP archive holds {len(entries):,} entries; "
                f"the limit is {rules.max_zip_entries:,}.",
            )
        for entry in entries:
            _check_zip_entry(entry)
        declared = sum(entry.file_size for entry in entries)
        if declared > rules.max_uncompressed_bytes:
            raise _zip_too_big(rules)
        _check_ratio(declared, len(content), rules)
        # The sizes in the headers may lie: count what the entries really expand to.
        actual = 0
        for entry in entries:
            if entry.is_dir():
                continue
            try:
                with archive.open(entry) as stream:
                    while chunk := stream.read(_ZIP_READ_CHUNK):
                        actual += len(chunk)
                        if actual > rules.max_uncompressed_bytes:
                            raise _zip_too_big(rules)
            except (FileRejected, RecursionError, MemoryError):
                raise
            except Exception:  # BadZipFile (bad CRC), zlib.error, an unknown method, ...
                raise FileRejected(
                    RejectCode.ZIP_INVALID,
                    f"This ZIP archive is damaged: “{_printable(entry.filename)}” "
                    "could not be read.",
                ) from None
        _check_ratio(actual, len(content), rules)
    return Inspection()


def _check_zip_entry(entry: zipfile.ZipInfo) -> None:
    name = entry.filename
    shown = _printable(name)
    if entry.flag_bits & 0x1:
        raise FileRejected(
            RejectCode.ZIP_ENCRYPTED,
            f"This ZIP archive has password-protected entries (“{shown}”); "
            "upload an archive without a password.",
        )
    if (entry.external_attr >> 16) & 0o170000 == 0o120000:
        raise FileRejected(
            RejectCode.ZIP_UNSAFE_PATH,
            f"This ZIP archive contains a symbolic link (“{shown}”); "
            "symbolic links are not accepted.",
        )
    # Forward and backward slashes both separate folders for some unzip tool.
    path = name.replace("\\", "/")
    parts = path.split("/")
    if (
        not path
        or path.startswith("/")
        or _DRIVE_LETTER.match(path)
        or ".." in parts
        or any(unicodedata.category(char) == "Cc" for char in name)
    ):
        raise FileRejected(
            RejectCode.ZIP_UNSAFE_PATH,
            f"This ZIP archive contains an unsafe path (“{shown}”); every entry must be a "
            "relative path inside the archive, without “..”, drive letters or control "
            "characters.",
        )


def _check_ratio(uncompressed: int, archive_size: int, rules: FileRules) -> None:
    if uncompressed <= _RATIO_FLOOR_BYTES:
        return
    ratio = uncompressed / archive_size
    if ratio > rules.max_ratio:
        raise FileRejected(
            RejectCode.ZIP_BOMB,
            f"This ZIP archive expands to {ratio:,.0f} times its size "
            f"(the limit is {rules.max_ratio:,.0f}); it looks like a ZIP bomb.",
        )


def _zip_too_big(rules: FileRules) -> FileRejected:
    return FileRejected(
        RejectCode.ZIP_BOMB,
        "This ZIP archive expands to more than "
        f"{format_size(rules.max_uncompressed_bytes)}, the limit for its unpacked content.",
    )


def _printable(name: str, limit: int = 80) -> str:
    shown = "".join("?" if unicodedata.category(char)[0] == "C" else char for char in name)
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


# --- the isolated worker ----------------------------------------------------------------

_PROJECT_ROOT = Path(__file__).resolve().parent.parent
# -I: ignore PYTHON* variables and the user site; the server finds this project explicitly.
_SERVER_BOOTSTRAP = (
    "import sys; sys.path.insert(0, sys.argv[1]); "
    "from submissions.filechecks_worker import serve; serve(int(sys.argv[2]))"
)
# The check server parses hostile files: it gets none of the web process's environment
# (secret key, database URL), only what an interpreter needs.
_SERVER_ENV_KEEP = ("PATH", "LANG", "LC_ALL", "TMPDIR")
# How long after the wall-clock limit a check may still take (fork, reaping, reporting)
# before the check server itself is deemed stuck.
_SERVER_GRACE_SECONDS = 5.0


# Frames between the web process, the check server and its children: a 4-byte big-endian
# length, then the payload.
_FRAME_HEADER = struct.Struct(">I")
MAX_FRAME = 64 * 1024  # every frame but the file's bytes


def write_frame(sock: socket.socket, payload: bytes) -> None:
    sock.sendall(_FRAME_HEADER.pack(len(payload)))
    sock.sendall(payload)  # apart: joined, a file's bytes would be copied once more


def read_frame(
    sock: socket.socket, max_bytes: int = MAX_FRAME, *, deadline: float | None = None
) -> bytes | None:
    """One frame, or None at EOF before it starts. A frame longer than ``max_bytes`` or EOF
    inside a frame is a protocol error (``ValueError``); past ``deadline`` (a
    ``time.monotonic()`` value), ``TimeoutError`` — however slowly the bytes trickle in."""
    header = _read_exactly(sock, _FRAME_HEADER.size, eof_ok=True, deadline=deadline)
    if header is None:
        return None
    (length,) = _FRAME_HEADER.unpack(header)
    if length > max_bytes:
        raise ValueError(f"frame of {length} bytes, at most {max_bytes} expected")
    return _read_exactly(sock, length, eof_ok=False, deadline=deadline)


def _read_exactly(
    sock: socket.socket, size: int, *, eof_ok: bool, deadline: float | None
) -> bytes | None:
    chunks, missing = [], size
    while missing:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no complete frame in time")
            sock.settimeout(left)
        chunk = sock.recv(min(missing, MiB))
        if not chunk:
            if eof_ok and missing == size:
                return None
            raise ValueError("the connection ended inside a frame")
        chunks.append(chunk)
        missing -= len(chunk)
    return b"".join(chunks)


def _server_command(control_fd: int) -> list[str]:
    """The check server's command line (a seam for tests that swap in misbehaving children)."""
    return [sys.executable, "-I", "-c", _SERVER_BOOTSTRAP, str(_PROJECT_ROOT), str(control_fd)]


class _CheckServer:
    """This web process's check server (``submissions/filechecks_worker.py``)."""

    def __init__(self) -> None:
        self.control, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        # A web process has a check in flight per thread at most, far below the server's
        # MAX_CHILDREN: a send that cannot go through in this time means a stuck server.
        self.control.settimeout(5.0)
        try:
            self.process = subprocess.Popen(  # noqa: S603 — our interpreter, our module
                _server_command(theirs.fileno()),
                pass_fds=(theirs.fileno(),),
                stdin=subprocess.DEVNULL,
                env={k: v for k, v in os.environ.items() if k in _SERVER_ENV_KEEP},
            )
        finally:
            theirs.close()
        self.owner = os.getpid()
        self.lock = threading.Lock()

    def submit(self, header: bytes, fds: list[int]) -> None:
        with self.lock:
            socket.send_fds(self.control, [header], fds)

    def stop(self) -> None:
        with self.lock:  # not while another thread is sending on it
            self.control.close()  # the server ends when this closes, and kills its children
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


_server: _CheckServer | None = None
_server_lock = threading.Lock()


def _check_server(*, failed: _CheckServer | None = None) -> _CheckServer:
    """The check server, started at the first check of each process (and after a fork), and
    again when it died or ``failed`` — unless another thread has replaced that one already."""
    global _server
    with _server_lock:
        stale = (
            _server is None or _server.owner != os.getpid() or _server.process.poll() is not None
        )
        if stale or (failed is not None and _server is failed):
            if _server is not None and _server.owner == os.getpid():
                _server.stop()
            _server = _CheckServer()
        return _server


def stop_check_server() -> None:
    """Stop this process's check server; the next check starts another."""
    global _server
    with _server_lock:
        if _server is not None and _server.owner == os.getpid():
            _server.stop()
        _server = None


def worker_request(kind: FileKind, rules: FileRules, limits: ParseLimits, size: int) -> bytes:
    """The request the web process sends to a check's child, before the file's bytes."""
    rules_fields = dataclasses.asdict(rules)
    rules_fields["accepted"] = sorted(rules.accepted)
    return json.dumps(
        {
            "kind": str(kind),
            "rules": rules_fields,
            "cpu_seconds": limits.cpu_seconds,
            "memory_bytes": limits.memory_bytes,
            "size": size,
        }
    ).encode()


def rules_from_request(fields: dict) -> FileRules:
    return FileRules(**{**fields, "accepted": frozenset(fields["accepted"])})


def _inspect_isolated(
    kind: FileKind, content: bytes, rules: FileRules, limits: ParseLimits
) -> Inspection:
    data, data_child = socket.socketpair()
    status, status_server = socket.socketpair()
    deadline = time.monotonic() + limits.wall_seconds + _SERVER_GRACE_SECONDS
    try:
        header = json.dumps({"wall": limits.wall_seconds}).encode()
        fds = [data_child.fileno(), status_server.fileno()]
        server = _check_server()
        try:
            server.submit(header, fds)
        except OSError:  # the server died (killed, out of memory) or is stuck: once more
            _check_server(failed=server).submit(header, fds)
        data_child.close()
        status_server.close()
        verdict = _exchange(
            data, [worker_request(kind, rules, limits, len(content)), content], deadline
        )
        if verdict is not None and ("rejected" in verdict or "ok" in verdict):
            return _verdict(verdict)
        ending = _read_json(status, deadline)
    finally:
        for sock in (data, data_child, status, status_server):
            sock.close()
    if ending is None:
        raise RuntimeError("the file check server did not report on its child")
    code = ending.get("exit")
    if ending.get("wall") or code in (-signal.SIGXCPU, -signal.SIGKILL):
        raise _limits_rejection(RejectCode.TIMEOUT)
    if code == WORKER_EXIT_NO_MEMORY:
        raise _limits_rejection(RejectCode.TOO_COMPLEX)
    # Not a verdict on the file: the worker itself failed, which is a server fault.
    error = (verdict or {}).get("error", "no verdict")
    raise RuntimeError(f"file check worker failed with exit code {code}: {error}")


def _verdict(verdict: dict) -> Inspection:
    """The child's verdict as an inspection or a refusal. The child parsed a hostile file and
    may have been subverted: anything but the expected shape is a server fault."""
    try:
        if "rejected" in verdict:
            rejected = FileRejected(
                RejectCode(verdict["rejected"]["code"]), str(verdict["rejected"]["message"])
            )
        else:
            ok = verdict["ok"]
            pages, counted = ok["pages"], ok["counted_pages"]
            if not all(n is None or (type(n) is int and n >= 0) for n in (pages, counted)):
                raise TypeError("page counts are whole numbers")
            return Inspection(pages=pages, counted_pages=counted)
    except (KeyError, TypeError, ValueError) as exc:
        raise RuntimeError(f"file check worker sent a malformed verdict: {exc!r}") from None
    raise rejected


def _exchange(sock: socket.socket, frames: list[bytes], deadline: float) -> dict | None:
    """Send the request and the file to the child, then read its verdict (None if it died
    or ran out of time without one; the server's report then says why)."""
    try:
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        for frame in frames:
            write_frame(sock, frame)
    except OSError:  # gone already, or stuck: its verdict, if any, or its status says
        pass
    return _read_json(sock, deadline)


def _read_json(sock: socket.socket, deadline: float) -> dict | None:
    try:
        frame = read_frame(sock, deadline=deadline)
        value = json.loads(frame) if frame is not None else None
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None
