"""The course README format: read it into dataclasses, and write them back.

Pure: no ORM, no settings. ``agenda.readme_services`` maps the dataclasses to models; the
format, what maps to what and the grammar tables are in ``docs/readme-format.md``.

- ``markdown``: the README as markdown-it tokens (blocks with source lines, inline pieces);
- ``grammar``: the grammar as data (link kinds by label and URL, deadline names, headings,
  dates);
- ``items``: one agenda item; ``parser``: the document; ``render``: back to Markdown;
- ``model``: the dataclasses and the natural keys re-import matches on.

Rows that cannot be read are never dropped silently: they become ``Problem(line, message)``
entries in ``ParsedReadme.problems`` (and, for agenda items, an ``unread`` event that
``--allow-problems`` keeps). A link whose URL is not http(s) or relative is a problem marked
``unsafe``: refused even with ``--allow-problems``.
"""

from .grammar import (
    classify_deadline,
    format_date,
    infer_year,
    link_kind,
    parse_date,
    season_year,
)
from .model import *  # noqa: F403  (the dataclasses and constants are the package's API)
from .model import agenda_key, assignment_key, is_title_link, title_link
from .parser import parse_readme
from .render import (
    expand_markers,
    render_agenda,
    render_item,
    render_links,
    render_readme,
    structured_blocks,
)

__all__ = [
    "agenda_key",
    "assignment_key",
    "classify_deadline",
    "expand_markers",
    "format_date",
    "infer_year",
    "is_title_link",
    "link_kind",
    "parse_date",
    "parse_readme",
    "render_agenda",
    "render_item",
    "render_links",
    "render_readme",
    "season_year",
    "structured_blocks",
    "title_link",
]
