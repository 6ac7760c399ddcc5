# photostyle developer commands. `make demo` and `make test` work on a fresh clone.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test lint format bench browser tools clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	# Pitie's IDT for the quality benchmark: the package's metadata pins numpy<2, its code runs
	# on numpy 2 (cv2 comes from opencv-python-headless in the dev extras)
	$(BIN)/python -m pip install -q --no-deps python-color-transfer==0.1.2a0
	$(BIN)/photostyle warmup
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	mkdir -p out
	$(BIN)/photostyle transfer examples/images/coffee.png examples/images/rocket.jpg -o out/demo_transfer.png
	$(BIN)/python examples/side_by_side.py examples/images/coffee.png examples/images/rocket.jpg out/demo_transfer.png -o out/demo_side_by_side.png
	$(BIN)/python examples/make_demo_images.py --out out
	$(BIN)/photostyle smooth out/demo_content.png out/demo_stylized.png -o out/demo_smoothed.png --method exact
	$(BIN)/python examples/side_by_side.py out/demo_content.png out/demo_stylized.png out/demo_smoothed.png -o out/demo_smoothing_only.png
	@echo "demo outputs written to out/ (demo_side_by_side.png: content | style | result)"

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks examples
	$(BIN)/ruff format --check src tests benchmarks examples

format: $(STAMP)
	$(BIN)/ruff format src tests benchmarks examples
	$(BIN)/ruff check --fix src tests benchmarks examples

# Debian's chromium for the end-to-end web app test (playwright drives it; no browser download)
browser:
	@command -v chromium >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) || echo "chromium not installed: the browser test will be skipped"

# Debian's exiftool and ffmpeg: tests read our files with them (real clients, not our code)
tools:
	@command -v exiftool >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libimage-exiftool-perl >/dev/null) || echo "exiftool not installed: the metadata tests will be skipped"
	@command -v ffmpeg >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ffmpeg >/dev/null) || echo "ffmpeg not installed: the LUT client test will be skipped"

test: lint browser tools
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python benchmarks/smoothing.py
	$(BIN)/python benchmarks/decoders.py
	$(BIN)/python benchmarks/quality.py --max-sides 256,384,700
	$(BIN)/python benchmarks/highres.py
	$(BIN)/python benchmarks/looks.py

clean:
	rm -rf out build *.egg-info
