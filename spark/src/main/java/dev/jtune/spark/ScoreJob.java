package dev.jtune.spark;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.when;

import dev.jtune.JtuneException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.DataFrameReader;
import org.apache.spark.sql.DataFrameWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The {@code spark-submit} entry point: reads any Spark source (a format and path, or a table),
 * scores its text column with {@link JtuneClassifier} and writes any sink, keeping every input
 * column and adding label, score and prob_&lt;label&gt; per class (as {@code jtune score} does) and an
 * error column. A row that cannot be scored (null, empty, not a string) is kept with its reason
 * in the error column; the job does not fail for it.
 */
@Command(
    name = "jtune-spark score",
    mixinStandardHelpOptions = true,
    description = "Score a table with an exported jtune classifier inside Spark: input columns + label, score, "
        + "prob_<label> and error (why a row could not be scored).")
public final class ScoreJob implements Callable<Integer> {
  @Option(names = "--model", required = true, description = "exports/<name> (newest version) or exports/<name>/<version>, any Hadoop path.")
  String model;

  @Option(names = "--in", description = "Input path (file or folder, any Hadoop path).")
  String in;

  @Option(names = "--in-table", description = "Input table (instead of --in).")
  String inTable;

  @Option(names = "--in-format", defaultValue = "csv", description = "Spark source format: csv, json, parquet, orc, text, ... (default: ${DEFAULT-VALUE}).")
  String inFormat;

  @Option(names = "--in-option", description = "Source option KEY=VALUE, repeatable (csv: header=true is the default).")
  Map<String, String> inOptions = new LinkedHashMap<>();

  @Option(names = "--out", description = "Output path.")
  String out;

  @Option(names = "--out-table", description = "Output table (instead of --out).")
  String outTable;

  @Option(names = "--out-format", defaultValue = "parquet", description = "Sink format: parquet, csv, json, orc, ... (default: ${DEFAULT-VALUE}).")
  String outFormat;

  @Option(names = "--out-option", description = "Sink option KEY=VALUE, repeatable (csv: header=true is the default).")
  Map<String, String> outOptions = new LinkedHashMap<>();

  @Option(names = "--mode", defaultValue = "errorifexists",
      description = "What to do when the output exists: errorifexists (default), overwrite, append, ignore.")
  String mode;

  @Option(names = "--text-col", defaultValue = "text", description = "Column holding the text (default: ${DEFAULT-VALUE}).")
  String textCol;

  @Option(names = "--error-col", defaultValue = "error", description = "Column for why a row was not scored (default: ${DEFAULT-VALUE}).")
  String errorCol;

  @Option(names = "--backend", defaultValue = "tf", description = "tf (the SavedModel, TF-Java) or onnx (ONNX Runtime). Default: ${DEFAULT-VALUE}.")
  String backend;

  @Option(names = "--batch-size", defaultValue = "32", description = "Rows per model call (default: ${DEFAULT-VALUE}).")
  int batchSize;

  @Option(names = "--threads-per-task", defaultValue = "0", description = "Intra-op threads of the runtime per task; 0 = spark.task.cpus (default).")
  int threadsPerTask;

  @Option(names = "--partitions", defaultValue = "0", description = "Repartition the input to N partitions before scoring; 0 keeps the source's (default).")
  int partitions;

  private final SparkSession spark;
  private final PrintWriter stdout;

  ScoreJob(SparkSession spark, PrintWriter stdout) {
    this.spark = spark;
    this.stdout = stdout;
  }

  /** Runs the job on {@code spark} with command-line {@code args}; returns the exit code (0 done, 2 bad input or options). */
  public static int run(SparkSession spark, String... args) {
    PrintWriter out = new PrintWriter(System.out, true);
    CommandLine cli = new CommandLine(new ScoreJob(spark, out));
    cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
      JtuneException j = jtuneCause(e);
      if (j == null) throw e;
      cmd.getErr().println("error: " + j.getMessage());
      return 2;
    });
    return cli.execute(args);
  }

  public static void main(String[] args) {
    SparkSession spark = SparkSession.builder().appName("jtune score").getOrCreate();
    int code;
    try {
      code = run(spark, args);
    } finally {
      spark.stop();
    }
    if (code != 0) System.exit(code);
  }

  private static JtuneException jtuneCause(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof JtuneException j) return j;
      if (t instanceof org.apache.spark.sql.AnalysisException a) {
        return new JtuneException(a.getMessage().lines().findFirst().orElse("") + " (check --in, --in-table, --out, --out-table)", a);
      }
      if (t instanceof IllegalArgumentException && t.getMessage() != null && t.getMessage().contains("parameter")) {
        return new JtuneException(t.getMessage(), t); // a Spark ML parameter refused its value
      }
    }
    return null;
  }

  @Override
  public Integer call() {
    if ((in == null) == (inTable == null)) throw new JtuneException("give exactly one of --in PATH or --in-table NAME");
    if ((out == null) == (outTable == null)) throw new JtuneException("give exactly one of --out PATH or --out-table NAME");
    SaveMode saveMode = saveMode(mode);
    Dataset<Row> input = read();
    if (partitions > 0) input = input.repartition(partitions);
    List<String> columns = List.of(input.columns());
    if (!columns.contains(textCol)) throw new JtuneException(source() + ": no column '" + textCol + "' (columns: " + columns + "); pass --text-col");
    if (columns.contains(errorCol)) throw new JtuneException(source() + ": has a column '" + errorCol + "' already; pass --error-col NAME");

    String labelTmp = "__jtune_label", probTmp = "__jtune_probability";
    RowCounters counters = RowCounters.register(spark.sparkContext());
    JtuneClassifier classifier = new JtuneClassifier().setModelPath(model).setInputCol(textCol).setOutputCol(labelTmp)
        .setProbabilityCol(probTmp).setErrorCol(errorCol).setBackend(backend).setBatchSize(batchSize)
        .setThreadsPerTask(threadsPerTask).countingInto(counters);
    Dataset<Row> scored = classifier.transform(input);
    List<String> labels = List.of(scored.schema().apply(probTmp).metadata().getStringArray("labels"));

    // as jtune score: label, score, prob_<label>; prefixed with predicted_ when the input has label or score
    String prefix = columns.contains("label") || columns.contains("score") ? "predicted_" : "";
    // vector_to_array refuses null: unscorable rows keep a null array
    Column probs = when(col(probTmp).isNotNull(), org.apache.spark.ml.functions.vector_to_array(col(probTmp), "float32"));
    List<Column> select = new ArrayList<>();
    for (String c : columns) select.add(col("`" + c.replace("`", "``") + "`"));
    select.add(col(labelTmp).as(prefix + "label"));
    select.add(org.apache.spark.sql.functions.array_max(probs).as(prefix + "score"));
    for (int i = 0; i < labels.size(); i++) select.add(element_at(probs, i + 1).as("prob_" + labels.get(i)));
    select.add(col(errorCol));
    Dataset<Row> result = scored.select(select.toArray(new Column[0]));

    DataFrameWriter<Row> writer = result.write().format(outFormat).mode(saveMode);
    if (outFormat.equalsIgnoreCase("csv")) writer = writer.option("header", "true");
    writer = writer.options(outOptions);
    long t0 = System.nanoTime();
    if (out != null) writer.save(out);
    else writer.saveAsTable(outTable);
    double seconds = (System.nanoTime() - t0) / 1e9;
    stdout.printf(Locale.ROOT, "scored %d rows, %d kept unscored (see column %s), in %.1f s -> %s%n", counters.scored().value(),
        counters.unscorable().value(), errorCol, seconds, out != null ? out + " (" + outFormat + ")" : "table " + outTable);
    return 0;
  }

  private Dataset<Row> read() {
    if (inTable != null) return spark.table(inTable);
    DataFrameReader reader = spark.read().format(inFormat);
    if (inFormat.equalsIgnoreCase("csv")) reader = reader.option("header", "true");
    return reader.options(inOptions).load(in);
  }

  private String source() {
    return in != null ? in : "table " + inTable;
  }

  private static SaveMode saveMode(String m) {
    return switch (m.toLowerCase(Locale.ROOT)) {
      case "errorifexists", "error", "default" -> SaveMode.ErrorIfExists;
      case "overwrite" -> SaveMode.Overwrite;
      case "append" -> SaveMode.Append;
      case "ignore" -> SaveMode.Ignore;
      default -> throw new JtuneException("--mode " + m + ": expected errorifexists, overwrite, append or ignore");
    };
  }
}
