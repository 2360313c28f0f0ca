"""A LangChain (LCEL) chain grounded by geertz: retrieve the scoped statements for a
question, put them in the prompt, and let a chat model answer.

    python examples/langchain_chain.py --store .geertz/store "Should I tip in Tokyo?"

The store is ``--store`` or ``GEERTZ_STORE`` (build one with ``make demo``). Offline,
a fake chat model stands in for a real one, so only the grounded context is real.
For a real answer, point the chain at any OpenAI-compatible server:

    GEERTZ_EXAMPLE_OPENAI_URL=http://127.0.0.1:8080/v1 \\
    GEERTZ_EXAMPLE_OPENAI_MODEL=some-model GEERTZ_EXAMPLE_OPENAI_KEY=... \\
    python examples/langchain_chain.py "Should I tip in Tokyo?"
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from langchain_core.documents import Document
from langchain_core.language_models import BaseChatModel
from langchain_core.language_models.fake_chat_models import FakeListChatModel
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.runnables import RunnableLambda, RunnableParallel, RunnablePassthrough
from pydantic import SecretStr

from geertz import ContextEngine, GeertzError, Settings, get_settings
from geertz.integrations.langchain import GeertzRetriever

QUESTION = "How much should I tip at a restaurant in Tokyo?"

PROMPT = ChatPromptTemplate.from_messages(
    [
        (
            "system",
            "Answer the question from the numbered statements only. Say whose practice each "
            "statement describes and where it holds, cite statements as [n], and if the context "
            "lists open questions, ask them instead of guessing.",
        ),
        ("human", "Statements:\n{context}\n\nQuestion: {question}"),
    ]
)

OFFLINE_ANSWER = (
    "(A fake chat model wrote this; it says the same whatever the context. Set "
    "GEERTZ_EXAMPLE_OPENAI_URL to an OpenAI-compatible server for a real answer.)"
)


def format_context(docs: list[Document]) -> str:
    """The statements as numbered lines with their holders, scope and sources."""
    lines = []
    statements = [doc for doc in docs if doc.metadata["kind"] != "missing"]
    for number, doc in enumerate(statements, 1):
        meta = doc.metadata
        scope = "; ".join(f"{facet}: {', '.join(labels)}" for facet, labels in meta["scope"].items())
        lines.append(f"[{number}] {doc.page_content}")
        lines.append(f"    held by: {', '.join(meta['held_by']) or 'unrecorded'}")
        lines.append(f"    holds for: {scope or 'unscoped'}; applies here: {_yes_no(meta['applies'])}")
        lines.append(f"    sources: {', '.join(meta['sources']) or 'none recorded'}")
    lines += [f"Open question: {doc.page_content}" for doc in docs if doc.metadata["kind"] == "missing"]
    return "\n".join(lines)


def _yes_no(applies: bool | None) -> str:
    return "unknown" if applies is None else "yes" if applies else "no"


def chat_model() -> BaseChatModel:
    """ChatOpenAI when GEERTZ_EXAMPLE_OPENAI_URL is set, else LangChain's fake chat model."""
    url = os.environ.get("GEERTZ_EXAMPLE_OPENAI_URL")
    if not url:
        return FakeListChatModel(responses=[OFFLINE_ANSWER])
    from langchain_openai import ChatOpenAI

    return ChatOpenAI(
        base_url=url,
        model=os.environ.get("GEERTZ_EXAMPLE_OPENAI_MODEL", "gpt-4o-mini"),
        api_key=SecretStr(os.environ.get("GEERTZ_EXAMPLE_OPENAI_KEY", "not-needed")),
        timeout=120,
    )


def build_chain(retriever: GeertzRetriever, model: BaseChatModel) -> Any:
    """question -> {"docs", "question", "answer"}: the documents are kept for printing."""
    answer = (
        {
            "context": RunnableLambda(lambda state: format_context(state["docs"])),
            "question": RunnableLambda(lambda state: state["question"]),
        }
        | PROMPT
        | model
        | StrOutputParser()
    )
    return RunnableParallel(docs=retriever, question=RunnablePassthrough()).assign(answer=answer)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("question", nargs="?", default=QUESTION)
    parser.add_argument("--store", help="the geertz store (default: GEERTZ_STORE, else .geertz/store)")
    parser.add_argument("-k", type=int, default=4, help="how many statements to retrieve")
    args = parser.parse_args(argv)

    settings = Settings(store=args.store) if args.store else get_settings()
    try:
        engine = ContextEngine.from_settings(settings)
    except GeertzError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    try:
        retriever = GeertzRetriever(engine=engine, k=args.k, include_missing=True)
        model = chat_model()
        result = build_chain(retriever, model).invoke(args.question)
    except GeertzError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        engine.close()

    print(f"Question: {args.question}\n")
    print(f"Grounded context from geertz ({len(result['docs'])} documents):")
    print(format_context(result["docs"]))
    print(f"\nAnswer ({type(model).__name__}):")
    print(result["answer"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
