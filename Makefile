# Two commands for a new user:  `make book`  and  `make test`.
# Both create .venv (Python 3.11+) and install requirements.txt (the exact, tested pins of
# the whole environment, generated from pyproject.toml by `make lock`) when needed.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PIP_VERSION := 26.3

.PHONY: book book-clean pdf translations test replicate lint lock clean

$(STAMP): requirements.txt pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet pip==$(PIP_VERSION)
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@touch $(STAMP)

## Build the HTML book (executes every chapter once; warnings are errors): the English site in
## _build/html/, then the French one, from the same executions, in _build/html/fr/.
book: $(STAMP)
	$(BIN)/python tools/build_book.py

## The same from an empty _build (what CI does).
book-clean: $(STAMP)
	$(BIN)/python tools/build_book.py --clean

## The PDF editions (need TeX: see the README) -> _build/latex/backprop-book.pdf and
## _build/latex/fr/backprop-book.pdf
pdf: $(STAMP)
	$(BIN)/python tools/build_book.py --builder pdflatex

## After changing the English: extract its messages, update locales/fr/LC_MESSAGES/*.po
## (new messages empty, changed ones fuzzy) and list what is left to translate.
translations: $(STAMP)
	$(BIN)/python tools/translations.py

## Run the test suite (package, chapters, and the built site when present).
test: $(STAMP)
	$(BIN)/python -m pytest -n 2

## Execute the statistical chapters again as another draw (other seeds, 2 BLAS threads):
## every claim they assert must hold again. Their executions go to _build/replication/.
replicate: $(STAMP)
	$(BIN)/python tools/build_book.py --replicate 1

lint: $(STAMP)
	$(BIN)/ruff check .

## Regenerate requirements.txt from pyproject.toml (after changing a dependency there).
lock: $(STAMP)
	$(BIN)/uv pip compile pyproject.toml --extra book --extra test --extra dev \
	  --python-version 3.11 --custom-compile-command "make lock" -o requirements.txt

clean:
	rm -rf _build .pytest_cache .hypothesis
	find locales -name "*.mo" -delete
