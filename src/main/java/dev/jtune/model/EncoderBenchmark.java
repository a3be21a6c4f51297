package dev.jtune.model;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import dev.jtune.JtuneException;
import dev.jtune.artifact.JtuneJson;
import dev.jtune.data.LabeledText;
import dev.jtune.data.LengthBuckets;
import dev.jtune.data.PreparedDataset;
import dev.jtune.data.TextTokenizer;
import dev.jtune.data.TokenBatch;
import dev.jtune.io.CpuInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Times the imported encoder (TensorFlow, rebuilt natively from its SavedModel folder) against ONNX
 * Runtime running the original ONNX file, on the same real texts, batched the way jtune batches
 * ({@link LengthBuckets}: similar lengths together, each batch padded to its own longest text). Both run in one process, pass after
 * pass alternately, and the median pass counts. Also reports how far their outputs are apart and the
 * resident memory before and after many forward calls (a native leak would show there).
 */
public final class EncoderBenchmark {

  /**
   * What to measure.
   *
   * @param model encoder SavedModel folder (made by {@code jtune import})
   * @param onnx the original ONNX file of the same encoder
   * @param data prepared dataset folder whose {@code split}.csv texts are encoded; null = built-in sentences
   * @param split which split of {@code data} to read
   * @param texts at most this many texts (the first ones of the split)
   * @param batchSize texts per forward call
   * @param maxSeqLen truncation length in tokens
   * @param passes timed passes over all batches per runtime (after one warm-up pass)
   * @param threads intra-op threads for both runtimes (0 = all cores)
   * @param leakCalls forward calls between the two memory readings
   */
  public record Config(Path model, Path onnx, Path data, String split, int texts, int batchSize, int maxSeqLen,
      int passes, int threads, int leakCalls) {
    public Config {
      if (texts < 1 || batchSize < 1 || maxSeqLen < 2 || passes < 1 || threads < 0 || leakCalls < 0) {
        throw new JtuneException("bench encoder: texts, batch size, passes must be >= 1, max-seq-len >= 2, threads and leak calls >= 0");
      }
    }
  }

  /** One runtime's speed: median wall time of a pass over all batches and the resulting throughput. */
  @JsonPropertyOrder({"seqPerS", "msPerBatch", "medianPassS", "passS"})
  public record Speed(double seqPerS, double msPerBatch, double medianPassS, double[] passS) {}

  /** The benchmark result, printed as JSON. */
  @JsonPropertyOrder({"model", "onnx", "texts", "source", "batchSize", "batches", "maxSeqLen", "meanTokensPerText",
      "paddingFraction", "threads", "passes", "jtuneTensorflow", "onnxRuntime", "speedupVsOnnxRuntime",
      "maxAbsDiffRealTokens", "rssMb", "cpuModel", "cpuVectorFlags", "gflopPerPass", "matmulPeakGflops",
      "jtuneTensorflowGflops", "jtuneTensorflowFractionOfFp32Peak", "onnxRuntimeGflops"})
  public record Report(String model, String onnx, int texts, String source, int batchSize, int batches, int maxSeqLen,
      double meanTokensPerText, double paddingFraction, int threads, int passes, Speed jtuneTensorflow,
      Speed onnxRuntime, double speedupVsOnnxRuntime, double maxAbsDiffRealTokens, Map<String, Long> rssMb,
      String cpuModel, List<String> cpuVectorFlags, double gflopPerPass, Map<String, Object> matmulPeakGflops,
      double jtuneTensorflowGflops, double jtuneTensorflowFractionOfFp32Peak, double onnxRuntimeGflops) {

    public String toJson() {
      try {
        return JtuneJson.MAPPER.writeValueAsString(this);
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  private EncoderBenchmark() {}

  /** Where {@code make savedmodels} keeps the original ONNX file of {@code savedmodels/<name>}. */
  public static Path defaultOnnxFile(Path model) {
    Path dir = model.toAbsolutePath().normalize();
    String name = dir.getFileName().toString();
    return dir.resolveSibling(".cache").resolve(name).resolve(name + ".onnx");
  }

  public static Report run(Config c) throws IOException {
    EncoderSavedModel saved = EncoderSavedModel.load(c.model());
    PretrainedEncoder encoder = saved.pretrained();
    List<String> texts = c.data() == null ? SampleSentences.all()
        : PreparedDataset.load(c.data()).split(c.split()).stream().map(LabeledText::text).toList();
    if (texts.size() > c.texts()) texts = texts.subList(0, c.texts());
    List<int[]> encoded;
    try (TextTokenizer tokenizer = TextTokenizer.load(saved.tokenizerJson(), c.maxSeqLen())) {
      encoded = texts.stream().map(tokenizer::encode).toList();
    }
    List<TokenBatch> batches = bucketed(encoded, c.batchSize());
    long realTokens = encoded.stream().mapToLong(ids -> ids.length).sum(), paddedTokens = 0;
    for (TokenBatch b : batches) paddedTokens += (long) b.size() * b.seqLen();
    int threads = c.threads() == 0 ? Runtime.getRuntime().availableProcessors() : c.threads();

    long rssStart = rssMb();
    double[] tfPass = new double[c.passes()], ortPass = new double[c.passes()];
    double maxDiff = 0;
    long rssBeforeCalls, rssAfterCalls;
    try (EncoderSession tf = EncoderSession.open(encoder, threads);
        OnnxReferenceEncoder ort = new OnnxReferenceEncoder(c.onnx(), threads)) {
      for (TokenBatch b : batches) { // warm-up pass, also the parity check
        maxDiff = Math.max(maxDiff, maxAbsDiffOnRealTokens(tf.run(b).sequenceOutput(), ort.lastHiddenState(b), b));
      }
      for (int p = 0; p < c.passes(); p++) {
        long t0 = System.nanoTime();
        for (TokenBatch b : batches) tf.run(b);
        long t1 = System.nanoTime();
        for (TokenBatch b : batches) ort.lastHiddenState(b);
        long t2 = System.nanoTime();
        tfPass[p] = (t1 - t0) / 1e9;
        ortPass[p] = (t2 - t1) / 1e9;
      }
      rssBeforeCalls = rssMb();
      for (int i = 0; i < c.leakCalls(); i++) {
        tf.run(batches.get(i % batches.size()));
      }
      rssAfterCalls = rssMb();
    }
    Speed tfSpeed = speed(tfPass, texts.size(), batches.size()), ortSpeed = speed(ortPass, texts.size(), batches.size());
    // the machine's matmul peak on this run's shapes (tokens of an average batch), after the encoder sessions
    double flopsPerPass = 0;
    for (TokenBatch b : batches) flopsPerPass += EncoderFlops.forward(encoder.config(), b.size(), b.seqLen());
    int tokensPerBatch = (int) Math.max(1, paddedTokens / batches.size());
    CpuInfo cpu = CpuInfo.local();
    Map<String, Object> peak = MatMulPeak.report(cpu, tokensPerBatch, encoder.config(), threads);
    double fp32Peak = peak.get("fp32") instanceof Double d ? d : Double.NaN;
    double tfGflops = flopsPerPass / tfSpeed.medianPassS() / 1e9;
    Map<String, Long> rss = new java.util.LinkedHashMap<>();
    rss.put("at_start", rssStart);
    rss.put("before_" + c.leakCalls() + "_calls", rssBeforeCalls);
    rss.put("after_" + c.leakCalls() + "_calls", rssAfterCalls);
    rss.put("peak", statusKb("VmHWM") / 1024);
    return new Report(c.model().toString(), c.onnx().toString(), texts.size(),
        c.data() == null ? "built-in sample sentences" : c.data().resolve(c.split() + ".csv").toString(),
        c.batchSize(), batches.size(), c.maxSeqLen(), (double) realTokens / texts.size(),
        1 - (double) realTokens / paddedTokens, threads, c.passes(), tfSpeed, ortSpeed,
        tfSpeed.seqPerS() / ortSpeed.seqPerS(), maxDiff, rss, cpu.model(), cpu.vectorFlags(), round(flopsPerPass / 1e9, 2), peak,
        round(tfGflops, 1), round(tfGflops / fp32Peak, 3), round(flopsPerPass / ortSpeed.medianPassS() / 1e9, 1));
  }

  private static Speed speed(double[] passSeconds, int texts, int batches) {
    double[] sorted = passSeconds.clone();
    Arrays.sort(sorted);
    double median = sorted[sorted.length / 2];
    return new Speed(round(texts / median, 1), round(1000 * median / batches, 2), round(median, 3),
        Arrays.stream(passSeconds).map(s -> round(s, 3)).toArray());
  }

  private static double round(double v, int digits) {
    double f = Math.pow(10, digits);
    return Math.round(v * f) / f;
  }

  /** Batches as jtune makes them: {@link LengthBuckets} (fixed seed), padded per batch. */
  static List<TokenBatch> bucketed(List<int[]> encoded, int batchSize) {
    int[] lengths = encoded.stream().mapToInt(ids -> ids.length).toArray();
    List<TokenBatch> out = new ArrayList<>();
    for (int[] batch : LengthBuckets.batches(lengths, batchSize, 0)) {
      out.add(TokenBatch.of(Arrays.stream(batch).mapToObj(encoded::get).toList()));
    }
    return out;
  }

  /** Max |a - b| over the hidden vectors of the tokens whose mask is 1. */
  static double maxAbsDiffOnRealTokens(float[] a, float[] b, TokenBatch batch) {
    if (a.length != b.length) throw new IllegalArgumentException("outputs differ in size: " + a.length + " vs " + b.length);
    int hidden = a.length / batch.inputMask().length;
    double max = 0;
    for (int i = 0; i < a.length; i++) {
      if (batch.inputMask()[i / hidden] == 1) max = Math.max(max, Math.abs(a[i] - b[i]));
    }
    return max;
  }

  /** Resident set size of this process in MB (Linux /proc). */
  static long rssMb() {
    return statusKb("VmRSS") / 1024;
  }

  private static long statusKb(String field) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith(field + ":")) return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    } catch (IOException | NumberFormatException e) {
      return -1;
    }
    return -1;
  }
}
