# Convenience wrappers; dev.py does the work and needs only Python.
PYTHON ?= python3

.PHONY: demo run test lint bench install
demo:
	$(PYTHON) dev.py demo
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
