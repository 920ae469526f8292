"""Typed dependencies shared by the page and API routers."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Depends, HTTPException, Query, Request
from fastapi.templating import Jinja2Templates

from gazette.models import Source
from gazette.store import Store

PAGE_SIZE = 30
LANGUAGE_PATTERN = r"^([a-z]{2,3}(-[A-Za-z0-9]{2,8})?)?$"


def get_store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def get_templates(request: Request) -> Jinja2Templates:
    templates: Jinja2Templates = request.app.state.templates
    return templates


def sources_by_id(store: Store) -> dict[int, Source]:
    return {source.id: source for source in store.list_sources() if source.id is not None}


StoreDep = Annotated[Store, Depends(get_store)]
TemplatesDep = Annotated[Jinja2Templates, Depends(get_templates)]
PageNumber = Annotated[int, Query(ge=1, le=10_000)]
SourceFilter = Annotated[str | None, Query(max_length=9, pattern=r"^[0-9]*$")]
"""A source id, or empty (a form's "all sources" choice)."""
LanguageFilter = Annotated[str | None, Query(max_length=16, pattern=LANGUAGE_PATTERN)]
DateFilter = Annotated[str | None, Query(max_length=10, pattern=r"^([0-9]{4}-[0-9]{2}-[0-9]{2})?$")]


def optional_id(value: str | None) -> int | None:
    return int(value) if value else None


def optional_date(value: str | None, name: str) -> date | None:
    """A ``YYYY-MM-DD`` query value as a date; 422 when it is no calendar date."""
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise HTTPException(status_code=422, detail=f"{name} must be a date (YYYY-MM-DD)") from None
