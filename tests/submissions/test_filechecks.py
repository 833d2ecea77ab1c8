"""The server-side content checks for uploaded files (submissions.filechecks).

Most tests run the parsers in-process (``IN_PROCESS``) to test the logic quickly; the tests at
the end run the real worker subprocess, with its CPU, memory and wall-clock limits.
"""

import concurrent.futures
import hashlib
import io
import json
import os
import time

import pytest

from submissions import filechecks
from submissions.filechecks import (
    CheckedFile,
    FileKind,
    FileRejected,
    FileRules,
    ParseLimits,
    check_file,
)
from tests.submissions import filegen, misbehaving_workers

MiB = 1024 * 1024
IN_PROCESS = ParseLimits(isolated=False)

PDF_ONLY = FileRules(accepted=frozenset({FileKind.PDF}), max_bytes=10 * MiB)
READING_REPORT = FileRules(
    accepted=frozenset({FileKind.PDF}),
    max_bytes=10 * MiB,
    max_pages=2,
    pages_exclude_references=True,
)
NOTEBOOK_ONLY = FileRules(accepted=frozenset({FileKind.NOTEBOOK}), max_bytes=10 * MiB)
ZIP_ONLY = FileRules(accepted=frozenset({FileKind.ZIP}), max_bytes=10 * MiB)
ANY_KIND = FileRules(accepted=frozenset(FileKind), max_bytes=10 * MiB)


def rejection(name, data, rules, limits=IN_PROCESS) -> FileRejected:
    with pytest.raises(FileRejected) as caught:
        check_file(name=name, data=data, rules=rules, limits=limits)
    return caught.value


def accepted(name, data, rules, limits=IN_PROCESS) -> CheckedFile:
    return check_file(name=name, data=data, rules=rules, limits=limits)


# --- file names ---------------------------------------------------------------------------


def test_path_traversal_name_is_refused_not_reduced_to_its_base_name():
    error = rejection("../../etc/passwd.pdf", filegen.pdf(filegen.text_pages(1)), PDF_ONLY)

    assert error.code == "bad_name"
    assert error.message == "The file name must be a plain name, without folders, “/” or “\\”."


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("docs/report.pdf", "The file name must be a plain name, without folders, “/” or “\\”."),
        (
            "C:\\Users\\me\\report.pdf",
            "The file name must be a plain name, without folders, “/” or “\\”.",
        ),
        ("C:report.pdf", "The file name must be a plain name, without folders, “/” or “\\”."),
        (
            "report\x00.pdf",
            "The file name contains control or invisible formatting characters; "
            "rename the file using ordinary characters.",
        ),
        (
            "report\nx.pdf",
            "The file name contains control or invisible formatting characters; "
            "rename the file using ordinary characters.",
        ),
        (
            # A right-to-left override makes "report\u202efdp.exe" display as "reportexe.pdf".
            "report\u202efdp.pdf",
            "The file name contains control or invisible formatting characters; "
            "rename the file using ordinary characters.",
        ),
        ("", "The file has no name."),
        ("   ", "The file has no name."),
        ("..", "The file has no name."),
        (".pdf", "The file name has nothing before its extension."),
        ("a" * 252 + ".pdf", "The file name is too long (256 characters; the limit is 255)."),
    ],
)
def test_unsafe_file_names_are_refused(name, message):
    error = rejection(name, filegen.pdf(filegen.text_pages(1)), PDF_ONLY)

    assert (error.code, error.message) == ("bad_name", message)


def test_name_is_trimmed_and_normalised_to_nfc():
    checked = accepted(
        " Rapport e\u0301te\u0301.PDF ", filegen.pdf(filegen.text_pages(1)), PDF_ONLY
    )

    assert checked.safe_name == "Rapport \u00e9t\u00e9.PDF"


# --- reading, size and hash -------------------------------------------------------------


def test_accepted_pdf_is_described_with_size_hash_and_pages():
    data = filegen.pdf(filegen.text_pages(2))

    checked = accepted("report.pdf", data, PDF_ONLY)

    assert checked == CheckedFile(
        kind=FileKind.PDF,
        safe_name="report.pdf",
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        pages=2,
        counted_pages=2,
    )
    assert checked.media_type == "application/pdf"


def test_empty_file_is_refused():
    error = rejection("report.pdf", b"", PDF_ONLY)

    assert (error.code, error.message) == ("empty", "The file is empty (0 bytes).")


def test_file_over_the_size_limit_is_refused_with_both_sizes():
    rules = FileRules(accepted=frozenset({FileKind.PDF}), max_bytes=2 * MiB)

    error = rejection("report.pdf", b"%PDF-1.4\n" + bytes(3 * MiB), rules)

    assert error.code == "too_large"
    assert error.message == "This file is 3.0 MB; the limit is 2 MB."


def test_size_limit_boundary_is_exact_and_shown_in_bytes_when_sizes_round_alike():
    data = filegen.pdf(filegen.text_pages(1))
    exact = FileRules(accepted=frozenset({FileKind.PDF}), max_bytes=len(data))
    one_short = FileRules(accepted=frozenset({FileKind.PDF}), max_bytes=len(data) - 1)

    assert accepted("report.pdf", data, exact).size == len(data)
    error = rejection("report.pdf", data, one_short)
    assert error.code == "too_large"
    assert error.message == (
        f"This file is {len(data):,} bytes; the limit is {len(data) - 1:,} bytes."
    )


def test_stream_over_the_limit_is_refused_without_reading_it_all():
    rules = FileRules(accepted=frozenset({FileKind.PDF}), max_bytes=MiB)
    stream = io.BytesIO(b"%PDF-1.4\n" + bytes(5 * MiB))

    error = rejection("report.pdf", stream, rules)

    assert error.code == "too_large"
    assert error.message == "This file is larger than the limit of 1 MB."
    assert stream.tell() < 3 * MiB


def test_stream_is_read_from_its_start_and_hashed(tmp_path):
    data = filegen.pdf(filegen.text_pages(1))
    stream = io.BytesIO(data)
    stream.read(10)  # as a form's validation might have done
    path = tmp_path / "report.pdf"
    path.write_bytes(data)

    from_stream = accepted("report.pdf", stream, PDF_ONLY)
    from_path = accepted("report.pdf", path, PDF_ONLY)

    assert from_stream.sha256 == from_path.sha256 == hashlib.sha256(data).hexdigest()
    assert from_stream.size == from_path.size == len(data)


def test_content_passed_as_text_is_a_programming_error():
    with pytest.raises(TypeError):
        check_file(name="report.pdf", data="report.pdf", rules=PDF_ONLY, limits=IN_PROCESS)


# --- kind by content --------------------------------------------------------------------


def test_png_renamed_pdf_is_refused_by_its_content():
    error = rejection("report.pdf", filegen.png(), PDF_ONLY)

    assert error.code == "unknown_type"
    assert error.message == "The file is named .pdf but its content is a PNG image, not a PDF."


def test_unrecognised_content_without_a_known_extension_lists_what_is_accepted():
    error = rejection("photo.png", filegen.png(), PDF_ONLY)

    assert error.code == "unknown_type"
    assert error.message == "This file is a PNG image; this assignment accepts PDF files only."


def test_extension_must_agree_with_the_content():
    error = rejection("report.pdf", filegen.code_zip(), ANY_KIND)

    assert error.code == "extension_mismatch"
    assert error.message == (
        "The file is named .pdf but its content is a ZIP archive. "
        "Name it with .zip and upload it again."
    )


def test_extension_mismatch_of_a_kind_not_accepted_says_what_is_accepted():
    error = rejection("report.pdf", filegen.code_zip(), PDF_ONLY)

    assert error.code == "extension_mismatch"
    assert error.message == (
        "The file is named .pdf but its content is a ZIP archive. "
        "This assignment accepts PDF files only."
    )


def test_pdf_without_extension_is_refused():
    error = rejection("report", filegen.pdf(filegen.text_pages(1)), PDF_ONLY)

    assert error.code == "extension_mismatch"
    assert error.message == (
        "The file name has no extension but its content is a PDF. "
        "Name it with .pdf and upload it again."
    )


def test_kind_not_accepted_names_the_accepted_kinds():
    rules = FileRules(accepted=frozenset({FileKind.ZIP, FileKind.NOTEBOOK}), max_bytes=MiB)

    error = rejection("report.pdf", filegen.pdf(filegen.text_pages(1)), rules)

    assert error.code == "kind_not_accepted"
    assert error.message == (
        "This file is a PDF; this assignment accepts Jupyter notebooks (.ipynb) and ZIP archives."
    )


def test_sniff_kind_reads_magic_bytes():
    assert filechecks.sniff_kind(filegen.pdf(filegen.text_pages(1))) is FileKind.PDF
    assert filechecks.sniff_kind(filegen.notebook()) is FileKind.NOTEBOOK
    assert filechecks.sniff_kind(filegen.code_zip()) is FileKind.ZIP
    assert filechecks.sniff_kind(filegen.png()) is None
    assert filechecks.sniff_kind(b'{"a": 1}') is None


# --- PDF --------------------------------------------------------------------------------


def test_truncated_pdf_is_refused():
    error = rejection("report.pdf", filegen.truncated_pdf(), PDF_ONLY)

    assert error.code == "pdf_unreadable"
    assert error.message == (
        "This PDF is incomplete (its end is missing); it may have been cut off while saving "
        "or uploading. Export it again and re-upload it."
    )


def test_pdf_that_does_not_parse_is_refused():
    error = rejection("report.pdf", b"%PDF-1.7\nnot a pdf at all\n%%EOF\n", PDF_ONLY)

    assert error.code == "pdf_unreadable"
    assert error.message == (
        "This PDF could not be read; it may be damaged. "
        "Export it again from your editor and re-upload it."
    )


def test_pdf_without_pages_is_refused():
    error = rejection("report.pdf", filegen.pdf([]), PDF_ONLY)

    assert (error.code, error.message) == ("pdf_unreadable", "This PDF has no pages.")


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(filegen.encrypted_pdf(), id="user-password"),
        pytest.param(
            filegen.encrypted_pdf(user_password="", owner_password="owner"), id="owner-only"
        ),
    ],
)
def test_encrypted_pdf_is_refused(data):
    error = rejection("report.pdf", data, PDF_ONLY)

    assert error.code == "pdf_encrypted"
    assert error.message == (
        "This PDF is password-protected or encrypted; "
        "upload a copy without a password or restrictions."
    )


def test_pdf_with_a_broken_xref_table_is_repaired_and_counted():
    checked = accepted("report.pdf", filegen.broken_xref_pdf(), PDF_ONLY)

    assert (checked.pages, checked.counted_pages) == (2, 2)


def test_deeply_nested_pdf_is_refused():
    error = rejection("report.pdf", filegen.nested_pdf(5000), PDF_ONLY)

    assert error.code == "pdf_unreadable"


def test_three_page_reading_report_is_refused_against_two_pages_excluding_references():
    error = rejection("report.pdf", filegen.report_pdf(3), READING_REPORT)

    assert error.code == "too_many_pages"
    assert error.message == "This PDF has 3 pages (not counting references); the limit is 2."


def test_references_pages_do_not_count_against_the_limit():
    checked = accepted("report.pdf", filegen.report_pdf(2, reference_pages=2), READING_REPORT)

    assert (checked.pages, checked.counted_pages) == (4, 2)


@pytest.mark.parametrize(
    "heading",
    [
        "References",
        "REFERENCES",
        "5 References",
        "5. References",
        "4.1 References",
        "VI. REFERENCES",
        "R EFERENCES",
        "References:",
        "Bibliography",
        "  bibliography  ",
    ],
)
def test_references_heading_variants_are_recognised(heading):
    checked = accepted("report.pdf", filegen.report_pdf(2, heading=heading), READING_REPORT)

    assert checked.counted_pages == 2


@pytest.mark.parametrize(
    "line",
    ["See the references below.", "References and notes", "Referencing", "5 Reference"],
)
def test_a_line_that_only_mentions_references_is_not_a_heading(line):
    error = rejection("report.pdf", filegen.report_pdf(2, heading=line), READING_REPORT)

    assert error.code == "too_many_pages"
    assert error.message == (
        "This PDF has 3 pages (not counting references); the limit is 2. "
        "No “References” or “Bibliography” heading was found, so every page was counted."
    )


def test_page_where_references_start_does_not_count():
    pages = filegen.text_pages(3)
    pages[1] += ["References", "[1] A paper."]

    checked = accepted("report.pdf", filegen.pdf(pages), READING_REPORT)

    assert (checked.pages, checked.counted_pages) == (3, 1)


def test_page_limit_without_excluding_references_counts_every_page():
    rules = FileRules(accepted=frozenset({FileKind.PDF}), max_bytes=MiB, max_pages=2)

    error = rejection("report.pdf", filegen.report_pdf(2), rules)

    assert error.code == "too_many_pages"
    assert error.message == "This PDF has 3 pages; the limit is 2."


def test_single_page_is_singular_in_the_message():
    rules = FileRules(
        accepted=frozenset({FileKind.PDF}),
        max_bytes=MiB,
        max_pages=1,
        pages_exclude_references=True,
    )
    pages = [["Title"], ["Second page", "References", "[1] A paper."]]

    checked = accepted("report.pdf", filegen.pdf(pages), rules)

    assert checked.counted_pages == 1


# --- notebooks --------------------------------------------------------------------------


def test_valid_notebook_is_accepted():
    checked = accepted("hw1.ipynb", filegen.notebook(), NOTEBOOK_ONLY)

    assert (checked.kind, checked.pages, checked.counted_pages) == (FileKind.NOTEBOOK, None, None)
    assert checked.media_type == "application/x-ipynb+json"


def test_notebook_with_a_byte_order_mark_and_cells_without_ids_is_accepted():
    document = json.loads(filegen.notebook())
    for cell in document["cells"]:
        del cell["id"]  # older Jupyter versions wrote no ids

    checked = accepted(
        "hw1.ipynb", b"\xef\xbb\xbf" + filegen.notebook_json(document), NOTEBOOK_ONLY
    )

    assert checked.kind is FileKind.NOTEBOOK


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param(
            b'{\n "cells": [\n  {"cell_type": "code"\n',
            "This notebook is not valid JSON (line 4, column 1: Expecting ',' delimiter).",
            id="truncated-json",
        ),
        pytest.param(
            b"print('hello')\n",
            "This notebook is not valid JSON (line 1, column 1: Expecting value).",
            id="python-source",
        ),
        pytest.param(
            b'{"cells": [], \xff}',
            "This notebook is not UTF-8 text, so it is not a valid notebook.",
            id="not-utf8",
        ),
        pytest.param(
            b'["cells"]',
            "This file is JSON but not a notebook (it is not a JSON object).",
            id="json-array",
        ),
        pytest.param(
            filegen.notebook_json({"cells": []}),
            "This file is JSON but not a Jupyter notebook (it has no format version).",
            id="no-version",
        ),
        pytest.param(
            filegen.notebook_json({"nbformat": 3, "nbformat_minor": 0, "worksheets": []}),
            "This notebook has format version 3; only version 4 notebooks are accepted. "
            "Open and save it with a current Jupyter to upgrade it.",
            id="version-3",
        ),
        pytest.param(
            filegen.notebook_json(
                {
                    "nbformat": 4,
                    "nbformat_minor": 5,
                    "metadata": {},
                    "cells": [{"cell_type": "code", "id": "a1", "source": ""}],
                }
            ),
            "This is not a valid Jupyter notebook: 'metadata' is a required property (at cells/0).",
            id="schema",
        ),
    ],
)
def test_invalid_notebook_is_refused_with_the_reason(data, message):
    error = rejection("hw1.ipynb", data, NOTEBOOK_ONLY)

    assert (error.code, error.message) == ("notebook_invalid", message)


def test_deeply_nested_notebook_is_refused_as_too_complex():
    error = rejection(
        "hw1.ipynb", b'{"cells": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", NOTEBOOK_ONLY
    )

    assert error.code == "too_complex"
    assert error.message.startswith("This file could not be read within the server's limits")


def test_notebook_named_json_is_an_extension_mismatch():
    error = rejection("hw1.json", filegen.notebook(), NOTEBOOK_ONLY)

    assert error.code == "extension_mismatch"
    assert error.message == (
        "The file is named .json but its content is a Jupyter notebook. "
        "Name it with .ipynb and upload it again."
    )


def test_image_named_ipynb_is_an_unknown_type_not_a_broken_notebook():
    error = rejection("hw1.ipynb", filegen.png(), NOTEBOOK_ONLY)

    assert error.code == "unknown_type"
    assert error.message == (
        "The file is named .ipynb but its content is a PNG image, not a Jupyter notebook."
    )


# --- ZIP --------------------------------------------------------------------------------


def test_zip_of_code_is_accepted():
    checked = accepted("project.zip", filegen.code_zip(), ZIP_ONLY)

    assert (checked.kind, checked.pages) == (FileKind.ZIP, None)
    assert checked.media_type == "application/zip"


def test_zip_bomb_is_refused_by_its_compression_ratio():
    error = rejection("project.zip", filegen.zip_of_zeros(5 * MiB), ZIP_ONLY)

    assert error.code == "zip_bomb"
    assert error.message.startswith("This ZIP archive expands to 1,0")
    assert error.message.endswith("times its size (the limit is 100); it looks like a ZIP bomb.")


def test_zip_over_the_uncompressed_limit_is_refused():
    rules = FileRules(
        accepted=frozenset({FileKind.ZIP}),
        max_bytes=MiB,
        max_uncompressed_bytes=4 * MiB,
        max_ratio=100_000,
    )

    error = rejection("project.zip", filegen.zip_of_zeros(5 * MiB), rules)

    assert error.code == "zip_bomb"
    assert error.message == (
        "This ZIP archive expands to more than 4 MB, the limit for its unpacked content."
    )


def test_small_compressible_zip_is_not_judged_by_its_ratio():
    checked = accepted("project.zip", filegen.zip_of_zeros(MiB), ZIP_ONLY)

    assert checked.kind is FileKind.ZIP


def test_zip_whose_headers_understate_its_sizes_is_refused():
    error = rejection("project.zip", filegen.zip_with_lying_sizes(), ZIP_ONLY)

    assert error.code == "zip_invalid"
    assert error.message == "This ZIP archive is damaged: “zeros.bin” could not be read."


def test_zip_with_too_many_entries_is_refused():
    rules = FileRules(accepted=frozenset({FileKind.ZIP}), max_bytes=MiB, max_zip_entries=3)
    data = filegen.zip_archive({f"src/file{number}.py": b"x = 1\n" for number in range(4)})

    error = rejection("project.zip", data, rules)

    assert error.code == "zip_too_many_entries"
    assert error.message == "This ZIP archive holds 4 entries; the limit is 3."


@pytest.mark.parametrize(
    ("entry", "shown"),
    [
        ("../evil.py", "../evil.py"),
        ("project/../../evil.py", "project/../../evil.py"),
        ("/etc/cron.d/evil", "/etc/cron.d/evil"),
        ("C:/Windows/evil.dll", "C:/Windows/evil.dll"),
        ("c:evil.py", "c:evil.py"),
        ("..\\evil.py", "..\\evil.py"),
        ("project\\..\\..\\evil.py", "project\\..\\..\\evil.py"),
        ("\\\\server\\share\\evil.py", "\\\\server\\share\\evil.py"),
        ("project/evil\x1b[2J.py", "project/evil?[2J.py"),
    ],
)
def test_zip_with_unsafe_paths_is_refused(entry, shown):
    data = filegen.zip_archive([("project/main.py", b"print(1)\n"), (entry, b"x")])

    error = rejection("project.zip", data, ZIP_ONLY)

    assert error.code == "zip_unsafe_path"
    assert error.message == (
        f"This ZIP archive contains an unsafe path (“{shown}”); every entry must be a relative "
        "path inside the archive, without “..”, drive letters or control characters."
    )


def test_zip_with_a_symlink_is_refused():
    error = rejection("project.zip", filegen.zip_with_symlink(), ZIP_ONLY)

    assert error.code == "zip_unsafe_path"
    assert error.message == (
        "This ZIP archive contains a symbolic link (“project/secrets”); "
        "symbolic links are not accepted."
    )


def test_zip_with_an_encrypted_entry_is_refused():
    error = rejection("project.zip", filegen.zip_with_encrypted_entry(), ZIP_ONLY)

    assert error.code == "zip_encrypted"
    assert error.message == (
        "This ZIP archive has password-protected entries (“answers.py”); "
        "upload an archive without a password."
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param(filegen.empty_zip(), "This ZIP archive is empty.", id="empty"),
        pytest.param(
            b"PK\x03\x04" + b"\x00" * 200,
            "This ZIP archive is damaged and could not be opened.",
            id="garbage",
        ),
    ],
)
def test_broken_or_empty_zip_is_refused(data, message):
    error = rejection("project.zip", data, ZIP_ONLY)

    assert (error.code, error.message) == ("zip_invalid", message)


# --- rules ------------------------------------------------------------------------------


def test_rules_accept_kind_names_and_refuse_nonsense():
    rules = FileRules(accepted=frozenset({"pdf"}), max_bytes=1)

    assert rules.accepted == frozenset({FileKind.PDF})
    with pytest.raises(ValueError, match="at least one kind"):
        FileRules(accepted=frozenset(), max_bytes=1)
    with pytest.raises(ValueError, match="max_bytes"):
        FileRules(accepted=frozenset({FileKind.PDF}), max_bytes=0)
    with pytest.raises(ValueError, match="max_pages"):
        FileRules(accepted=frozenset({FileKind.PDF}), max_bytes=1, max_pages=0)


# --- the isolated worker ----------------------------------------------------------------

ISOLATED = ParseLimits()


@pytest.fixture
def serving(monkeypatch):
    """``serving("hang")``: checks run a misbehaving child until the test ends."""
    yield lambda handler: misbehaving_workers.serving(monkeypatch, handler)
    filechecks.stop_check_server()


@pytest.mark.parametrize(
    ("name", "data", "rules", "code"),
    [
        pytest.param("r.pdf", filegen.truncated_pdf(), PDF_ONLY, "pdf_unreadable", id="truncated"),
        pytest.param("r.pdf", filegen.encrypted_pdf(), PDF_ONLY, "pdf_encrypted", id="encrypted"),
        pytest.param("r.pdf", filegen.report_pdf(3), READING_REPORT, "too_many_pages", id="pages"),
        pytest.param("r.pdf", filegen.nested_pdf(50_000), PDF_ONLY, "pdf_unreadable", id="nested"),
        pytest.param("n.ipynb", b'{"cells": [', NOTEBOOK_ONLY, "notebook_invalid", id="notebook"),
        pytest.param("p.zip", filegen.zip_of_zeros(5 * MiB), ZIP_ONLY, "zip_bomb", id="zip-bomb"),
        pytest.param(
            "p.zip",
            filegen.zip_archive({"../evil.py": b"x"}),
            ZIP_ONLY,
            "zip_unsafe_path",
            id="zip-path",
        ),
    ],
)
def test_worker_refuses_like_the_in_process_parser(name, data, rules, code):
    in_process = rejection(name, data, rules)

    isolated = rejection(name, data, rules, ISOLATED)

    assert (isolated.code, isolated.message) == (code, in_process.message)


@pytest.mark.parametrize(
    ("name", "data", "rules", "pages"),
    [
        pytest.param("r.pdf", filegen.report_pdf(2), READING_REPORT, (3, 2), id="pdf"),
        pytest.param("n.ipynb", filegen.notebook(), NOTEBOOK_ONLY, (None, None), id="notebook"),
        pytest.param("p.zip", filegen.code_zip(), ZIP_ONLY, (None, None), id="zip"),
    ],
)
def test_worker_accepts_valid_files(name, data, rules, pages):
    checked = accepted(name, data, rules, ISOLATED)

    assert (checked.pages, checked.counted_pages) == pages
    assert checked.sha256 == hashlib.sha256(data).hexdigest()


def test_wall_clock_timeout_stops_a_hanging_worker(serving):
    serving("hang")
    started = time.monotonic()

    error = rejection(
        "r.pdf", filegen.pdf(filegen.text_pages(1)), PDF_ONLY, ParseLimits(wall_seconds=1)
    )

    assert time.monotonic() - started < 10
    assert error.code == "timeout"
    assert error.message == (
        "This file could not be read within the server's limits (it took too long). "
        "If it is an ordinary document, export it again and re-upload it."
    )


def test_cpu_limit_stops_a_pdf_that_is_slow_to_read():
    # Extracting the text of 200,000 lines takes over 10 CPU seconds on the machine this
    # was written on (60,000 took 1.5 s: too close to the limit of one on a fast day).
    limits = ParseLimits(cpu_seconds=1, wall_seconds=120)
    started = time.monotonic()

    error = rejection("r.pdf", filegen.slow_text_pdf(200_000), READING_REPORT, limits)

    assert error.code == "timeout"
    assert time.monotonic() - started < 60


def test_memory_limit_stops_a_notebook_that_is_costly_to_parse():
    data = filegen.memory_hungry_notebook(1_500_000)  # ~4.5 MB on disk, ~150 MB parsed

    error = rejection("n.ipynb", data, NOTEBOOK_ONLY, ParseLimits(memory_bytes=128 * MiB))
    checked = accepted("n.ipynb", data, NOTEBOOK_ONLY, ParseLimits(memory_bytes=512 * MiB))

    assert error.code == "too_complex"
    assert error.message == (
        "This file could not be read within the server's limits (it is too large or too "
        "complex). If it is an ordinary document, export it again and re-upload it."
    )
    assert checked.kind is FileKind.NOTEBOOK


def test_worker_killed_by_the_system_is_reported_as_over_the_limits(serving):
    serving("killed")

    error = rejection("r.pdf", filegen.pdf(filegen.text_pages(1)), PDF_ONLY, ISOLATED)

    assert error.code == "timeout"


@pytest.mark.parametrize(("worker", "said"), [("crash", "worker bug"), ("silent", "no verdict")])
def test_broken_worker_is_a_server_error_not_a_verdict_on_the_file(serving, worker, said):
    serving(worker)

    with pytest.raises(RuntimeError, match=said):
        check_file(
            name="r.pdf",
            data=filegen.pdf(filegen.text_pages(1)),
            rules=PDF_ONLY,
            limits=ISOLATED,
        )


def test_concurrent_checks_each_get_their_own_verdict():
    """Web threads check files at the same time (a deadline rush): every one gets the
    verdict on its own file."""
    files = [filegen.report_pdf(pages) for pages in (1, 2, 3, 4)] * 4  # + a references page

    def pages_of(data):
        return check_file(name="r.pdf", data=data, rules=PDF_ONLY, limits=ISOLATED).pages

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        counted = list(pool.map(pages_of, files))

    assert counted == [2, 3, 4, 5] * 4


def test_a_check_server_that_died_is_replaced():
    first = accepted("r.pdf", filegen.pdf(filegen.text_pages(1)), PDF_ONLY, ISOLATED)
    dead = filechecks._check_server()
    dead.process.kill()
    dead.process.wait()

    again = accepted("r.pdf", filegen.pdf(filegen.text_pages(1)), PDF_ONLY, ISOLATED)

    assert filechecks._check_server() is not dead
    assert (again.pages, again.sha256) == (first.pages, first.sha256)


def test_a_server_that_dies_unnoticed_is_replaced_when_a_check_cannot_reach_it(monkeypatch):
    dead = filechecks._check_server()
    dead.process.kill()
    dead.process.wait()
    monkeypatch.setattr(dead.process, "poll", lambda: None)  # looks alive: the send fails

    checked = accepted("r.pdf", filegen.pdf(filegen.text_pages(1)), PDF_ONLY, ISOLATED)

    assert checked.pages == 1
    assert filechecks._check_server() is not dead


def test_a_child_holds_only_its_own_socket_and_standard_streams(serving):
    """Not the control socket, the other checks' sockets or the server's selector."""
    serving("report_fds")
    checked = accepted("r.pdf", filegen.pdf(filegen.text_pages(1)), PDF_ONLY, ISOLATED)
    assert checked.pages == 4  # stdin, stdout, stderr (/dev/null) and its data socket


def test_a_child_that_lingers_after_its_verdict_is_ended(serving):
    serving("answer_then_linger")
    started = time.monotonic()
    pid = accepted("r.pdf", filegen.pdf(filegen.text_pages(1)), PDF_ONLY, ISOLATED).pages

    assert time.monotonic() - started < 5
    for _ in range(100):  # the server kills it once the web process is done with it
        if not os.path.exists(f"/proc/{pid}") or "Z" in _state(pid):
            break
        time.sleep(0.05)
    assert not os.path.exists(f"/proc/{pid}") or "Z" in _state(pid)


def _state(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return "gone"


@pytest.mark.parametrize("worker", ["odd_pages", "odd_code"])
def test_a_malformed_verdict_is_a_server_error(serving, worker):
    serving(worker)
    with pytest.raises(RuntimeError, match="malformed verdict"):
        check_file(
            name="r.pdf", data=filegen.pdf(filegen.text_pages(1)), rules=PDF_ONLY, limits=ISOLATED
        )


def test_the_check_server_gets_none_of_the_web_process_secrets(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "do-not-leak")
    monkeypatch.setenv("DATABASE_URL", "postgres://secret@db/lectern")
    filechecks.stop_check_server()
    accepted("r.pdf", filegen.pdf(filegen.text_pages(1)), PDF_ONLY, ISOLATED)

    with open(f"/proc/{filechecks._check_server().process.pid}/environ", "rb") as environ:
        names = {entry.split(b"=", 1)[0] for entry in environ.read().split(b"\0") if entry}

    assert b"SECRET_KEY" not in names and b"DATABASE_URL" not in names
