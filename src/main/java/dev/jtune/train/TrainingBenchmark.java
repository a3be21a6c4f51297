package dev.jtune.train;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.jtune.JtuneException;
import dev.jtune.data.LabeledText;
import dev.jtune.data.PreparedDataset;
import dev.jtune.data.TextTokenizer;
import dev.jtune.artifact.JtuneJson;
import dev.jtune.data.LengthBuckets;
import dev.jtune.data.LengthSortedBatches;
import dev.jtune.data.TokenBatch;
import dev.jtune.io.CpuInfo;
import dev.jtune.model.EncoderFlops;
import dev.jtune.model.EncoderSavedModel;
import dev.jtune.model.EncoderSession;
import dev.jtune.model.MatMulPeak;
import dev.jtune.model.PretrainedEncoder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Training throughput on real texts for the three freezing strategies (frozen encoder with feature
 * cache, top 2 layers unfrozen on the cached output of the frozen layers, everything unfrozen), with
 * the process's resident memory after each. Modes on a cache report its build time, the first
 * epoch's throughput with the build included and the later epochs' (and the top-2 cache's size).
 * Modes run in that order in one process, so the peak RSS read after the frozen mode is the frozen
 * mode's own peak.
 */
public final class TrainingBenchmark {
  /** What to measure on. */
  public record Config(Path model, Path data, String split, int texts, int batchSize, int maxSeqLen, int cachedEpochs,
      List<String> modes) {
    public Config {
      if (texts < batchSize) throw new JtuneException("--texts " + texts + " must be at least --batch-size " + batchSize);
      for (String m : modes) {
        if (!List.of("frozen", "top2", "all").contains(m)) throw new JtuneException("unknown mode '" + m + "' (frozen, top2, all)");
      }
    }
  }

  private TrainingBenchmark() {}

  /** Runs every mode and returns the report as a JSON-ready map. */
  public static Map<String, Object> run(Config c, Path workDir) {
    EncoderSavedModel encoder = EncoderSavedModel.load(c.model());
    PretrainedEncoder pretrained = encoder.pretrained();
    PreparedDataset data = PreparedDataset.load(c.data());
    List<LabeledText> rows = data.split(c.split());
    if (rows.size() < c.texts()) throw new JtuneException(c.data() + ": split " + c.split() + " has only " + rows.size() + " texts");
    EncodedSplit train, val;
    try (TextTokenizer tok = TextTokenizer.load(encoder.tokenizerJson(), c.maxSeqLen())) {
      train = TrainingRun.encode(tok, rows.subList(0, c.texts()));
      val = TrainingRun.encode(tok, rows.subList(0, Math.min(c.batchSize(), rows.size())));
    }
    double meanTokens = train.tokenIds().stream().mapToInt(t -> t.length).average().orElse(0);
    Map<String, Object> report = new LinkedHashMap<>();
    report.put("model", c.model().toString());
    report.put("data", c.data() + " (" + c.split() + ")");
    report.put("texts", c.texts());
    report.put("mean_tokens", Math.round(meanTokens * 10) / 10.0);
    report.put("batch_size", c.batchSize());
    report.put("max_seq_len", c.maxSeqLen());
    report.put("threads", Runtime.getRuntime().availableProcessors());
    int[] lengths = train.tokenIds().stream().mapToInt(t -> t.length).toArray();
    List<int[]> sorted = LengthSortedBatches.of(lengths, c.batchSize());
    Map<String, Object> modes = new LinkedHashMap<>();
    for (String mode : c.modes()) {
      Map<String, Object> o = new LinkedHashMap<>(Map.of(
          "model", c.model().toString(), "data", c.data().toString(), "tokens.max_seq_len", c.maxSeqLen(),
          "loop.batch_size", c.batchSize(), "validation.patience", 0, "cache.dir", workDir.resolve("cache-" + mode).toString()));
      switch (mode) {
        case "frozen" -> o.put("loop.epochs", c.cachedEpochs());
        case "top2" -> o.put("freeze.unfreeze_top", 2);
        default -> o.put("freeze.unfreeze_all", true);
      }
      TrainingConfig probe = TrainingConfig.resolve(null, o);
      // on cached layer states the first epoch includes the frozen layers' pass: time a later one too
      boolean layerCache = probe.usesLayerCache(pretrained.config().numHiddenLayers());
      if (!mode.equals("frozen")) o.put("loop.epochs", layerCache ? Math.max(2, c.cachedEpochs()) : 1);
      TrainingConfig config = TrainingConfig.resolve(null, o);
      Trainer.Result r = new Trainer(config, pretrained.config(), pretrained.weights(), data.labels(),
          workDir.resolve("run-" + mode), false).train(train, val, false);
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("trained_parameters", r.trainedParameters());
      List<Double> epochs = r.epochSeconds();
      if (r.usedFeatureCache() || r.usedLayerCache()) {
        m.put(r.usedFeatureCache() ? "feature_cache_seconds" : "layer_cache_seconds", round(r.cacheSeconds()));
        m.put("first_epoch_seconds", round(r.cacheSeconds() + epochs.get(0)));
        double later = epochs.subList(1, epochs.size()).stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
        m.put("later_epoch_seconds", round(later));
        m.put("first_epoch_seq_per_s", round(c.texts() / (r.cacheSeconds() + epochs.get(0))));
        m.put("later_epoch_seq_per_s", round(c.texts() / later));
        if (r.usedLayerCache()) {
          // train and val files together, per example of both splits
          m.put("layer_cache_mb_per_1k_examples", round(folderBytes(workDir.resolve("cache-" + mode)) / (double) (1L << 20) * 1000
              / (train.size() + val.size())));
        }
      } else {
        m.put("epoch_seconds", round(epochs.get(0)));
        m.put("train_seq_per_s", round(c.texts() / epochs.get(0)));
      }
      // the encoder's work per epoch (length-sorted batches, each padded to its own longest text) and its rate
      int layers = pretrained.config().numHiddenLayers();
      int firstTrained = mode.equals("frozen") ? layers : Math.max(0, config.freeze().firstTrainedDepth(layers) - 1);
      double firstEpochFlops = 0, laterEpochFlops = 0;
      for (int[] batch : sorted) {
        int b = batch.length, len = Arrays.stream(batch).map(i -> lengths[i]).max().orElse(0);
        double all = EncoderFlops.forward(pretrained.config(), b, len), top = EncoderFlops.forward(pretrained.config(), b, len, firstTrained, layers);
        firstEpochFlops += all + 2 * top; // everything forward once, the trained layers backward
        laterEpochFlops += r.usedFeatureCache() ? 0 : r.usedLayerCache() ? 3 * top : all + 2 * top;
      }
      double firstSeconds = r.cacheSeconds() + epochs.get(0);
      m.put("first_epoch_gflops", round(firstEpochFlops / firstSeconds / 1e9));
      if (!r.usedFeatureCache() && epochs.size() > 1) {
        double later = epochs.subList(1, epochs.size()).stream().mapToDouble(Double::doubleValue).average().orElseThrow();
        m.put("later_epoch_gflops", round(laterEpochFlops / later / 1e9));
      }
      if (r.usedFeatureCache()) m.put("feature_pass_seq_per_s", round((train.size() + val.size()) / r.cacheSeconds()));
      m.put("rss_mb", statusKb("VmRSS") / 1024);
      m.put("peak_rss_mb_so_far", statusKb("VmHWM") / 1024);
      modes.put(mode, m);
    }
    report.put("modes", modes);
    // the yardsticks, measured after the modes (the first session of a process fixes TensorFlow's thread pools)
    report.put("encoder_forward_seq_per_s", round(encoderForwardSeqPerS(pretrained, train.tokenIds(), sorted)));
    if (modes.get("frozen") instanceof Map<?, ?> frozen && frozen.get("feature_pass_seq_per_s") instanceof Double pass) {
      report.put("feature_pass_vs_encoder_forward", round(pass / (Double) report.get("encoder_forward_seq_per_s")));
    }
    CpuInfo cpu = CpuInfo.local();
    report.put("cpu_model", cpu.model());
    report.put("cpu_vector_flags", cpu.vectorFlags());
    int tokensPerBatch = (int) Math.max(1, LengthBuckets.paddedTokens(sorted, lengths) / sorted.size());
    Map<String, Object> peak = MatMulPeak.report(cpu, tokensPerBatch, pretrained.config(), 0);
    report.put("matmul_peak_gflops", peak);
    if (peak.get("fp32") instanceof Double fp32) {
      for (Object m : modes.values()) {
        @SuppressWarnings("unchecked") Map<String, Object> mode = (Map<String, Object>) m;
        for (String key : List.of("first_epoch", "later_epoch")) {
          if (mode.get(key + "_gflops") instanceof Double g) mode.put(key + "_fraction_of_fp32_peak", Math.round(g / fp32 * 1000) / 1000.0);
        }
      }
    }
    return report;
  }

  /**
   * What {@code jtune bench encoder} measures, on these texts: the encoder forward over length-sorted
   * batches, after one warm-up pass (every shape seen once), the median of three passes.
   */
  private static double encoderForwardSeqPerS(PretrainedEncoder encoder, List<int[]> tokenIds, List<int[]> sorted) {
    List<TokenBatch> batches = sorted.stream().map(idx -> TokenBatch.of(Arrays.stream(idx).mapToObj(tokenIds::get).toList())).toList();
    double[] seconds = new double[3];
    try (EncoderSession session = EncoderSession.open(encoder)) {
      for (TokenBatch b : batches) session.run(b);
      for (int p = 0; p < seconds.length; p++) {
        long t0 = System.nanoTime();
        for (TokenBatch b : batches) session.run(b);
        seconds[p] = (System.nanoTime() - t0) / 1e9;
      }
    }
    Arrays.sort(seconds);
    return tokenIds.size() / seconds[1];
  }

  public static String toJson(Map<String, Object> report) {
    try {
      return JtuneJson.MAPPER.writeValueAsString(report);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static double round(double v) {
    return Math.round(v * 100) / 100.0;
  }

  private static long folderBytes(Path folder) {
    try (var files = Files.list(folder)) {
      long sum = 0;
      for (Path f : files.toList()) sum += Files.size(f);
      return sum;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static long statusKb(String key) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith(key + ":")) return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
      return -1;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
