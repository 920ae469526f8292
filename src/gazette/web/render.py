"""Jinja2 environment and the filters templates use (times, numbers and plurals through Babel)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from babel import Locale
from babel.core import UnknownLocaleError
from babel.dates import format_datetime, format_timedelta
from babel.numbers import format_decimal
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from gazette.config import Settings
from gazette.store.search import snippet_html
from gazette.web.auth import nav_context

TEMPLATES = Path(__file__).parent / "templates"
LOCALE = Locale("en")
ENTITY_GROUPS = (
    ("People", ("PERSON",)),
    ("Organisations", ("ORG",)),
    ("Places", ("GPE", "LOC", "FAC")),
)


def relative_time(when: datetime | None, now: datetime | None = None) -> str:
    """'16 minutes ago', 'in 2 hours', 'just now'."""
    if when is None:
        return ""
    delta = when - (now or datetime.now(UTC))
    if abs(delta.total_seconds()) < 45:
        return "just now"
    return format_timedelta(delta, add_direction=True, threshold=0.95, locale=LOCALE)


def absolute_time(when: datetime | None) -> str:
    if when is None:
        return ""
    return format_datetime(when, "d MMMM y, HH:mm 'UTC'", tzinfo=UTC, locale=LOCALE)


def iso_time(when: datetime | None) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if when else ""


def number(value: float) -> str:
    """A number with the locale's grouping: 100,000."""
    return format_decimal(value, locale=LOCALE)


def counted(value: int, singular: str, plural: str) -> str:
    """'1 outlet', '12,345 articles': the noun chosen by the locale's plural rule for ``value``."""
    noun = singular if LOCALE.plural_form(value) == "one" else plural
    return f"{format_decimal(value, locale=LOCALE)} {noun}"


def language_name(code: str | None) -> str:
    """'German' for 'de'; the code itself when Babel does not know it."""
    if not code:
        return ""
    try:
        name = LOCALE.languages.get(Locale.parse(code.replace("-", "_")).language)
    except (ValueError, UnknownLocaleError):
        return code
    return str(name) if name else code


def highlighted(snippet: str) -> Markup:
    """A search snippet, escaped, with its highlight markers as ``<mark>``."""
    return Markup(snippet_html(snippet))  # noqa: S704 -- snippet_html escapes everything first


def host(url: str | None) -> str:
    return urlsplit(url).hostname or "" if url else ""


def query_string(params: dict[str, object]) -> str:
    """``?a=1&b=2`` from the non-empty values of ``params``."""
    kept = {key: value for key, value in params.items() if value not in (None, "")}
    return "?" + urlencode(kept) if kept else ""


def entity_groups(entities: list[object]) -> list[tuple[str, list[object]]]:
    """People, organisations and places, in that order, each non-empty."""
    groups = []
    for label, types in ENTITY_GROUPS:
        members = [entity for entity in entities if getattr(entity, "type", None) in types]
        if members:
            groups.append((label, members))
    return groups


def templates_for(settings: Settings) -> Jinja2Templates:
    templates = Jinja2Templates(directory=TEMPLATES, context_processors=[nav_context])
    templates.env.autoescape = True
    templates.env.trim_blocks = True
    templates.env.lstrip_blocks = True
    templates.env.filters["ago"] = relative_time
    templates.env.filters["absolute"] = absolute_time
    templates.env.filters["iso"] = iso_time
    templates.env.filters["number"] = number
    templates.env.filters["language"] = language_name
    templates.env.filters["highlighted"] = highlighted
    templates.env.filters["host"] = host
    templates.env.globals["counted"] = counted
    templates.env.globals["query_string"] = query_string
    templates.env.globals["entity_groups"] = entity_groups
    templates.env.globals["base_url"] = settings.base_url
    return templates
