package dev.jtune.cli;

import dev.jtune.train.TrainingBenchmark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code jtune bench train}: training throughput per freezing strategy on real texts, as JSON. */
@Command(name = "train", mixinStandardHelpOptions = true,
    description = "Training throughput (seq/s) on real texts for a frozen encoder with feature cache, the top 2 layers"
        + " unfrozen and everything unfrozen, with resident memory after each; prints JSON.")
public final class BenchTrainCommand implements Callable<Integer> {
  @Option(names = "--model", defaultValue = "savedmodels/all-minilm-l6-v2", description = "Encoder SavedModel folder (default: ${DEFAULT-VALUE}).")
  Path model;

  @Option(names = "--data", defaultValue = "datasets/spamassassin", description = "Prepared dataset folder (default: ${DEFAULT-VALUE}).")
  Path data;

  @Option(names = "--split", defaultValue = "train", description = "Split whose first texts are used (default: ${DEFAULT-VALUE}).")
  String split;

  @Option(names = "--texts", defaultValue = "512", description = "Texts per epoch (default: ${DEFAULT-VALUE}).")
  int texts;

  @Option(names = "--batch-size", defaultValue = "32", description = "Examples per step (default: ${DEFAULT-VALUE}).")
  int batchSize;

  @Option(names = "--max-seq-len", defaultValue = "128", description = "Truncation length in tokens (default: ${DEFAULT-VALUE}).")
  int maxSeqLen;

  @Option(names = "--cached-epochs", defaultValue = "3", description = "Epochs of the modes on a cache (frozen, and top2 with at least 2), to time epochs on cached features (default: ${DEFAULT-VALUE}).")
  int cachedEpochs;

  @Option(names = "--modes", split = ",", defaultValue = "frozen,top2,all", description = "Modes to run, in order (default: ${DEFAULT-VALUE}).")
  List<String> modes;

  @Override
  public Integer call() throws Exception {
    Path work = Files.createTempDirectory("jtune-bench-train");
    try {
      var config = new TrainingBenchmark.Config(model, data, split, texts, batchSize, maxSeqLen, cachedEpochs, modes);
      System.out.println(TrainingBenchmark.toJson(TrainingBenchmark.run(config, work)));
    } finally {
      try (var files = Files.walk(work)) {
        for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
      }
    }
    return 0;
  }
}
