# crisisplay — the whole workflow in five targets. Everything runs inside .venv,
# which the first target that needs it creates from pyproject.toml.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: run test lint bench stress mutation catalogues train-checker eval-checker clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "crisisplay needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	$(BIN)/python -m compileall -q src  # the first run is not the one that compiles
	touch $@

run: $(BIN)/.installed      ## set up and walk an incident on the shipped default playbook
	$(BIN)/crisisplay start --playbook default

test: $(BIN)/.installed     ## set up and run the test suite
	$(BIN)/python -m pytest -q

lint: $(BIN)/.installed     ## ruff and mypy
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

bench: $(BIN)/.installed    ## print speed and memory figures (not a test)
	$(BIN)/python bench/bench.py

stress: $(BIN)/.installed   ## kill -9 start/resume at random moments, resume, check against an uninterrupted run (ROUNDS=200, SEED=N)
	$(BIN)/python bench/stress.py

train-checker: $(BIN)/.installed  ## learn the checker's judge from data/checker/train/ (writes src/crisisplay/check/judge.bin)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev,train]'
	$(BIN)/python bench/train_checker.py

eval-checker: $(BIN)/.installed   ## the checker's precision and recall on data/checker/eval/, which nothing is tuned on
	$(BIN)/python bench/eval_checker.py $(ARGS)

mutation: $(BIN)/.installed  ## mutation check of incident/walk.py and incident/log.py, one worker (long; docs/mutation.md)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev,mutation]'
	$(BIN)/mutmut run --max-children 1
	$(BIN)/mutmut results

catalogues: $(BIN)/.installed  ## extract the interface's words, update every language's .po, compile the .mo files
	$(BIN)/pybabel -q extract -F babel.cfg -k _ -k ngettext:1,2 --no-location --sort-output -o src/crisisplay/locale/crisisplay.pot src/crisisplay
	$(BIN)/pybabel -q update --no-fuzzy-matching --ignore-obsolete -D crisisplay -i src/crisisplay/locale/crisisplay.pot -d src/crisisplay/locale
	$(BIN)/pybabel compile --statistics -D crisisplay -d src/crisisplay/locale

clean:
	rm -rf $(VENV) build dist .pytest_cache .mypy_cache .ruff_cache
