"""The small JSON API: one router per resource."""

from __future__ import annotations

from fastapi import APIRouter

from gazette.web.api import articles, search, stories

router = APIRouter(prefix="/api")
router.include_router(articles.router)
router.include_router(stories.router)
router.include_router(search.router)
