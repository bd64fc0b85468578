"""The platform's routes: health."""

from fastapi import APIRouter

API_VERSION = "1.0"

router = APIRouter()


@router.get("/health", tags=["meta"])
async def health() -> dict[str, str]:
    return {"status": "ok", "version": API_VERSION}
