# Convenience wrappers; dev.py does the work and needs only Python.
PYTHON ?= python3

.PHONY: run test lint bench install
run:
	$(PYTHON) dev.py run
test:
	$(PYTHON) dev.py test
lint:
	$(PYTHON) dev.py lint
bench:
	$(PYTHON) dev.py bench
install:
	$(PYTHON) dev.py install
