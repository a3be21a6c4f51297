package dev.jtune.model;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.jtune.JtuneException;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;

/**
 * Times the imported encoder (TensorFlow, rebuilt natively from its SavedModel folder) against ONNX
 * Runtime running the original ONNX file, on the same real texts, batched the way jtune batches:
 * sorted by length, each batch padded to its own longest text. Both run in one process, pass after
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
      "maxAbsDiffRealTokens", "rssMb"})
  public record Report(String model, String onnx, int texts, String source, int batchSize, int batches, int maxSeqLen,
      double meanTokensPerText, double paddingFraction, int threads, int passes, Speed jtuneTensorflow,
      Speed onnxRuntime, double speedupVsOnnxRuntime, double maxAbsDiffRealTokens, Map<String, Long> rssMb) {

    public String toJson() {
      try {
        return new ObjectMapper().setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(this);
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  private EncoderBenchmark() {}

  public static Report run(Config c) throws IOException {
    EncoderSavedModel saved = EncoderSavedModel.load(c.model());
    PretrainedEncoder encoder = saved.pretrained();
    List<String> texts = c.data() == null ? SampleSentences.all() : readTexts(c.data().resolve(c.split() + ".csv"), c.texts());
    if (texts.size() > c.texts()) texts = texts.subList(0, c.texts());
    List<int[]> encoded = encode(saved.tokenizerJson(), texts, c.maxSeqLen());
    List<PaddedBatch> batches = PaddedBatch.sortedByLength(encoded, c.batchSize());
    long realTokens = 0, paddedTokens = 0;
    for (PaddedBatch b : batches) {
      realTokens += b.realTokens();
      paddedTokens += (long) b.size() * b.seqLen();
    }
    int threads = c.threads() == 0 ? Runtime.getRuntime().availableProcessors() : c.threads();

    long rssStart = rssMb();
    double[] tfPass = new double[c.passes()], ortPass = new double[c.passes()];
    double maxDiff = 0;
    long rssBeforeCalls, rssAfterCalls;
    try (EncoderSession tf = EncoderSession.open(encoder, threads);
        OnnxReferenceEncoder ort = new OnnxReferenceEncoder(c.onnx(), threads)) {
      for (PaddedBatch b : batches) { // warm-up pass, also the parity check
        float[] a = tf.run(b.size(), b.seqLen(), b.wordIds(), b.mask(), b.typeIds()).sequenceOutput();
        float[] o = ort.lastHiddenState(b.size(), b.seqLen(), b.wordIds(), b.mask(), b.typeIds());
        maxDiff = Math.max(maxDiff, maxAbsDiffOnRealTokens(a, o, b));
      }
      for (int p = 0; p < c.passes(); p++) {
        long t0 = System.nanoTime();
        for (PaddedBatch b : batches) tf.run(b.size(), b.seqLen(), b.wordIds(), b.mask(), b.typeIds());
        long t1 = System.nanoTime();
        for (PaddedBatch b : batches) ort.lastHiddenState(b.size(), b.seqLen(), b.wordIds(), b.mask(), b.typeIds());
        long t2 = System.nanoTime();
        tfPass[p] = (t1 - t0) / 1e9;
        ortPass[p] = (t2 - t1) / 1e9;
      }
      rssBeforeCalls = rssMb();
      for (int i = 0; i < c.leakCalls(); i++) {
        PaddedBatch b = batches.get(i % batches.size());
        tf.run(b.size(), b.seqLen(), b.wordIds(), b.mask(), b.typeIds());
      }
      rssAfterCalls = rssMb();
    }
    Speed tfSpeed = speed(tfPass, texts.size(), batches.size()), ortSpeed = speed(ortPass, texts.size(), batches.size());
    Map<String, Long> rss = new java.util.LinkedHashMap<>();
    rss.put("at_start", rssStart);
    rss.put("before_" + c.leakCalls() + "_calls", rssBeforeCalls);
    rss.put("after_" + c.leakCalls() + "_calls", rssAfterCalls);
    rss.put("peak", statusKb("VmHWM") / 1024);
    return new Report(c.model().toString(), c.onnx().toString(), texts.size(),
        c.data() == null ? "built-in sample sentences" : c.data().resolve(c.split() + ".csv").toString(),
        c.batchSize(), batches.size(), c.maxSeqLen(), (double) realTokens / texts.size(),
        1 - (double) realTokens / paddedTokens, threads, c.passes(), tfSpeed, ortSpeed,
        tfSpeed.seqPerS() / ortSpeed.seqPerS(), maxDiff, rss);
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

  static List<String> readTexts(Path csv, int max) throws IOException {
    if (!Files.isRegularFile(csv)) throw new JtuneException(csv + ": no such file; prepare the dataset first (make datasets)");
    List<String> out = new ArrayList<>();
    try (Reader r = Files.newBufferedReader(csv);
        var parser = CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).get().parse(r)) {
      if (!parser.getHeaderMap().containsKey("text")) throw new JtuneException(csv + ": no 'text' column");
      for (CSVRecord rec : parser) {
        out.add(rec.get("text"));
        if (out.size() >= max) break;
      }
    }
    if (out.isEmpty()) throw new JtuneException(csv + ": no texts");
    return out;
  }

  private static List<int[]> encode(Path tokenizerJson, List<String> texts, int maxSeqLen) throws IOException {
    try (HuggingFaceTokenizer tok = HuggingFaceTokenizer.newInstance(tokenizerJson,
        Map.of("padding", "false", "truncation", "true", "maxLength", Integer.toString(maxSeqLen)))) {
      List<int[]> out = new ArrayList<>(texts.size());
      for (String t : texts) out.add(Arrays.stream(tok.encode(t).getIds()).mapToInt(Math::toIntExact).toArray());
      return out;
    }
  }

  static double maxAbsDiffOnRealTokens(float[] a, float[] b, PaddedBatch batch) {
    int hidden = a.length / batch.mask().length;
    double max = 0;
    for (int i = 0; i < a.length; i++) {
      if (batch.mask()[i / hidden] == 1) max = Math.max(max, Math.abs(a[i] - b[i]));
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
