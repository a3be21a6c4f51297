package dev.jtune.spark;

import dev.jtune.JtuneException;
import dev.jtune.predict.Backend;
import java.util.List;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.MetadataBuilder;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * A Spark ML {@link Transformer} that scores a text column with an exported jtune classifier
 * ({@code jtune export}), exactly as {@code jtune score} does: same tokenizer, same runtime, same
 * probabilities. It adds the predicted label ({@code outputCol}, a string), the class
 * probabilities ({@code probabilityCol}, an ML vector in label order; the labels are in the
 * column's metadata under {@code labels}) and, when {@code errorCol} is set, why a row could not
 * be scored. Rows with a null or blank text keep nulls in the output columns. Usable in a
 * {@link org.apache.spark.ml.Pipeline} and saved and loaded like any Spark ML stage.
 *
 * <pre>{@code
 * new JtuneClassifier().setModelPath("hdfs:///models/exports/spam").setInputCol("text")
 *     .setOutputCol("prediction").setProbabilityCol("probability").transform(df)
 * }</pre>
 */
public final class JtuneClassifier extends Transformer implements DefaultParamsWritable {
  private static final long serialVersionUID = 1L;

  private final String uid;
  private final Param<String> modelPath;
  private final Param<String> inputCol;
  private final Param<String> outputCol;
  private final Param<String> probabilityCol;
  private final Param<String> errorCol;
  private final Param<String> backend;
  private final IntParam batchSize;
  private final IntParam threadsPerTask;
  /** Row counts for the job's summary; not a parameter (not saved). */
  private transient RowCounters counters;

  public JtuneClassifier() {
    this(Identifiable.randomUID("jtuneClassifier"));
  }

  public JtuneClassifier(String uid) {
    this.uid = uid;
    modelPath = new Param<>(this, "modelPath",
        "exported model: exports/<name> (newest version) or exports/<name>/<version>, on any Hadoop file system");
    inputCol = new Param<>(this, "inputCol", "column holding the text");
    outputCol = new Param<>(this, "outputCol", "column for the predicted label (a string)");
    probabilityCol = new Param<>(this, "probabilityCol", "column for the class probabilities (a vector in label order)");
    errorCol = new Param<>(this, "errorCol", "column for why a row could not be scored; empty for no such column");
    backend = new Param<>(this, "backend", "runtime: tf (the SavedModel, TF-Java) or onnx (ONNX Runtime)",
        ParamValidators.inArray(Backend.labels()));
    batchSize = new IntParam(this, "batchSize", "rows per model call (1..4096)", ParamValidators.inRange(1, 4096));
    threadsPerTask = new IntParam(this, "threadsPerTask", "intra-op threads of the runtime; 0 = spark.task.cpus",
        ParamValidators.inRange(0, 1024));
    setDefault(inputCol, "text");
    setDefault(outputCol, "prediction");
    setDefault(probabilityCol, "probability");
    setDefault(errorCol, "");
    setDefault(backend, "tf");
    setDefault(batchSize, 32);
    setDefault(threadsPerTask, 0);
  }

  @Override
  public String uid() {
    return uid;
  }

  public Param<String> modelPath() { return modelPath; }
  public Param<String> inputCol() { return inputCol; }
  public Param<String> outputCol() { return outputCol; }
  public Param<String> probabilityCol() { return probabilityCol; }
  public Param<String> errorCol() { return errorCol; }
  public Param<String> backend() { return backend; }
  public IntParam batchSize() { return batchSize; }
  public IntParam threadsPerTask() { return threadsPerTask; }

  public JtuneClassifier setModelPath(String v) { set(modelPath, v); return this; }
  public JtuneClassifier setInputCol(String v) { set(inputCol, v); return this; }
  public JtuneClassifier setOutputCol(String v) { set(outputCol, v); return this; }
  public JtuneClassifier setProbabilityCol(String v) { set(probabilityCol, v); return this; }
  public JtuneClassifier setErrorCol(String v) { set(errorCol, v); return this; }
  public JtuneClassifier setBackend(String v) { set(backend, v == null ? null : v.toLowerCase(java.util.Locale.ROOT)); return this; }
  public JtuneClassifier setBatchSize(int v) { set(batchSize, v); return this; }
  public JtuneClassifier setThreadsPerTask(int v) { set(threadsPerTask, v); return this; }

  public String getModelPath() { return isDefined(modelPath) ? $(modelPath) : null; }
  public String getInputCol() { return $(inputCol); }
  public String getOutputCol() { return $(outputCol); }
  public String getProbabilityCol() { return $(probabilityCol); }
  public String getErrorCol() { return $(errorCol); }
  public String getBackend() { return $(backend); }
  public int getBatchSize() { return (Integer) $(batchSize); }
  public int getThreadsPerTask() { return (Integer) $(threadsPerTask); }

  @Override
  public StructType transformSchema(StructType schema) {
    return outputSchema(schema, List.of());
  }

  private StructType outputSchema(StructType schema, List<String> labels) {
    String in = getInputCol();
    if (!List.of(schema.fieldNames()).contains(in)) {
      throw new JtuneException("no column '" + in + "' (columns: " + List.of(schema.fieldNames()) + "); set inputCol");
    }
    boolean keepErrors = !getErrorCol().isEmpty();
    var type = schema.apply(in).dataType();
    if (!type.equals(DataTypes.StringType) && !keepErrors) {
      throw new JtuneException("column '" + in + "' is " + type.simpleString() + ", not a string; cast it, or set errorCol to keep "
          + "its rows with an error");
    }
    StructType out = schema;
    Metadata meta = new MetadataBuilder().putStringArray("labels", labels.toArray(new String[0])).build();
    out = add(out, getOutputCol(), DataTypes.StringType, Metadata.empty());
    out = add(out, getProbabilityCol(), SQLDataTypes.VectorType(), meta);
    if (keepErrors) out = add(out, getErrorCol(), DataTypes.StringType, Metadata.empty());
    return out;
  }

  private static StructType add(StructType schema, String name, org.apache.spark.sql.types.DataType type, Metadata meta) {
    if (name == null || name.isEmpty()) throw new JtuneException("an output column name is empty; set outputCol and probabilityCol");
    if (List.of(schema.fieldNames()).contains(name)) {
      throw new JtuneException("column '" + name + "' exists already; choose another output column name");
    }
    return schema.add(new StructField(name, type, true, meta));
  }

  @Override
  public Dataset<Row> transform(Dataset<?> dataset) {
    String path = getModelPath();
    if (path == null || path.isBlank()) throw new JtuneException("no model: set modelPath to an exported model (exports/<name>)");
    Backend b = Backend.parse(getBackend());
    SparkSession spark = dataset.sparkSession();
    ModelSource source = ModelSource.resolve(path, b, spark.sparkContext().hadoopConfiguration());
    StructType out = outputSchema(dataset.schema(), source.labels());
    int taskCpus = spark.sparkContext().getConf().getInt("spark.task.cpus", 1);
    int threads = getThreadsPerTask() > 0 ? getThreadsPerTask() : taskCpus;
    PartitionScorer scorer = new PartitionScorer(source, b, threads, taskCpus, getBatchSize(), dataset.schema().fieldIndex(getInputCol()),
        !getErrorCol().isEmpty(), counters);
    Dataset<Row> scored = dataset.toDF().mapPartitions(scorer, Encoders.row(out));
    // the row encoder drops column metadata: put the labels back on the probability column
    return scored.withMetadata(getProbabilityCol(), out.apply(getProbabilityCol()).metadata());
  }

  /** Counts scored and unscorable rows into {@code c} (Spark accumulators) from here on. */
  JtuneClassifier countingInto(RowCounters c) {
    this.counters = c;
    return this;
  }

  @Override
  public JtuneClassifier copy(ParamMap extra) {
    return defaultCopy(extra);
  }

  /** Reads a stage written by {@link #write()} (also how a saved {@code Pipeline} finds this stage). */
  public static MLReader<JtuneClassifier> read() {
    return new DefaultParamsReader<>();
  }

  public static JtuneClassifier load(String path) {
    return read().load(path);
  }
}
