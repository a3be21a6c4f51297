package dev.jtune.serve;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jtune.JtuneException;
import dev.jtune.artifact.ClassifierTensors;
import dev.jtune.io.AtomicFolder;
import dev.jtune.io.CpuInfo;
import dev.jtune.io.ProtectedPaths;
import dev.jtune.io.TempSiblings;
import dev.jtune.predict.TextClassifier;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;

/**
 * Measures serving: offline batch throughput of the exported model, REST throughput and p50/p99
 * latency of {@code :classify} (one text per request, concurrent loopback clients) with dynamic
 * batching off and on, their ratio, what concurrent large {@code :predict} bodies cost a {@code
 * jtune serve} in a child JVM (time to answer each, peak RSS), and the peak RSS of {@code jtune
 * score} on a large CSV in a child JVM (at two sizes, to show memory does not grow with the input).
 */
public final class ServeBenchmark {

  /**
   * @param model exports/<name>[/<version>] of a jtune text classifier
   * @param texts CSV with the texts to send
   * @param clients concurrent HTTP clients
   * @param requestsPerClient requests each client sends (after a warm-up)
   * @param batching knobs used for the batching-on pass
   * @param rssRows rows of the large scoring run (0 skips the RSS measurement)
   * @param largeBodies concurrent large predict bodies sent to a child {@code jtune serve} (0 skips it)
   * @param largeBodyMb size of each of them in MB (10^6 bytes)
   */
  public record Config(
      Path model, Path texts, String textCol, int clients, int requestsPerClient, BatchingConfig batching, int rssRows, Path workDir,
      int largeBodies, double largeBodyMb) {
    public Config {
      if (clients < 1 || requestsPerClient < 1) throw new JtuneException("clients and requests must be >= 1");
      if (rssRows < 0) throw new JtuneException("--rss-rows must be >= 0");
      if (largeBodies < 0) throw new JtuneException("--large-bodies must be >= 0");
      if (!(largeBodyMb > 0 && largeBodyMb <= 1024)) throw new JtuneException("--large-body-mb must be in (0, 1024]");
    }
  }

  /** How the child {@code jtune serve} runs: the heap {@code make serve} gives it. */
  static final List<String> SERVE_JVM_ARGS = List.of("-Xmx8g");

  private final Config config;
  private final PrintStream log;

  /**
   * Checks the scratch folder before the benchmark starts (not an input, not inside an input
   * folder) and removes the temporary folders killed runs left there.
   */
  public static void checkWorkDir(Path workDir, ProtectedPaths inputs) {
    inputs.checkScratch(workDir, "--work-dir");
    TempSiblings.removeStale(workDir);
  }

  public ServeBenchmark(Config config, PrintStream log) {
    this.config = config;
    this.log = log;
  }

  public ObjectNode run() throws Exception {
    ExportedModel model = ExportedModel.resolve(config.model());
    List<String> texts = readTexts();
    ObjectNode r = TfServingJson.MAPPER.createObjectNode();
    r.put("model", model.dir().toString());
    r.put("texts", config.texts().toString());
    r.put("distinct_texts", texts.size());
    r.put("cpus", Runtime.getRuntime().availableProcessors());
    cpuInfo(r);
    double offline = offlineThroughput(model, texts);
    r.put("offline_rows_per_s", round(offline));
    Files.createDirectories(config.workDir());
    Path base = Files.createDirectory(TempSiblings.tmpFor(config.workDir().resolve("bench-base")));
    Path link = base.resolve(model.name());
    Files.createDirectories(link);
    Files.createSymbolicLink(link.resolve(Long.toString(model.version())), model.dir());
    try {
      ObjectNode off = serverPass(base, model.name(), texts, null);
      ObjectNode on = serverPass(base, model.name(), texts, config.batching());
      r.set("server_batching_off", off);
      r.set("server_batching_on", on);
      r.put("ratio_batching_off_to_offline", round(off.get("requests_per_s").asDouble() / offline));
      r.put("ratio_batching_on_to_offline", round(on.get("requests_per_s").asDouble() / offline));
      if (config.largeBodies() > 0) r.set("large_predict_bodies", largeBodies(base, model, texts));
    } finally {
      AtomicFolder.deleteTree(base); // the version link inside is removed, not followed
    }
    if (config.rssRows() > 0) {
      ObjectNode rss = r.putObject("score_peak_rss");
      int small = Math.max(1, config.rssRows() / 10);
      for (int rows : new int[] {small, config.rssRows()}) {
        rss.set(rows + "_rows", scoreInChildJvm(model, texts, rows));
      }
    }
    return r;
  }

  private List<String> readTexts() throws IOException {
    List<String> texts = new ArrayList<>();
    try (var reader = Files.newBufferedReader(config.texts(), StandardCharsets.UTF_8)) {
      CsvRecordReader csv = new CsvRecordReader(config.texts(), reader);
      int col = csv.header().indexOf(config.textCol());
      if (col < 0) throw new JtuneException(config.texts() + ": no column '" + config.textCol() + "'; pass --text-col");
      for (CsvRecordReader.Item it; (it = csv.next()) != null && texts.size() < 2_000; ) {
        if (it instanceof CsvRecordReader.Row row && !row.fields().get(col).isBlank()) texts.add(row.fields().get(col));
      }
    }
    if (texts.isEmpty()) throw new JtuneException(config.texts() + ": no texts");
    return texts;
  }

  /** Rows/s of tokenize + length-sorted batches of 32 + SavedModel, as jtune score runs them. */
  private double offlineThroughput(ExportedModel model, List<String> texts) {
    ServableVersion v = ServableVersion.load(model.name(), model.version(), model.dir(), 0);
    ClassifierAssets assets = v.classifier().orElse(null);
    if (assets == null) {
      v.retire();
      throw new JtuneException(model.dir() + ": not a jtune text classifier");
    }
    // closing the classifier retires the version, which closes its session and assets
    try (TextClassifier classifier = TextClassifier.withTokenizer(assets.spec(), assets.tokenizer(), new ServablePredictor(v))) {
      int total = config.clients() * config.requestsPerClient();
      runOffline(classifier, texts, Math.min(256, total)); // warm-up
      long t0 = System.nanoTime();
      runOffline(classifier, texts, total);
      double rate = total / ((System.nanoTime() - t0) / 1e9);
      log.printf("offline batch scoring: %.1f rows/s (%d rows, batch 32)%n", rate, total);
      return rate;
    }
  }

  /** Windows of 256 texts, each tokenized and run in length-sorted batches of 32. */
  private static void runOffline(TextClassifier c, List<String> texts, int rows) {
    int window = 256;
    for (int start = 0; start < rows; start += window) {
      List<int[]> ids = new ArrayList<>();
      for (int i = start; i < Math.min(rows, start + window); i++) ids.add(c.encode(texts.get(i % texts.size())));
      c.probabilitiesOfTokens(ids, 32);
    }
  }

  private ObjectNode serverPass(Path base, String name, List<String> texts, BatchingConfig batching) throws Exception {
    ServeConfig cfg = ServeConfig.defaults(base).withPort(0).withPollInterval(Duration.ZERO).withBatching(batching);
    try (TfServingServer server = TfServingServer.start(cfg)) {
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
      URI uri = URI.create("http://127.0.0.1:" + server.port() + "/v1/models/" + name + ":classify");
      List<byte[]> bodies = new ArrayList<>();
      for (String t : texts) {
        ObjectNode body = TfServingJson.MAPPER.createObjectNode();
        body.putArray("examples").addObject().put("text", t);
        bodies.add(TfServingJson.bytes(body));
      }
      ExecutorService pool = Executors.newFixedThreadPool(config.clients());
      try {
        clientLoad(pool, http, uri, bodies, Math.min(20, config.requestsPerClient()), new long[config.clients() * 20], new AtomicInteger());
        long[] latencies = new long[config.clients() * config.requestsPerClient()];
        AtomicInteger errors = new AtomicInteger();
        long t0 = System.nanoTime();
        clientLoad(pool, http, uri, bodies, config.requestsPerClient(), latencies, errors);
        double seconds = (System.nanoTime() - t0) / 1e9;
        Arrays.sort(latencies);
        ObjectNode r = TfServingJson.MAPPER.createObjectNode();
        r.put("batching", batching == null ? "off" : batching.toString());
        r.put("clients", config.clients());
        r.put("requests", latencies.length);
        r.put("errors", errors.get());
        r.put("requests_per_s", round(latencies.length / seconds));
        r.put("p50_ms", round(latencies[latencies.length / 2] / 1e6));
        r.put("p99_ms", round(latencies[(int) Math.min(latencies.length - 1, Math.ceil(latencies.length * 0.99) - 1)] / 1e6));
        String metrics = new String(server.metrics().scrape(), StandardCharsets.UTF_8);
        r.put("model_calls", metricValue(metrics, "jtune_batch_size_count{model=\"" + name + "\"}"));
        log.printf("server (batching %s): %.1f req/s, p50 %.1f ms, p99 %.1f ms, %d errors%n",
            batching == null ? "off" : "on", latencies.length / seconds, r.get("p50_ms").asDouble(), r.get("p99_ms").asDouble(), errors.get());
        return r;
      } finally {
        pool.shutdownNow();
      }
    }
  }

  private void clientLoad(
      ExecutorService pool, HttpClient http, URI uri, List<byte[]> bodies, int perClient, long[] latencies, AtomicInteger errors)
      throws Exception {
    List<Future<?>> fs = new ArrayList<>();
    for (int c = 0; c < config.clients(); c++) {
      int client = c;
      fs.add(
          pool.submit(
              () -> {
                for (int i = 0; i < perClient; i++) {
                  int k = client * perClient + i;
                  HttpRequest req = HttpRequest.newBuilder(uri).POST(HttpRequest.BodyPublishers.ofByteArray(bodies.get(k % bodies.size())))
                      .timeout(Duration.ofSeconds(60)).build();
                  long t = System.nanoTime();
                  try {
                    HttpResponse<Void> resp = http.send(req, HttpResponse.BodyHandlers.discarding());
                    if (resp.statusCode() != 200) errors.incrementAndGet();
                  } catch (IOException | InterruptedException e) {
                    errors.incrementAndGet();
                  }
                  latencies[k] = System.nanoTime() - t;
                }
                return null;
              }));
    }
    for (Future<?> f : fs) f.get();
  }

  /**
   * Starts {@code jtune serve} on the model in a child JVM, sends {@code largeBodies} concurrent
   * {@code :predict} bodies of {@code largeBodyMb} MB (token ids of the texts, padded to the
   * model's max_seq_len) after as many sent one at a time, and reports each answer's status and
   * time and the child's peak RSS.
   */
  private ObjectNode largeBodies(Path base, ExportedModel model, List<String> texts) throws Exception {
    byte[] body = largePredictBody(model, texts, (long) (config.largeBodyMb() * 1e6));
    // in a recognisable scratch folder of this run, so a killed bench leaves nothing the next one keeps
    Path logDir = Files.createDirectory(TempSiblings.tmpFor(config.workDir().resolve("bench-serve")));
    Path serveLog = logDir.resolve("serve.log");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> cmd = new ArrayList<>(List.of(java));
    cmd.addAll(SERVE_JVM_ARGS);
    cmd.addAll(
        List.of(
            "-Dai.djl.offline=true", "-cp", System.getProperty("java.class.path"), "dev.jtune.cli.Main", "serve",
            "--model-base", base.toString(), "--port", "0", "--poll-seconds", "0"));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(serveLog.toFile());
    pb.environment().putIfAbsent("TF_CPP_MIN_LOG_LEVEL", "1");
    Process proc = pb.start();
    Path status = Path.of("/proc", Long.toString(proc.pid()), "status");
    try {
      int port = servePort(proc, serveLog);
      long idleKb = procStatusKb(status, "VmRSS:");
      URI uri = URI.create("http://127.0.0.1:" + port + "/v1/models/" + model.name() + ":predict");
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
      // a fresh JVM runs the parser interpreted at first: warm it as earlier traffic would have
      List<Double> warmUp = new ArrayList<>();
      for (int i = 0; i < config.largeBodies(); i++) {
        long t = System.nanoTime();
        http.send(HttpRequest.newBuilder(uri).POST(HttpRequest.BodyPublishers.ofByteArray(body)).timeout(Duration.ofSeconds(600)).build(), HttpResponse.BodyHandlers.discarding());
        warmUp.add(round((System.nanoTime() - t) / 1e6));
      }
      ExecutorService pool = Executors.newFixedThreadPool(config.largeBodies());
      List<Future<long[]>> answers = new ArrayList<>();
      try {
        for (int i = 0; i < config.largeBodies(); i++) {
          answers.add(
              pool.submit(
                  () -> {
                    HttpRequest req = HttpRequest.newBuilder(uri).POST(HttpRequest.BodyPublishers.ofByteArray(body)).timeout(Duration.ofSeconds(600)).build();
                    long t = System.nanoTime();
                    HttpResponse<String> resp = http.send(req, HttpResponse.BodyHandlers.ofString());
                    return new long[] {resp.statusCode(), System.nanoTime() - t};
                  }));
        }
        ObjectNode r = TfServingJson.MAPPER.createObjectNode();
        r.put("bodies", config.largeBodies());
        r.put("body_bytes", body.length);
        r.put("serve_jvm_args", String.join(" ", SERVE_JVM_ARGS));
        r.put("serve_rss_idle_mb", round(idleKb / 1024.0));
        warmUp.forEach(r.putArray("warm_up_latency_ms")::add);
        ArrayNode statuses = r.putArray("statuses");
        ArrayNode millis = r.putArray("latency_ms");
        double slowest = 0;
        for (Future<long[]> f : answers) {
          long[] a = f.get();
          statuses.add(a[0]);
          millis.add(round(a[1] / 1e6));
          slowest = Math.max(slowest, a[1] / 1e6);
        }
        r.put("slowest_ms", round(slowest));
        r.put("serve_peak_rss_mb", round(procStatusKb(status, "VmHWM:") / 1024.0));
        log.printf("%d concurrent %.1f MB predict bodies: statuses %s, slowest %.0f ms, child serve peak RSS %.0f MB%n",
            config.largeBodies(), body.length / 1e6, statuses, slowest, r.get("serve_peak_rss_mb").asDouble());
        return r;
      } finally {
        pool.shutdownNow();
      }
    } finally {
      proc.destroy();
      if (!proc.waitFor(60, TimeUnit.SECONDS)) proc.destroyForcibly();
      AtomicFolder.deleteTree(logDir);
    }
  }

  /** {"instances": [{"input_word_ids": [...], "input_mask": [...], "input_type_ids": [...]}, ...]} of about {@code bytes}. */
  private static byte[] largePredictBody(ExportedModel model, List<String> texts, long bytes) {
    try (ClassifierAssets assets =
        ClassifierAssets.find(model.dir()).orElseThrow(() -> new JtuneException(model.dir() + ": not a jtune text classifier"))) {
      int len = assets.maxSeqLen();
      StringBuilder sb = new StringBuilder((int) Math.min(Integer.MAX_VALUE - 64, bytes + 4096)).append("{\"instances\":[");
      for (int i = 0; sb.length() < bytes; i++) {
        int[] ids = assets.encode(texts.get(i % texts.size()));
        if (i > 0) sb.append(',');
        sb.append("{\"").append(ClassifierTensors.INPUT_WORD_IDS).append("\":[");
        for (int k = 0; k < len; k++) sb.append(k == 0 ? "" : ",").append(k < ids.length ? ids[k] : 0);
        sb.append("],\"").append(ClassifierTensors.INPUT_MASK).append("\":[");
        for (int k = 0; k < len; k++) sb.append(k == 0 ? "" : ",").append(k < ids.length ? 1 : 0);
        sb.append("],\"").append(ClassifierTensors.INPUT_TYPE_IDS).append("\":[");
        for (int k = 0; k < len; k++) sb.append(k == 0 ? "" : ",").append(0);
        sb.append("]}");
      }
      return sb.append("]}").toString().getBytes(StandardCharsets.UTF_8);
    }
  }

  /** The port the child server prints once it listens ("jtune serve: [...] on http://host:port ..."). */
  private static int servePort(Process proc, Path log) throws Exception {
    Pattern listening = Pattern.compile("jtune serve: .* on http://[^:]+:(\\d+)");
    long deadline = System.nanoTime() + 300_000_000_000L;
    while (System.nanoTime() < deadline) {
      if (!proc.isAlive()) throw new JtuneException("child jtune serve exited (" + proc.exitValue() + "): " + Files.readString(log));
      for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
        Matcher m = listening.matcher(line);
        if (m.find()) return Integer.parseInt(m.group(1));
      }
      Thread.sleep(200);
    }
    throw new JtuneException("child jtune serve did not start listening within 300 s: see " + log);
  }

  /** Runs {@code jtune score} on {@code rows} rows in a child JVM and samples its peak RSS. */
  private ObjectNode scoreInChildJvm(ExportedModel model, List<String> texts, int rows) throws Exception {
    Files.createDirectories(config.workDir());
    Path dir = Files.createDirectory(TempSiblings.tmpFor(config.workDir().resolve("bench-score")));
    Path in = dir.resolve("in.csv");
    try (BufferedWriter w = Files.newBufferedWriter(in, StandardCharsets.UTF_8);
        CSVPrinter p = new CSVPrinter(w, CSVFormat.RFC4180.builder().setRecordSeparator('\n').get())) {
      p.printRecord("id", "text");
      for (int i = 0; i < rows; i++) p.printRecord(i, texts.get(i % texts.size()));
    }
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> cmd =
        List.of(
            java, "-Xmx2g", "-Dai.djl.offline=true", "-cp", System.getProperty("java.class.path"), "dev.jtune.cli.Main", "score",
            "--model", model.dir().toString(), "--in", in.toString(), "--out", dir.resolve("out.csv").toString(), "--no-progress");
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("log.txt").toFile());
    pb.environment().putIfAbsent("TF_CPP_MIN_LOG_LEVEL", "1");
    long t0 = System.nanoTime();
    Process proc = pb.start();
    long peakKb = 0;
    Path status = Path.of("/proc", Long.toString(proc.pid()), "status");
    while (proc.isAlive()) {
      peakKb = Math.max(peakKb, procStatusKb(status, "VmHWM:"));
      Thread.sleep(200);
    }
    int exit = proc.waitFor();
    double seconds = (System.nanoTime() - t0) / 1e9;
    if (exit != 0) throw new JtuneException("child jtune score failed (exit " + exit + "): see " + dir.resolve("log.txt"));
    ObjectNode r = TfServingJson.MAPPER.createObjectNode();
    r.put("rows", rows);
    r.put("peak_rss_mb", round(peakKb / 1024.0));
    r.put("seconds", round(seconds));
    r.put("rows_per_s_incl_startup", round(rows / seconds));
    log.printf("jtune score %d rows: peak RSS %.0f MB, %.1f s%n", rows, peakKb / 1024.0, seconds);
    AtomicFolder.deleteTree(dir);
    return r;
  }

  /** The CPU's model name and AVX/AMX flags, which the figures depend on (absent where /proc/cpuinfo is not readable). */
  private static void cpuInfo(ObjectNode r) {
    CpuInfo cpu = CpuInfo.local();
    if (cpu.model().equals("unknown") && cpu.flags().isEmpty()) return;
    r.put("cpu_model", cpu.model());
    r.put("cpu_avx_flags", String.join(" ", cpu.vectorFlags()));
  }

  /** A kB field of /proc/<pid>/status, e.g. VmHWM (peak RSS) or VmRSS; 0 once the process is gone. */
  private static long procStatusKb(Path status, String field) {
    try {
      for (String line : Files.readAllLines(status)) {
        if (line.startsWith(field)) return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    } catch (IOException | UncheckedIOException e) {
      // the process just exited
    }
    return 0;
  }

  static double metricValue(String text, String series) {
    for (String line : text.split("\n")) {
      if (line.startsWith(series + " ")) return Double.parseDouble(line.substring(series.length() + 1).trim());
    }
    return Double.NaN;
  }

  private static double round(double v) {
    return Math.round(v * 100) / 100.0;
  }
}
