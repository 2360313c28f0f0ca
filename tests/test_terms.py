"""The one escaping path from Python values into SPARQL text."""

from __future__ import annotations

import pyoxigraph
import pytest

from geertz.graph.terms import bind_values, iri, literal, sparql_term, values_clause


@pytest.mark.parametrize(
    "text",
    [
        "plain",
        'a "double" quote',
        "a 'single' quote",
        "a } brace and { another",
        "back\\slash",
        "new\nline and\ttab and \r return",
        '"} ; DROP ALL ; INSERT DATA { <urn:x> <urn:y> "z',
        "# not a comment",
        "unicode: おもてなし تعارف",
        '"""triple"""',
    ],
    ids=[
        "plain",
        "double-quote",
        "single-quote",
        "braces",
        "backslash",
        "control",
        "injection",
        "hash",
        "unicode",
        "triple-quote",
    ],
)
def test_strings_round_trip_as_one_literal(text: str) -> None:
    store = pyoxigraph.Store()
    store.update(f"INSERT DATA {{ <urn:s> <urn:p> {sparql_term(text)} }}")
    values = [quad.object.value for quad in store]
    assert values == [text]


def test_numbers_and_booleans_get_datatypes() -> None:
    assert sparql_term(3) == '"3"^^<http://www.w3.org/2001/XMLSchema#integer>'
    assert sparql_term(True) == '"true"^^<http://www.w3.org/2001/XMLSchema#boolean>'
    assert sparql_term(0.5).endswith("#double>")


def test_terms_pass_through_and_bad_iris_are_refused() -> None:
    assert sparql_term(iri("https://example.org/a")) == "<https://example.org/a>"
    assert sparql_term(literal("hi", language="en")) == '"hi"@en'
    with pytest.raises(ValueError, match="not a valid absolute IRI"):
        iri("https://example.org/a> } ; DROP ALL ; <x")
    with pytest.raises(TypeError):
        sparql_term([1, 2])  # type: ignore[arg-type]


def test_values_clause_refuses_bad_variable_names() -> None:
    with pytest.raises(ValueError, match="variable name"):
        values_clause({"x) } DROP ALL #": "v"})


def test_bind_values_goes_inside_the_outermost_group() -> None:
    query = 'SELECT ?x WHERE { ?x <http://e/#p> "a } b" . # } here\n } ORDER BY ?x LIMIT 2'
    bound = bind_values(query, {"x": iri("http://e/a")})
    assert bound.endswith("} ORDER BY ?x LIMIT 2")
    assert "VALUES (?x) { (<http://e/a>) }" in bound
    assert bound.index("VALUES") > bound.index("# } here")
    store = pyoxigraph.Store()
    store.update('INSERT DATA { <http://e/a> <http://e/#p> "a } b" . <http://e/b> <http://e/#p> "a } b" }')
    rows = list(store.query(bound))
    assert [row["x"].value for row in rows] == ["http://e/a"]


def test_bind_values_needs_a_group() -> None:
    with pytest.raises(ValueError):
        bind_values("ASK", {"x": "v"})
