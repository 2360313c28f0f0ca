"""geertz as a LangChain retriever: each statement of the ContextPack becomes a Document.

In-process, over an engine you hold::

    >>> from geertz import ContextEngine                                  # doctest: +SKIP
    >>> retriever = GeertzRetriever(engine=ContextEngine.from_settings(), k=4)
    >>> docs = retriever.invoke("How much should I tip at a restaurant in Tokyo?")
    >>> docs[0].metadata["held_by"], docs[0].metadata["scope"]["place"]
    (['restaurant, hotel and taxi staff in Japan'], ['Japan'])

or against a running ``geertz serve``::

    >>> retriever = GeertzRetriever(url="http://127.0.0.1:8000", api_key="KEY")  # doctest: +SKIP
    >>> await retriever.ainvoke("What colour should I avoid wearing to a wedding?", k=3)

The number of statements can also be set per call (``invoke(query, k=3)``), as can
``user_context`` and the earlier user turns (``messages``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Self

import httpx
from langchain_core.callbacks import AsyncCallbackManagerForRetrieverRun, CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from langchain_core.runnables.config import run_in_executor
from pydantic import Field, SecretStr, field_validator, model_validator

from geertz.engine import ContextEngine
from geertz.errors import ConfigError, GeertzError
from geertz.retrieval.pack import ContextPack, PackItem

__all__ = ["GeertzRetriever", "pack_documents"]


def _item_document(item: PackItem) -> Document:
    metadata: dict[str, Any] = {
        "iri": item.iri,
        "kind": item.kind,
        "label": item.label,
        "practice": item.practice,
        "practice_label": item.practice_label,
        "scope": {facet: list(labels) for facet, labels in item.scope.items()},
        "held_by": [cue.label for cue in item.held_by],
        "sources": [source.url or source.title for source in item.evidence],
        "evidence": [source.model_dump(mode="json") for source in item.evidence],
        "applies": item.applies,
        "score": item.score,
        "identifiers": list(item.identifiers),
        "why": item.why,
    }
    return Document(id=item.iri, page_content=item.text, metadata=metadata)


def pack_documents(pack: ContextPack, *, include_missing: bool = False) -> list[Document]:
    """The pack's statements as Documents, best first; with ``include_missing``, one more
    Document per open question (metadata ``kind="missing"`` and its ``facet``)."""
    documents = [_item_document(item) for item in pack.items]
    if include_missing:
        documents += [
            Document(page_content=gap.question, metadata={"kind": "missing", "facet": gap.facet})
            for gap in pack.missing
        ]
    return documents


class GeertzRetriever(BaseRetriever):
    """Statements from geertz's ContextPack as LangChain Documents.

    Give exactly one of ``engine`` (in-process) or ``url`` (the base URL of a
    ``geertz serve``, e.g. ``http://127.0.0.1:8000``)::

        retriever = GeertzRetriever(url="http://127.0.0.1:8000", api_key="KEY", k=4)
        chain = {"context": retriever | format_docs, "question": RunnablePassthrough()} | prompt | model

    Each Document's ``page_content`` is the statement's text; its metadata holds
    ``iri``, ``kind``, ``label``, ``practice``, ``practice_label``, ``scope``
    (facet → labels), ``held_by`` (community labels), ``sources`` (evidence URLs,
    else titles), ``evidence`` (each source's ``iri``, ``title``, ``url`` and
    ``citation``), ``applies``, ``score``, ``identifiers`` and ``why``, all plain JSON.
    """

    engine: ContextEngine | None = Field(None, exclude=True, description="An engine to query in-process.")
    url: str | None = Field(None, description="Base URL of a running geertz API.")
    api_key: SecretStr | None = Field(None, description="Sent as 'Authorization: Bearer KEY' to the API.")
    timeout: float = Field(30.0, gt=0, description="Seconds to wait for the API.")
    k: int = Field(5, ge=1, le=100, description="How many statements to return.")
    user_context: dict[str, str] = Field(
        default_factory=dict, description='What the user said about themselves, e.g. {"location": "Kano"}.'
    )
    allow_restricted: bool = Field(
        False,
        description="Include knowledge marked restricted (in-process only; a server decides by API key).",
    )
    include_missing: bool = Field(
        False, description="Append a Document for each question about context the prompt leaves open."
    )

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not value.startswith(("http://", "https://")):
            raise ConfigError(
                f"GeertzRetriever url {value!r} is not an http(s) URL; give the base URL of "
                "`geertz serve`, e.g. 'http://127.0.0.1:8000'"
            )
        return value.rstrip("/")

    @model_validator(mode="after")
    def _one_way_in(self) -> Self:
        if (self.engine is None) == (self.url is None):
            raise ConfigError(
                "GeertzRetriever needs exactly one of engine= (query in-process) or url= (query a "
                f"running `geertz serve`); got {'both' if self.engine is not None else 'neither'}"
            )
        if self.url is not None and self.allow_restricted:
            raise ConfigError(
                "allow_restricted works only in-process; a geertz server shows restricted knowledge "
                "to API keys created with restricted access"
            )
        if self.engine is not None and self.api_key is not None:
            raise ConfigError("api_key is sent only to a remote geertz (url=); drop it or give url=")
        return self

    def _get_relevant_documents(
        self,
        query: str,
        *,
        run_manager: CallbackManagerForRetrieverRun,
        k: int | None = None,
        user_context: dict[str, str] | None = None,
        messages: Sequence[str] = (),
    ) -> list[Document]:
        if self.engine is not None:
            pack = self.engine.context(
                query,
                messages=messages,
                user_context=self.user_context if user_context is None else user_context,
                k=self.k if k is None else k,
                allow_restricted=self.allow_restricted,
            )
            return pack_documents(pack, include_missing=self.include_missing)
        endpoint = self._endpoint()
        try:
            with httpx.Client(timeout=self.timeout, headers=self._headers()) as client:
                response = client.post(endpoint, json=self._body(query, k, user_context, messages))
        except httpx.HTTPError as exc:
            raise self._unreachable(endpoint, exc) from exc
        return pack_documents(_pack_from(response, endpoint), include_missing=self.include_missing)

    async def _aget_relevant_documents(
        self,
        query: str,
        *,
        run_manager: AsyncCallbackManagerForRetrieverRun,
        k: int | None = None,
        user_context: dict[str, str] | None = None,
        messages: Sequence[str] = (),
    ) -> list[Document]:
        if self.engine is not None:
            # Retrieval is CPU work in this process; keep it off the event loop.
            return await run_in_executor(
                None,
                self._get_relevant_documents,
                query,
                run_manager=run_manager.get_sync(),
                k=k,
                user_context=user_context,
                messages=messages,
            )
        endpoint = self._endpoint()
        try:
            async with httpx.AsyncClient(timeout=self.timeout, headers=self._headers()) as client:
                response = await client.post(endpoint, json=self._body(query, k, user_context, messages))
        except httpx.HTTPError as exc:
            raise self._unreachable(endpoint, exc) from exc
        return pack_documents(_pack_from(response, endpoint), include_missing=self.include_missing)

    def _endpoint(self) -> str:
        return f"{self.url}/v1/context"

    def _headers(self) -> dict[str, str]:
        if self.api_key is None:
            return {}
        return {"Authorization": f"Bearer {self.api_key.get_secret_value()}"}

    def _body(
        self, query: str, k: int | None, user_context: dict[str, str] | None, messages: Sequence[str]
    ) -> dict[str, Any]:
        return {
            "prompt": query,
            "k": self.k if k is None else k,
            "user_context": self.user_context if user_context is None else user_context,
            "messages": list(messages),
        }

    def _unreachable(self, endpoint: str, exc: httpx.HTTPError) -> GeertzError:
        if isinstance(exc, httpx.TimeoutException):
            return GeertzError(
                f"geertz at {endpoint} did not answer within {self.timeout} s; "
                "raise GeertzRetriever(timeout=...) if the server is busy"
            )
        reason = str(exc) or type(exc).__name__
        return GeertzError(f"cannot reach geertz at {endpoint}: {reason}; is `geertz serve` running there?")


def _pack_from(response: httpx.Response, endpoint: str) -> ContextPack:
    if response.is_error:
        raise _refusal(response, endpoint)
    try:
        return ContextPack.model_validate(response.json())
    except ValueError as exc:  # not JSON, or JSON that is not a pack (ValidationError)
        raise GeertzError(f"the reply of {endpoint} is not a geertz ContextPack: {exc}") from exc


def _refusal(response: httpx.Response, endpoint: str) -> GeertzError:
    """The server's own error message, as the error fitting its status."""
    try:
        message = str(response.json()["error"]["message"])
    except (ValueError, KeyError, TypeError):
        message = response.text.strip()[:500] or response.reason_phrase
    status = response.status_code
    if status in (401, 403):
        sent = "Authorization" in response.request.headers
        hint = "check the api_key given to GeertzRetriever" if sent else "give GeertzRetriever an api_key"
        return ConfigError(f"geertz at {endpoint} refused the request (HTTP {status}): {message}; {hint}")
    return GeertzError(f"geertz at {endpoint} answered HTTP {status}: {message}")
