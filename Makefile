# Two commands matter: `make demo` (the main job) and `make test` (the tests).
# Both create .venv and install the project into it the first time.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# nbgrader calls the `alembic` executable: keep the venv's bin/ on PATH.
export PATH := $(abspath $(BIN)):$(PATH)

.PHONY: demo test lint check build grade handouts lab formgrader clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@

demo: $(VENV)/.installed  ## build the course, grade a synthetic cohort, render handouts
	$(BIN)/course demo

# Two workers, one test file each at a time (a file's fixtures are built once, in one worker).
test: $(VENV)/.installed  ## lint, then the whole test suite
	$(BIN)/ruff check graders tests benchmarks nbgrader_config.py
	$(BIN)/python -m pytest -n 2 --dist loadfile --durations=25

lint: $(VENV)/.installed
	$(BIN)/ruff check graders tests benchmarks nbgrader_config.py

check build grade handouts: $(VENV)/.installed
	$(BIN)/course $@

lab: $(VENV)/.installed  ## learners on one machine: the start page and each module as a page (Voilà), localhost only
	$(BIN)/course lab

formgrader: $(VENV)/.installed  ## trainers: nbgrader's formgrader in JupyterLab, localhost only
	@echo "Open the address printed below: it starts in the formgrader (JupyterLab is at /lab). Stop with Ctrl+C."
	$(BIN)/jupyter lab --ip=127.0.0.1 --no-browser --LabApp.default_url=/formgrader --LabApp.news_url= \
		--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate $(if $(filter 0,$(shell id -u)),--allow-root,)

clean:
	rm -rf build
