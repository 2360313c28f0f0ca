"""The official openai client against a running ``geertz serve``: one whole and one
streamed chat completion, with the citations geertz adds in its ``geertz`` field.

    geertz serve &                                   # http://127.0.0.1:8000
    python examples/openai_client.py http://127.0.0.1:8000 "Should I tip in Tokyo?"

The URL is the first argument, else ``GEERTZ_URL``, else http://127.0.0.1:8000. A
server that needs a key gets ``GEERTZ_API_KEY``.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

import openai
from openai import OpenAI

QUESTION = "How much should I tip at a restaurant in Tokyo?"


def print_citations(thick: dict[str, Any]) -> None:
    """The numbered citations (each statement's IRI, practice, holders, scope and
    sources) and whether every check passed."""
    print("Citations:")
    for number, citation in thick.get("citations", {}).items():
        if not citation.get("valid", True):
            print(f"  [{number}] not in the graph context")
            continue
        held = "; ".join(citation["held_by"]) or "no one recorded"
        print(f"  [{number}] {citation['iri']}")
        print(f"      {citation['label']}, held by {held} ({citation['scope']})")
        for source in citation["sources"]:
            where = source.get("url") or source.get("citation") or ""
            print(f"      source: {source['title']} {where}".rstrip())
        if not citation["sources"]:
            print("      no source recorded")
    failed = [name for name, check in thick.get("checks", {}).items() if not check["passed"]]
    print(f"Checks: {'all passed' if not failed else 'failed: ' + ', '.join(failed)}")
    print(f"Backend: {thick.get('backend')}")


def whole(client: OpenAI, question: str) -> None:
    reply = client.chat.completions.create(model="geertz", messages=[{"role": "user", "content": question}])
    print("== Whole reply ==")
    print(reply.choices[0].message.content)
    print_citations((reply.model_extra or {}).get("geertz", {}))


def streamed(client: OpenAI, question: str) -> None:
    stream = client.chat.completions.create(
        model="geertz", messages=[{"role": "user", "content": question}], stream=True
    )
    print("== Streamed reply ==")
    thick: dict[str, Any] = {}
    for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            print(chunk.choices[0].delta.content, end="", flush=True)
        # geertz sends the checked answer with the last chunk.
        thick = (chunk.model_extra or {}).get("geertz") or thick
    print()
    print_citations(thick)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("url", nargs="?", default=os.environ.get("GEERTZ_URL", "http://127.0.0.1:8000"))
    parser.add_argument("question", nargs="?", default=QUESTION)
    args = parser.parse_args(argv)

    # A server without keys ignores the one the client always sends.
    client = OpenAI(
        base_url=f"{args.url.rstrip('/')}/v1", api_key=os.environ.get("GEERTZ_API_KEY", "not-needed")
    )
    try:
        whole(client, args.question)
        print()
        streamed(client, args.question)
    except openai.APIStatusError as exc:
        # The client keeps the server's {"error": {...}} object as exc.body.
        message = exc.body.get("message", exc.message) if isinstance(exc.body, dict) else exc.message
        print(f"error: geertz answered HTTP {exc.status_code}: {message}", file=sys.stderr)
        return 1
    except openai.APIConnectionError as exc:
        print(f"error: cannot reach geertz at {args.url}: {exc}; is `geertz serve` running?", file=sys.stderr)
        return 1
    finally:
        client.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
