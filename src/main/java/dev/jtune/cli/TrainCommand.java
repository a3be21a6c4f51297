package dev.jtune.cli;

import dev.jtune.io.ProtectedPaths;
import dev.jtune.train.TrainingConfig;
import dev.jtune.train.TrainingRun;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code jtune train}: fine-tune a classifier on a prepared dataset into a run folder. */
@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    description = {
      "Fine-tune a classifier head (and optionally the top of the encoder) on a prepared dataset.",
      "Writes runs/<run>/: config.json, metrics.json, history.csv, report.md, provenance.json, PNG plots,",
      "checkpoints/ and model/ (the trained classifier as a SavedModel). Options override --config;",
      "--set KEY=VALUE overrides any field listed by --list-options."
    })
public final class TrainCommand implements Callable<Integer> {
  @Option(names = "--model", description = "Encoder SavedModel folder (default: savedmodels/all-minilm-l6-v2).")
  String model;

  @Option(names = "--data", description = "Prepared dataset folder (default: datasets/spamassassin).")
  String data;

  @Option(names = "--out", description = "Run folder to create (default: runs/<model>-<data>). Must be absent or empty; "
      + "never the current folder, its parents or a folder holding an input.")
  Path out;

  @Option(names = "--force", description = "Replace the finished jtune run in --out (files you added to it are kept).")
  boolean force;

  @Option(names = "--config", description = "JSON training config; its fields are those of --list-options.")
  Path config;

  @Option(names = "--resume", description = "Continue the interrupted run in --out from its last checkpoint (the folder must hold a jtune run).")
  boolean resume;

  @Option(names = "--init-from", paramLabel = "RUN", description = "Start from the trained classifier of a finished run (its encoder and head weights).")
  String initFrom;

  @Option(names = "--unfreeze-top", paramLabel = "K", description = "Also train the top K encoder layers (default 0: encoder frozen).")
  Integer unfreezeTop;

  @Option(names = "--unfreeze", paramLabel = "all", description = "'all': train every encoder layer (see --train-embeddings).")
  String unfreeze;

  @Option(names = "--train-embeddings", description = "With --unfreeze all: train the embeddings too.")
  Boolean trainEmbeddings;

  @Option(names = "--encoder-dropout", description = "Dropout rate inside the trained encoder layers (default 0.1; 0 = off).")
  Double encoderDropout;

  @Option(names = "--epochs", description = "Passes over the train split.")
  Integer epochs;

  @Option(names = "--max-steps", description = "Stop after this many optimizer steps.")
  Long maxSteps;

  @Option(names = "--batch-size", description = "Examples per micro-batch.")
  Integer batchSize;

  @Option(names = "--grad-accumulation", description = "Micro-batches per optimizer step.")
  Integer gradAccumulation;

  @Option(names = "--lr", description = "Peak learning rate of the head.")
  Double lr;

  @Option(names = "--encoder-lr", description = "Peak learning rate of unfrozen encoder layers.")
  Double encoderLr;

  @Option(names = "--schedule", description = "constant, linear or cosine.")
  String schedule;

  @Option(names = "--warmup-steps", description = "Warmup in optimizer steps.")
  Integer warmupSteps;

  @Option(names = "--warmup-ratio", description = "Warmup as a fraction of all steps.")
  Double warmupRatio;

  @Option(names = "--pooling", description = "cls or mean.")
  String pooling;

  @Option(names = "--dropout", description = "Dropout rate on the pooled vector.")
  Double dropout;

  @Option(names = "--max-seq-len", description = "Longest token sequence (truncate longer texts).")
  Integer maxSeqLen;

  @Option(names = "--seed", description = "Seed for head init, data order and dropout.")
  Long seed;

  @Option(names = "--eval-every", paramLabel = "STEPS", description = "Validate every N steps (0 = every epoch).")
  Integer evalEvery;

  @Option(names = "--patience", description = "Early stopping patience in validations (0 = off).")
  Integer patience;

  @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override any config field, e.g. --set loss.label_smoothing=0.1.")
  Map<String, String> set = new LinkedHashMap<>();

  @Option(names = "--list-options", description = "Print every config field with its default and help, then exit.")
  boolean listOptions;

  @Option(names = "--no-progress", description = "Do not draw the progress bar.")
  boolean noProgress;

  @Override
  public Integer call() {
    if (listOptions) {
      TrainingConfig.describe().forEach(System.out::println);
      return 0;
    }
    Map<String, Object> o = new LinkedHashMap<>();
    put(o, "model", model);
    put(o, "data", data);
    put(o, "init_from", initFrom);
    put(o, "freeze.unfreeze_top", unfreezeTop);
    if (unfreeze != null) {
      if (!unfreeze.equals("all")) throw new dev.jtune.JtuneException("--unfreeze takes 'all' (use --unfreeze-top K for the top K layers)");
      o.put("freeze.unfreeze_all", true);
    }
    put(o, "freeze.train_embeddings", trainEmbeddings);
    put(o, "freeze.encoder_dropout", encoderDropout);
    put(o, "loop.epochs", epochs);
    put(o, "loop.max_steps", maxSteps);
    put(o, "loop.batch_size", batchSize);
    put(o, "loop.grad_accumulation", gradAccumulation);
    put(o, "loop.seed", seed);
    put(o, "optimizer.learning_rate", lr);
    put(o, "optimizer.encoder_learning_rate", encoderLr);
    put(o, "schedule.kind", schedule);
    put(o, "schedule.warmup_steps", warmupSteps);
    put(o, "schedule.warmup_ratio", warmupRatio);
    put(o, "head.pooling", pooling);
    put(o, "head.dropout", dropout);
    put(o, "tokens.max_seq_len", maxSeqLen);
    put(o, "validation.every_steps", evalEvery);
    put(o, "validation.patience", patience);
    o.putAll(set);
    TrainingConfig c = TrainingConfig.resolve(config, o);
    Path run = out != null ? out : Path.of("runs", Path.of(c.model()).getFileName() + "-" + Path.of(c.data()).getFileName());
    TrainingRun.Summary s = TrainingRun.run(c, run, resume, force, !noProgress, ProtectedPaths.of(config));
    System.out.printf(Locale.ROOT, "validation (best): accuracy %.4f  macro-F1 %.4f%n", s.validation().accuracy(), s.validation().macroF1());
    System.out.printf(Locale.ROOT, "test:              accuracy %.4f  macro-F1 %.4f%n", s.test().accuracy(), s.test().macroF1());
    System.out.println("run folder: " + run + " (report.md, metrics.json, model/)");
    return 0;
  }

  private static void put(Map<String, Object> m, String key, Object value) {
    if (value != null) m.put(key, value);
  }
}
