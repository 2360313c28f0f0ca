"""Operations for administrators."""

from __future__ import annotations

from fastapi import APIRouter

from geertz.api.deps import Admin, EngineDep

router = APIRouter(tags=["admin"])


@router.post("/v1/admin/reload")
def reload(engine: EngineDep, caller: Admin) -> dict[str, int]:
    """Rebuild the retrieval index from the store, after data was loaded or edited outside the API."""
    return {"statements": engine.reload()}
