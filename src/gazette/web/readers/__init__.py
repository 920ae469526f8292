"""Reader-app APIs: Google Reader (``/api/greader``) and Fever (``/api/fever/``)."""

from __future__ import annotations

from fastapi import APIRouter

from gazette.web.readers import fever, greader

router = APIRouter()
router.include_router(greader.router)
router.include_router(fever.router)
