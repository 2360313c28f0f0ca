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
# llama.cpp (built from source by llama-cpp-python) for a portable x86-64 CPU: a
# native build turns on the AMX kernels where the CPU has them, and on these
# machines (Xeon with AMX) the bundled SmolLM2 then segfaults on its first token
# (llama.cpp issue 11115). Override with LLAMA_CMAKE_ARGS= for a native build.
LLAMA_CMAKE_ARGS ?= -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_AVX512=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_TILE=OFF

.PHONY: demo test clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(BIN)/python -m pip install --quiet -e '.[dev]'
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
