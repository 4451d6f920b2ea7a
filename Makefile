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

# The held-out fixture (eval/heldout/README.md): the corpus plus its synthetic articles, in a workspace of
# their own under eval/results/ (the product's documents/ and index/ are not touched), indexed incrementally.
HELDOUT := eval/results/heldout-workspace
eval-heldout: setup
	@mkdir -p $(HELDOUT)/documents
	@find $(HELDOUT)/documents -maxdepth 1 -type f -delete
	@find documents eval/heldout/documents -maxdepth 1 -type f \( -name '*.txt' -o -name '*.htm' -o -name '*.html' \) \
	  -exec cp {} $(HELDOUT)/documents/ \;
	$(BIN)/rag index --documents $(HELDOUT)/documents --index $(HELDOUT)/index
	$(BIN)/rag eval --gold eval/heldout/gold.jsonl --documents $(HELDOUT)/documents --index $(HELDOUT)/index

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
