"""`validate`: SHACL conditions of scoped, plural, sourced knowledge, and HermiT."""

from __future__ import annotations

from pathlib import Path

import pytest

from geertz.config import Settings
from geertz.graph.validate import java_executable, validate

from .conftest import FIXTURES, ONTOLOGY, ROOT

MINIMAL = (FIXTURES / "minimal.ttl").read_text(encoding="utf-8")


def _mutate(tmp_path: Path, old: str, new: str) -> Path:
    assert old in MINIMAL, old
    path = tmp_path / "case.ttl"
    path.write_text(MINIMAL.replace(old, new), encoding="utf-8")
    return path


def test_ontology_and_shipped_data_are_clean(settings: Settings) -> None:
    report = validate([ONTOLOGY, ROOT / "data"], settings=settings)
    assert report.findings == []
    assert report.ok
    assert report.reasoner in ("consistent", "skipped")


def test_minimal_fixture_is_clean(settings: Settings) -> None:
    report = validate([FIXTURES / "minimal.ttl"], settings=settings)
    assert report.findings == [] and report.ok


CASES = [
    pytest.param(" gz:scope ex:scope-country ;", "", "violation", "gz:scope", id="missing-scope"),
    pytest.param(
        " gz:evidence ex:evidence ; gz:agreement",
        " gz:agreement",
        "violation",
        "gz:evidence",
        id="missing-evidence",
    ),
    pytest.param(
        "gz:heldBy ex:community-a ;\n    gz:scope ex:scope-country ; gz:perspective",
        "gz:scope ex:scope-country ; gz:perspective",
        "violation",
        "holder",
        id="missing-holder",
    ),
    pytest.param(
        "gz:agreement 0.8", "gz:agreement 1.5", "violation", "between 0 and 1", id="agreement-above-one"
    ),
    pytest.param(
        "gz:confidence 0.5", "gz:confidence -0.1", "violation", "between 0 and 1", id="confidence-negative"
    ),
    pytest.param(
        '; gz:boundaryNote "People who work in Test City." ',
        "",
        "warning",
        "demographic proxy used as meaning-holder",
        id="holder-without-boundary",
    ),
    pytest.param(
        "ex:variation a gz:Variation",
        "ex:variation a gz:Thing",
        "warning",
        "no gz:Variation or gz:Contestation",
        id="unlinked-disagreement",
    ),
    pytest.param(
        'dcterms:bibliographicCitation "Doe, J. (2020). A test source. Test Press."',
        'dcterms:date "2020"',
        "violation",
        "bibliographic reference",
        id="evidence-without-source",
    ),
    pytest.param(
        "gz:deonticStatus gz:customary",
        "gz:deonticStatus gz:sometimes",
        "violation",
        "deonticStatus",
        id="bad-deontic-status",
    ),
    pytest.param(
        "ex:community-b a gz:Community",
        "ex:community-b a gz:ProxyDescriptor",
        "violation",
        "ProxyDescriptor",
        id="proxy-as-holder",
    ),
]


@pytest.mark.parametrize(("old", "new", "severity", "needle"), CASES)
def test_each_condition_is_enforced(
    tmp_path: Path, settings: Settings, old: str, new: str, severity: str, needle: str
) -> None:
    path = _mutate(tmp_path, old, new)
    report = validate([path], settings=settings, reasoner=False)
    matching = [f for f in report.findings if needle in f.message or needle == f.property]
    assert matching, [f.message for f in report.findings]
    assert {f.severity for f in matching} == {severity}
    assert all(f.path == path for f in matching)
    assert report.ok == (severity != "violation")


def test_findings_name_file_line_and_focus(tmp_path: Path, settings: Settings) -> None:
    path = _mutate(tmp_path, "gz:agreement 0.8", "gz:agreement 7")
    [finding] = validate([path], settings=settings, reasoner=False).findings
    assert finding.path == path
    assert finding.focus == "ex:interp-a"
    assert finding.line == MINIMAL.splitlines().index("ex:interp-a a gz:Interpretation ;") + 1


def test_disjoint_scopes_need_no_link(tmp_path: Path, settings: Settings) -> None:
    text = MINIMAL.replace("ex:variation a gz:Variation", "ex:variation a gz:Thing").replace(
        "ex:scope-city a gz:Scope ; gz:place ex:place-city .",
        'ex:scope-city a gz:Scope ; gz:place ex:elsewhere .\nex:elsewhere a gz:Country ; skos:prefLabel "Elsewhere" .',
    )
    path = tmp_path / "disjoint.ttl"
    path.write_text(text, encoding="utf-8")
    report = validate([path], settings=settings, reasoner=False)
    assert not [f for f in report.findings if "Variation or gz:Contestation" in f.message]


def test_syntax_errors_are_violations_with_position(settings: Settings) -> None:
    report = validate([FIXTURES / "malformed.ttl"], settings=settings)
    [finding] = report.findings
    assert (finding.check, finding.line, finding.severity) == ("syntax", 7, "violation")
    assert report.reasoner == "skipped"


@pytest.mark.skipif(java_executable() is None, reason="needs Java for HermiT")
def test_hermit_flags_the_inconsistent_file(tmp_path: Path, settings: Settings) -> None:
    path = _mutate(
        tmp_path, "ex:community-b a gz:Community", "ex:community-b a gz:Community, gz:ProxyDescriptor"
    )
    report = validate([path], settings=settings)
    assert report.reasoner == "inconsistent"
    owl = [f for f in report.findings if f.check == "owl"]
    assert owl and owl[0].path == path


def test_missing_java_skips_the_reasoner_with_a_clear_note(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, settings: Settings
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no java here
    report = validate([FIXTURES / "minimal.ttl"], settings=settings)
    assert report.ok
    assert report.reasoner == "skipped"
    assert "Java was not found" in report.reasoner_note


def test_extra_shape_files_are_used_as_shapes(tmp_path: Path, settings: Settings) -> None:
    shapes = tmp_path / "extra-shapes.ttl"
    shapes.write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n@prefix gz: <https://w3id.org/geertz#> .\n"
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
        "<urn:s> a sh:NodeShape ; sh:targetClass gz:Practice ;\n"
        '  sh:property [ sh:path skos:altLabel ; sh:minCount 1 ; sh:message "practices need an altLabel" ] .\n',
        encoding="utf-8",
    )
    report = validate([FIXTURES / "minimal.ttl", shapes], settings=settings, reasoner=False)
    assert [f.message for f in report.findings] == ["practices need an altLabel"]
