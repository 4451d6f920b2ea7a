# `make run` starts the chat app; `make test` runs the whole suite. Both set everything up first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: setup run test index eval eval-heldout bench browser clean

setup: $(STAMP)
	@$(BIN)/rag setup

# torch first, pinned, so pip takes the CPU build from local disk instead of a multi-GB CUDA build.
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q torch==2.13.0
	$(BIN)/python -m pip install -q -e '.[dev]'
	@touch $(STAMP)

# `make run PORT=8000` (or RAG_PORT=8000) picks the port; the page opens at once, the index is built behind it.
PORT ?= $(RAG_PORT)
run: $(STAMP)  # not `setup`: the app provisions the model itself, behind its page
	$(BIN)/python app.py $(if $(PORT),--port $(PORT))

index: setup
	$(BIN)/rag index

eval: setup
	$(BIN)/rag eval

# The held-out fixtures (eval/heldout*/README.md): the corpus plus each fixture's synthetic articles, in a
# workspace of its own under eval/results/ (the product's documents/ and index/ are not touched), indexed
# incrementally; `make eval-heldout HELDOUT_SETS=heldout2` runs one.
HELDOUT_SETS ?= heldout heldout2 heldout3
eval-heldout: setup
	@for set in $(HELDOUT_SETS); do \
	  ws=eval/results/$$set-workspace; \
	  mkdir -p $$ws/documents && find $$ws/documents -maxdepth 1 -type f -delete && \
	  find documents eval/$$set/documents -maxdepth 1 -type f \( -name '*.txt' -o -name '*.htm' -o -name '*.html' \) \
	    -exec cp {} $$ws/documents/ \; && \
	  $(BIN)/rag index --documents $$ws/documents --index $$ws/index && \
	  $(BIN)/rag eval --gold eval/$$set/gold.jsonl --documents $$ws/documents --index $$ws/index \
	    --out eval/results/$$set-$$(date -u +%Y%m%dT%H%M%S) || exit 1; \
	done

bench: setup index
	$(BIN)/python bench/bench_index.py
	$(BIN)/python bench/bench_search.py
	$(BIN)/python bench/bench_ask.py

# Debian's Chromium for the browser test (Playwright cannot download its own browser here).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium is missing: install Debian's chromium package (sudo apt-get install chromium)"; fi; }

test: setup browser
	$(BIN)/rag setup --generator
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) index .pytest_cache
