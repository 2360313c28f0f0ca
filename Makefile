# geertz: two commands on a fresh machine.
#   make demo   create .venv, load the ontology and shipped data, show what geertz holds
#   make test   run the whole test suite

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-dev
GEERTZ := $(BIN)/geertz
STORE  ?= .geertz/store
GRAPH  := https://w3id.org/geertz/graph

.PHONY: demo test clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(GEERTZ) --store $(STORE) load --replace --graph $(GRAPH)/ontology ontology/geertz.ttl
	$(GEERTZ) --store $(STORE) load --replace --graph $(GRAPH)/seed data/
	$(GEERTZ) --store $(STORE) gazetteer build
	$(GEERTZ) validate ontology/ data/
	$(GEERTZ) --store $(STORE) stats
	$(GEERTZ) --store $(STORE) context -k 3 "How much should I tip at a restaurant in Tokyo?"
	$(GEERTZ) --store $(STORE) context -k 3 "What colour should I avoid wearing to a wedding?"
	$(GEERTZ) --store $(STORE) ask -k 6 "What colour should I avoid wearing to a wedding?"

test: $(STAMP)
	$(BIN)/ruff check geertz tests examples benchmarks
	$(BIN)/mypy
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) .geertz .pytest_cache .mypy_cache
