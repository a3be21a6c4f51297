package dev.jtune.spark;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jtune.JtuneException;
import dev.jtune.predict.Backend;
import dev.jtune.serve.BatchScorer;
import dev.jtune.serve.ScoreConfig;
import dev.jtune.serve.ScoreReport;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;
import org.apache.commons.csv.CSVRecord;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code make bench-spark}: rows/s of {@link JtuneClassifier} in Spark local mode against {@code
 * jtune score} ({@link BatchScorer}) on the same rows and model, each side in its own child JVM
 * (so that each peak RSS is its own), printed as JSON. The Spark side is timed from the read of
 * the CSV to the end of a job that scores every row (a "noop" sink); its session start is
 * reported apart. Both times include opening the model, as {@code jtune score}'s own does.
 */
@Command(name = "bench-spark", mixinStandardHelpOptions = true,
    description = "Transformer in Spark local[N] vs jtune score on the same rows and model; JSON on stdout.")
public final class SparkBenchmark implements Callable<Integer> {
  @Option(names = "--model", required = true, description = "exports/<name> or exports/<name>/<version>.")
  Path model;

  @Option(names = "--data", required = true, description = "CSV with a header and a text column (the first --rows rows are used).")
  Path data;

  @Option(names = "--text-col", defaultValue = "text", description = "Text column (default: ${DEFAULT-VALUE}).")
  String textCol;

  @Option(names = "--rows", defaultValue = "20000", description = "Rows to score (default: ${DEFAULT-VALUE}).")
  int rows;

  @Option(names = "--partitions", split = ",", defaultValue = "1,2",
      description = "Spark runs: local[N] with N partitions, one run per value (default: ${DEFAULT-VALUE}).")
  List<Integer> partitions;

  @Option(names = "--backend", defaultValue = "tf", description = "tf or onnx (default: ${DEFAULT-VALUE}).")
  String backend;

  @Option(names = "--batch-size", defaultValue = "32", description = "Rows per model call, both sides (default: ${DEFAULT-VALUE}).")
  int batchSize;

  @Option(names = "--out", description = "Also write the JSON here.")
  Path out;

  // child modes (run by the parent in a fresh JVM)
  @Option(names = "--side", hidden = true)
  String side;

  @Option(names = "--in", hidden = true)
  Path in;

  private static final ObjectMapper JSON = new ObjectMapper();

  public static void main(String[] args) {
    CommandLine cli = new CommandLine(new SparkBenchmark());
    cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
      if (!(e instanceof JtuneException)) throw e;
      cmd.getErr().println("error: " + e.getMessage());
      return 2;
    });
    System.exit(cli.execute(args));
  }

  @Override
  public Integer call() throws Exception {
    if ("score".equals(side)) return printChild(scoreSide());
    if ("spark".equals(side)) return printChild(sparkSide());
    if (rows < 1) throw new JtuneException("--rows must be >= 1");
    Backend.parse(backend);
    Path work = Files.createTempDirectory("jtune-bench-spark");
    try {
      Path rowsCsv = work.resolve("rows.csv");
      int n = firstRows(data, textCol, rows, rowsCsv);
      ObjectNode r = JSON.createObjectNode();
      r.put("model", model.toString());
      r.put("data", data.toString());
      r.put("rows", n);
      r.put("backend", backend);
      r.put("batch_size", batchSize);
      r.put("cpus", Runtime.getRuntime().availableProcessors());
      r.put("cpu_model", dev.jtune.io.CpuInfo.local().model());
      JsonNode score = child(work, "score", rowsCsv, 0);
      r.set("jtune_score", score);
      ObjectNode spark = r.putObject("spark_transformer");
      double best = 0;
      for (int p : partitions) {
        JsonNode s = child(work, "spark", rowsCsv, p);
        spark.set("local_" + p, s);
        best = Math.max(best, s.get("rows_per_s").asDouble());
      }
      r.put("spark_vs_score_best", round(best / score.get("rows_per_s").asDouble(), 3));
      String text = JSON.writerWithDefaultPrettyPrinter().writeValueAsString(r);
      System.out.println(text);
      if (out != null) {
        if (out.getParent() != null) Files.createDirectories(out.getParent());
        Path tmp = Files.createTempFile(out.toAbsolutePath().getParent(), ".bench-spark", ".tmp");
        Files.writeString(tmp, text + "\n");
        Files.move(tmp, out, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
      }
      return 0;
    } finally {
      deleteTree(work);
    }
  }

  /** Copies the header and the first {@code n} records that have a text to {@code dest}; returns how many. */
  static int firstRows(Path csv, String textCol, int n, Path dest) throws IOException {
    if (!Files.isRegularFile(csv)) throw new JtuneException(csv + ": data CSV not found");
    int count = 0;
    try (Reader rd = Files.newBufferedReader(csv, StandardCharsets.UTF_8);
        BufferedWriter w = Files.newBufferedWriter(dest, StandardCharsets.UTF_8);
        CSVPrinter p = new CSVPrinter(w, CSVFormat.RFC4180.builder().setRecordSeparator('\n').get())) {
      var parser = CSVFormat.RFC4180.builder().setHeader().setSkipHeaderRecord(true).get().parse(rd);
      if (!parser.getHeaderNames().contains(textCol)) {
        throw new JtuneException(csv + ": no column '" + textCol + "' (columns: " + parser.getHeaderNames() + "); pass --text-col");
      }
      p.printRecord("text");
      for (CSVRecord rec : parser) {
        String t = rec.get(textCol);
        if (t.isBlank()) continue;
        p.printRecord(t);
        if (++count == n) break;
      }
    }
    return count;
  }

  /** Runs one side in a child JVM with this JVM's classpath and Spark's module options; its last stdout line is its JSON. */
  private JsonNode child(Path work, String which, Path rowsCsv, int p) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx4g");
    cmd.add("-Dai.djl.offline=true");
    cmd.addAll(List.of(org.apache.spark.launcher.JavaModuleOptions.defaultModuleOptionArray()));
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), SparkBenchmark.class.getName(), "--side", which,
        "--in", rowsCsv.toString(), "--model", model.toString(), "--data", data.toString(), "--backend", backend,
        "--batch-size", Integer.toString(batchSize), "--partitions", Integer.toString(Math.max(p, 1))));
    Path log = work.resolve(which + "-" + p + ".log");
    Process proc = new ProcessBuilder(cmd).redirectError(log.toFile()).start();
    String stdout = new String(proc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (proc.waitFor() != 0) {
      throw new JtuneException(which + " run failed (exit " + proc.exitValue() + "): " + tail(log));
    }
    List<String> lines = stdout.lines().filter(l -> l.startsWith("{")).toList();
    if (lines.isEmpty()) throw new JtuneException(which + " run printed no result: " + tail(log));
    return JSON.readTree(lines.get(lines.size() - 1));
  }

  private static String tail(Path log) throws IOException {
    List<String> l = Files.readAllLines(log);
    return String.join(" | ", l.subList(Math.max(0, l.size() - 5), l.size()));
  }

  private ObjectNode scoreSide() {
    Path o = in.resolveSibling("score-out.csv");
    ScoreConfig c = ScoreConfig.of(model, in, o).withBackend(Backend.parse(backend), null).withBatchSize(batchSize);
    ScoreReport r = new BatchScorer(c).run();
    ObjectNode j = JSON.createObjectNode();
    j.put("rows_scored", r.scored());
    j.put("seconds", round(r.seconds(), 3));
    j.put("rows_per_s", round(r.scored() / r.seconds(), 1));
    j.put("threads", "all cores (--threads 0)");
    j.put("peak_rss_mb", peakRssMb());
    return j;
  }

  private ObjectNode sparkSide() {
    int p = partitions.get(0);
    long t0 = System.nanoTime();
    SparkSession spark = SparkSession.builder().master("local[" + p + "]").appName("jtune bench-spark")
        .config("spark.ui.enabled", "false").config("spark.driver.host", "127.0.0.1").getOrCreate();
    double startup = (System.nanoTime() - t0) / 1e9;
    try {
      RowCounters counters = RowCounters.register(spark.sparkContext());
      long t1 = System.nanoTime();
      Dataset<Row> df = spark.read().option("header", "true").option("multiLine", "true").option("escape", "\"").csv(in.toString())
          .repartition(p);
      new JtuneClassifier().setModelPath(model.toAbsolutePath().toString()).setBackend(backend).setBatchSize(batchSize)
          .setErrorCol("error").countingInto(counters).transform(df).write().format("noop").mode("overwrite").save();
      double seconds = (System.nanoTime() - t1) / 1e9;
      long scored = counters.scored().value();
      ObjectNode j = JSON.createObjectNode();
      j.put("master", "local[" + p + "]");
      j.put("partitions", p);
      j.put("threads_per_task", spark.sparkContext().getConf().getInt("spark.task.cpus", 1));
      j.put("rows_scored", scored);
      j.put("rows_unscorable", counters.unscorable().value());
      j.put("seconds", round(seconds, 3));
      j.put("rows_per_s", round(scored / seconds, 1));
      j.put("session_start_seconds", round(startup, 3));
      j.put("peak_rss_mb", peakRssMb());
      return j;
    } finally {
      spark.stop();
    }
  }

  private static int printChild(ObjectNode j) {
    System.out.println(j.toString());
    return 0;
  }

  /** VmHWM of this process, in MB (Linux); -1 elsewhere. */
  static long peakRssMb() {
    try (Stream<String> lines = Files.lines(Path.of("/proc/self/status"))) {
      return lines.filter(l -> l.startsWith("VmHWM:")).map(l -> Long.parseLong(l.replaceAll("\\D", "")) / 1024).findFirst().orElse(-1L);
    } catch (IOException e) {
      return -1;
    }
  }

  private static double round(double v, int digits) {
    double f = Math.pow(10, digits);
    return Math.round(v * f) / f;
  }

  private static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
    }
  }
}
