# Two commands for a new user:  `make book`  and  `make test`.
# Both create .venv (Python 3.11+) and install requirements.txt when needed.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: book book-clean pdf test lint clean

$(STAMP): requirements.txt pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt -e .
	@touch $(STAMP)

## Build the HTML book (executes every chapter; warnings are errors).
book: $(STAMP)
	$(BIN)/python tools/build_book.py

## The same from an empty _build (what CI does).
book-clean: $(STAMP)
	$(BIN)/python tools/build_book.py --clean

## The PDF edition (needs TeX: see the README) -> _build/latex/backprop-book.pdf
pdf: $(STAMP)
	$(BIN)/python tools/build_book.py --builder pdflatex

## Run the test suite (package, chapters, and the built site when present).
test: $(STAMP)
	$(BIN)/python -m pytest -n 2

lint: $(STAMP)
	$(BIN)/ruff check .

clean:
	rm -rf _build .pytest_cache .hypothesis
