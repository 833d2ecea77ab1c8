"""What staff see of a hand-in without downloading it: the pages of a PDF as PNG images, a
notebook as sanitised HTML, the file list of a ZIP with its text files. Pure: bytes in,
bytes or strings out; no ORM, no storage (``submissions/preview_services.py`` keeps them).

The file was checked by content when it was handed in (``submissions/filechecks.py``); a
PDF that pdfium still cannot open, a notebook nbconvert cannot read, a broken archive all
raise ``PreviewError``, which callers show as "no preview" beside the download link.
"""

from __future__ import annotations

import io
import threading
import zipfile
from dataclasses import dataclass

import nh3

# At 1.5× a Letter/A4 page is about 900×1200 px: readable beside the rubric at 1280 px.
RENDER_SCALE = 1.5
MAX_PAGES = 80  # a hand-in longer than this shows its first MAX_PAGES pages
MAX_INLINE_TEXT = 200_000  # bytes of one text file shown inline from a ZIP
MAX_INLINE_TOTAL = 1_000_000  # bytes of text shown inline from one ZIP in all
TEXT_SUFFIXES = (
    ".py", ".txt", ".md", ".rst", ".json", ".yaml", ".yml", ".toml", ".cfg", ".ini", ".csv",
    ".sh", ".ipynb", ".c", ".h", ".cpp", ".java", ".js", ".ts", ".html", ".css", ".r", ".jl",
    ".tex", ".sql", ".xml",
)  # fmt: skip


# pdfium is not thread-safe (pypdfium2's documentation): one call at a time per process.
# The embedded default renders previews in the web threads (in-process tasks), and two PDFs
# handed in at once crashed the process ("free(): invalid size") before this lock.
_PDFIUM_LOCK = threading.Lock()


class PreviewError(Exception):
    """The file cannot be previewed (say so and offer the download)."""


def pdf_page_count(data: bytes) -> int:
    with _PDFIUM_LOCK:
        return _pdf_page_count(data)


def _pdf_page_count(data: bytes) -> int:
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise PreviewError(f"The PDF cannot be opened: {exc}") from exc
    try:
        return len(pdf)
    finally:
        pdf.close()


def pdf_pages_png(data: bytes, *, max_pages: int = MAX_PAGES) -> list[bytes]:
    """Every page (up to ``max_pages``) of a PDF as a PNG image."""
    with _PDFIUM_LOCK:
        return _pdf_pages_png(data, max_pages=max_pages)


def _pdf_pages_png(data: bytes, *, max_pages: int) -> list[bytes]:
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise PreviewError(f"The PDF cannot be opened: {exc}") from exc
    pages: list[bytes] = []
    try:
        for index in range(min(len(pdf), max_pages)):
            page = pdf[index]
            try:
                image = page.render(scale=RENDER_SCALE).to_pil()
            except pdfium.PdfiumError as exc:
                raise PreviewError(f"Page {index + 1} cannot be rendered: {exc}") from exc
            finally:
                page.close()
            out = io.BytesIO()
            image.save(out, format="PNG", optimize=False, compress_level=6)
            pages.append(out.getvalue())
    finally:
        pdf.close()
    if not pages:
        raise PreviewError("The PDF has no page.")
    return pages


# What may stay of nbconvert's HTML: structure, code, tables and images (outputs kept, data:
# images included); never a script, a style sheet, an event handler or a form.
_NOTEBOOK_TAGS = nh3.ALLOWED_TAGS | {"img", "pre", "code", "span", "div", "table", "details"}
_NOTEBOOK_ATTRIBUTES = {
    **{tag: set(attrs) for tag, attrs in nh3.ALLOWED_ATTRIBUTES.items()},
    "*": {"class"},
    "img": {"src", "alt", "width", "height"},
    "a": {"href", "title"},
}


def notebook_html(data: bytes) -> str:
    """The notebook rendered by nbconvert (no execution), sanitised: no script runs, the
    outputs (text, tables, images) are kept."""
    import nbformat
    from nbconvert import HTMLExporter

    try:
        notebook = nbformat.reads(data.decode("utf-8"), as_version=4)
        exporter = HTMLExporter(template_name="basic")
        exporter.exclude_input_prompt = False
        body, _ = exporter.from_notebook_node(notebook)
    except Exception as exc:  # nbformat and nbconvert raise many kinds for a bad file
        raise PreviewError(f"The notebook cannot be rendered: {exc}") from exc
    return nh3.clean(
        body,
        tags=_NOTEBOOK_TAGS,
        attributes=_NOTEBOOK_ATTRIBUTES,
        url_schemes={"http", "https", "data"},
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


@dataclass(frozen=True)
class ArchiveEntry:
    name: str
    size: int
    text: str | None  # the content, when it is a small text file


def zip_entries(data: bytes) -> list[ArchiveEntry]:
    """The files of a ZIP in order, with the content of small text files."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = [i for i in archive.infolist() if not i.is_dir()]
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise PreviewError(f"The archive cannot be read: {exc}") from exc
    budget = MAX_INLINE_TOTAL
    entries = []
    for info in infos:
        text = None
        if (
            info.filename.lower().endswith(TEXT_SUFFIXES)
            and info.file_size <= min(MAX_INLINE_TEXT, budget)
            and "__MACOSX" not in info.filename
        ):
            try:
                raw = archive.read(info)[:MAX_INLINE_TEXT]
                text = raw.decode("utf-8")
                budget -= len(raw)
            except (UnicodeDecodeError, zipfile.BadZipFile, OSError, RuntimeError):
                text = None
        entries.append(ArchiveEntry(name=info.filename, size=info.file_size, text=text))
    return entries
