package dev.jtune.serve;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jtune.JtuneException;
import dev.jtune.data.TokenBatch;
import dev.jtune.io.AtomicFolder;
import dev.jtune.io.ProtectedPaths;
import dev.jtune.io.TempSiblings;
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
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;

/**
 * Measures serving: offline batch throughput of the exported model, REST throughput and p50/p99
 * latency of {@code :classify} (one text per request, concurrent loopback clients) with dynamic
 * batching off and on, their ratio, and the peak RSS of {@code jtune score} on a large CSV in a
 * child JVM (at two sizes, to show memory does not grow with the input).
 */
public final class ServeBenchmark {

  /**
   * @param model exports/<name>[/<version>] of a jtune text classifier
   * @param texts CSV with the texts to send
   * @param clients concurrent HTTP clients
   * @param requestsPerClient requests each client sends (after a warm-up)
   * @param batching knobs used for the batching-on pass
   * @param rssRows rows of the large scoring run (0 skips the RSS measurement)
   */
  public record Config(
      Path model, Path texts, String textCol, int clients, int requestsPerClient, BatchingConfig batching, int rssRows, Path workDir) {
    public Config {
      if (clients < 1 || requestsPerClient < 1) throw new JtuneException("clients and requests must be >= 1");
      if (rssRows < 0) throw new JtuneException("--rss-rows must be >= 0");
    }
  }

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
    try (SavedModelClassifier classifier = new SavedModelClassifier(v)) {
      ClassifierAssets assets = v.classifier().orElseThrow(() -> new JtuneException(model.dir() + ": not a jtune text classifier"));
      int total = config.clients() * config.requestsPerClient();
      runOffline(classifier, assets, texts, Math.min(256, total)); // warm-up
      long t0 = System.nanoTime();
      runOffline(classifier, assets, texts, total);
      double rate = total / ((System.nanoTime() - t0) / 1e9);
      log.printf("offline batch scoring: %.1f rows/s (%d rows, batch 32)%n", rate, total);
      return rate;
    }
  }

  private static void runOffline(TextClassifier c, ClassifierAssets assets, List<String> texts, int rows) {
    int window = 256;
    for (int start = 0; start < rows; start += window) {
      List<int[]> ids = new ArrayList<>();
      for (int i = start; i < Math.min(rows, start + window); i++) ids.add(assets.encode(texts.get(i % texts.size())));
      ids.sort(Comparator.comparingInt(a -> a.length));
      for (int b = 0; b < ids.size(); b += 32) c.probabilities(TokenBatch.of(ids.subList(b, Math.min(ids.size(), b + 32))));
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
      peakKb = Math.max(peakKb, vmHwmKb(status));
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

  private static long vmHwmKb(Path status) {
    try {
      for (String line : Files.readAllLines(status)) {
        if (line.startsWith("VmHWM:")) return Long.parseLong(line.replaceAll("[^0-9]", ""));
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
