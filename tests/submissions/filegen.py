"""Builds the files the file-check tests upload: valid ones and hostile ones.

Everything is generated in memory and small, so no binary fixtures live in the repository.
PDFs are written by hand (a catalog, a page tree, one Helvetica font and one text content
stream per page) so that each test controls exactly which lines a page's text holds.
"""

from __future__ import annotations

import io
import json
import struct
import zipfile
import zlib

import nbformat
import nbformat.v4
import pypdf

# --- PDF --------------------------------------------------------------------------------


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def _content_stream(lines: list[str]) -> bytes:
    # One line of text per line given: T* moves down by the leading (14 pt).
    ops = ["BT /F1 12 Tf 14 TL 72 720 Td"]
    ops += [f"({_escape(line)}) Tj T*" for line in lines]
    ops.append("ET")
    return "\n".join(ops).encode("latin-1")


def pdf(
    pages: list[list[str]],
    *,
    page_extra: bytes = b"",
    xref_shift: int = 0,
    trailer_extra: bytes = b"",
) -> bytes:
    """A PDF whose page i shows the lines pages[i].

    ``page_extra`` is spliced into every page dictionary (for hostile structures);
    ``xref_shift`` moves every cross-reference offset (a broken xref table).
    """
    count = len(pages)
    kids = " ".join(f"{4 + 2 * index} 0 R" for index in range(count))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {count} >>".encode(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    for index, lines in enumerate(pages):
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            b"/Resources << /Font << /F1 3 0 R >> >> "
            + f"/Contents {5 + 2 * index} 0 R ".encode()
            + page_extra
            + b">>"
        )
        stream = _content_stream(lines)
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")

    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % (offset + xref_shift))
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R " % (len(objects) + 1)
        + trailer_extra
        + b">>\nstartxref\n%d\n%%%%EOF\n" % xref
    )
    return out.getvalue()


def text_pages(count: int, *, prefix: str = "Body") -> list[list[str]]:
    return [[f"{prefix} page {number}", "Some ordinary text."] for number in range(1, count + 1)]


def report_pdf(
    body_pages: int, *, heading: str | None = "References", reference_pages: int = 1
) -> bytes:
    """A report: body pages, then reference pages, the first opening with ``heading``."""
    pages = text_pages(body_pages)
    for number in range(reference_pages):
        lines = ["[1] A. Author. A paper. 2021.", "[2] B. Author. Another. 2022."]
        if number == 0 and heading is not None:
            lines.insert(0, heading)
        pages.append(lines)
    return pdf(pages)


PDF_PASSWORD = "secret"


def encrypted_pdf(*, user_password: str = PDF_PASSWORD, owner_password: str | None = None) -> bytes:
    """A 1-page PDF encrypted with RC4-128 (pypdf needs no extra package for RC4)."""
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(pdf(text_pages(1)))))
    writer.encrypt(user_password=user_password, owner_password=owner_password, algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def truncated_pdf() -> bytes:
    whole = pdf(text_pages(2))
    return whole[: len(whole) * 2 // 3]


def broken_xref_pdf() -> bytes:
    """Every cross-reference offset points 7 bytes past its object."""
    return pdf(text_pages(2), xref_shift=7)


def nested_pdf(depth: int) -> bytes:
    """A page dictionary holding arrays nested ``depth`` deep."""
    return pdf(text_pages(1), page_extra=b"/Junk " + b"[" * depth + b"]" * depth + b" ")


def slow_text_pdf(lines: int) -> bytes:
    """Three pages, the first with ``lines`` text lines: slow to extract text from."""
    return pdf([[f"w {number}" for number in range(lines)], ["two"], ["three"]])


# --- other files ------------------------------------------------------------------------


def png() -> bytes:
    """A valid 1×1 PNG image."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body))
            + kind
            + body
            + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
        + chunk(b"IEND", b"")
    )


def notebook() -> bytes:
    """A valid nbformat 4 notebook with a markdown and a code cell."""
    document = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell("# Homework 1"),
            nbformat.v4.new_code_cell("import torch\nprint(torch.__version__)"),
        ]
    )
    return nbformat.writes(document).encode("utf-8")


def notebook_json(document: object) -> bytes:
    return json.dumps(document).encode("utf-8")


def memory_hungry_notebook(items: int) -> bytes:
    """A valid notebook whose metadata holds ``items`` empty objects (~3 bytes each on
    disk, ~70 bytes each once parsed)."""
    return (
        b'{"nbformat": 4, "nbformat_minor": 5, "metadata": {"junk": ['
        + b"{}," * (items - 1)
        + b'{}]}, "cells": []}'
    )


# --- ZIP --------------------------------------------------------------------------------


def zip_archive(entries: dict[str, bytes] | list[tuple[str | zipfile.ZipInfo, bytes]]) -> bytes:
    out = io.BytesIO()
    items = entries.items() if isinstance(entries, dict) else entries
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, body in items:
            archive.writestr(name, body)
    return out.getvalue()


def code_zip() -> bytes:
    return zip_archive(
        {
            "project/README.md": b"# Project\n",
            "project/train.py": b"import torch\n\nprint('training')\n" * 20,
            "project/data/": b"",
        }
    )


def zip_of_zeros(size: int) -> bytes:
    """One entry of ``size`` zero bytes: compresses about 1000 to 1."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        with archive.open("zeros.bin", "w") as entry:
            remaining = size
            while remaining:
                step = min(remaining, 1 << 20)
                entry.write(bytes(step))
                remaining -= step
    return out.getvalue()


def zip_with_symlink() -> bytes:
    link = zipfile.ZipInfo("project/secrets")
    link.external_attr = (0o120777 << 16) | 0x20  # a symlink, as Info-ZIP stores it
    return zip_archive([("project/main.py", b"print(1)\n"), (link, b"/etc/passwd")])


def _patch_headers(data: bytes, name: bytes, patch) -> bytes:
    """Apply ``patch(buffer, header_offset, kind)`` to the local and central headers of
    the entry called ``name``."""
    buffer = bytearray(data)
    for signature, kind in ((b"PK\x03\x04", "local"), (b"PK\x01\x02", "central")):
        start = 0
        while (offset := buffer.find(signature, start)) >= 0:
            name_at = 30 if kind == "local" else 46
            length_at = 26 if kind == "local" else 28
            (name_length,) = struct.unpack_from("<H", buffer, offset + length_at)
            if bytes(buffer[offset + name_at : offset + name_at + name_length]) == name:
                patch(buffer, offset, kind)
            start = offset + 4
    return bytes(buffer)


def zip_with_lying_sizes() -> bytes:
    """An entry of 2 MiB of zeros whose headers claim it holds 100 bytes."""

    def shrink(buffer: bytearray, offset: int, kind: str) -> None:
        struct.pack_into("<I", buffer, offset + (22 if kind == "local" else 24), 100)

    return _patch_headers(zip_of_zeros(2 << 20), b"zeros.bin", shrink)


def zip_with_encrypted_entry() -> bytes:
    """An entry whose "encrypted" flag is set (zipfile cannot write real encryption)."""

    def flag(buffer: bytearray, offset: int, kind: str) -> None:
        at = offset + (6 if kind == "local" else 8)
        (bits,) = struct.unpack_from("<H", buffer, at)
        struct.pack_into("<H", buffer, at, bits | 0x1)

    return _patch_headers(zip_archive({"answers.py": b"x = 1\n"}), b"answers.py", flag)


def empty_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w"):
        pass
    return out.getvalue()
