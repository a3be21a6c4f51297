package dev.jtune.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jtune.JtuneException;
import dev.jtune.export.ExportConfig;
import dev.jtune.export.ModelExporter;
import dev.jtune.export.TinyRunFixture;
import dev.jtune.model.BertConfig;
import dev.jtune.predict.Backend;
import dev.jtune.serve.BatchScorer;
import dev.jtune.serve.ScoreConfig;
import java.io.PrintWriter;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * jtune inside Spark (local[2], one session for the class) on a tiny exported classifier (2
 * layers, hidden 32, random weights; SavedModel and ONNX): the Transformer against {@code jtune
 * score} row by row, unscorable rows, a Pipeline saved and loaded, and the spark-submit job.
 */
class JtuneSparkTest {
  @TempDir static Path dir;
  static SparkSession spark;
  static Path model;
  static final StructType SCHEMA = new StructType().add("id", DataTypes.IntegerType).add("text", DataTypes.StringType);

  @BeforeAll
  static void setUp() throws Exception {
    Path run = TinyRunFixture.create(dir.resolve("runs/tiny"), BertConfig.Pooler.DENSE, "cls", 7);
    TinyRunFixture.dataset(dir.resolve("runs/data"), 20, 3);
    ModelExporter.export(ExportConfig.of(run).withOut(dir.resolve("exports")).withFormats("savedmodel,onnx").withParity(false),
        new PrintWriter(System.err, true));
    model = dir.resolve("exports/tiny");
    spark = SparkSession.builder().master("local[2]").appName("jtune-spark-test")
        .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2")
        .config("spark.driver.host", "127.0.0.1").config("spark.sql.warehouse.dir", dir.resolve("warehouse").toString())
        .getOrCreate();
  }

  @AfterAll
  static void tearDown() {
    if (spark != null) spark.stop();
  }

  /** Texts of random fixture words w5..w99, some longer than max_seq_len (16); every 7th null, every 11th empty or blank. */
  static List<Row> rows(int n, long seed) {
    Random r = new Random(seed);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String text;
      if (i % 7 == 3) text = null;
      else if (i % 11 == 5) text = i % 2 == 0 ? "" : "   ";
      else {
        StringBuilder t = new StringBuilder();
        int words = 1 + r.nextInt(24);
        for (int w = 0; w < words; w++) t.append(w == 0 ? "" : " ").append("w").append(5 + r.nextInt(95));
        text = t.toString();
      }
      rows.add(RowFactory.create(i, text));
    }
    return rows;
  }

  /** jtune score's predictions (by id) for the rows that have a text. */
  static Map<Integer, CSVRecord> jtuneScore(List<Row> rows, Backend backend) throws Exception {
    Path in = Files.createTempFile(dir, "in", ".csv");
    StringBuilder csv = new StringBuilder("id,text\n");
    for (Row r : rows) if (r.get(1) != null && !r.getString(1).isBlank()) csv.append(r.getInt(0)).append(',').append(r.getString(1)).append('\n');
    Files.writeString(in, csv);
    Path out = dir.resolve("score-" + in.getFileName());
    new BatchScorer(ScoreConfig.of(model, in, out).withBackend(backend, null).withBatchSize(4)).run();
    Map<Integer, CSVRecord> byId = new HashMap<>();
    try (Reader rd = Files.newBufferedReader(out)) {
      for (CSVRecord rec : CSVFormat.RFC4180.builder().setHeader().setSkipHeaderRecord(true).get().parse(rd)) {
        byId.put(Integer.parseInt(rec.get("id")), rec);
      }
    }
    return byId;
  }

  static void assertSameAsJtuneScore(Map<Integer, CSVRecord> expected, int id, String label, double[] probs) {
    CSVRecord e = expected.get(id);
    assertNotNull(e, "row " + id + " scored by jtune score");
    assertEquals(e.get("label"), label, "row " + id);
    for (int k = 0; k < TinyRunFixture.LABELS.size(); k++) {
      assertEquals(Double.parseDouble(e.get("prob_" + TinyRunFixture.LABELS.get(k))), probs[k], 1e-5, "row " + id + " class " + k);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"tf", "onnx"})
  void transformerGivesJtuneScoresPredictionsAndKeepsNullAndEmptyTexts(String backend) throws Exception {
    List<Row> input = rows(60, 11);
    Map<Integer, CSVRecord> expected = jtuneScore(input, Backend.parse(backend));
    Dataset<Row> df = spark.createDataFrame(input, SCHEMA).repartition(3);
    JtuneClassifier c = new JtuneClassifier().setModelPath(model.toString()).setInputCol("text").setOutputCol("prediction")
        .setProbabilityCol("probability").setErrorCol("error").setBackend(backend).setBatchSize(4).setThreadsPerTask(1);
    Dataset<Row> scored = c.transform(df);
    assertEquals(List.of("id", "text", "prediction", "probability", "error"), List.of(scored.columns()));
    assertEquals(TinyRunFixture.LABELS, List.of(scored.schema().apply("probability").metadata().getStringArray("labels")));

    List<Row> out = scored.collectAsList();
    assertEquals(input.size(), out.size(), "every row is kept");
    int scoredRows = 0;
    for (Row r : out) {
      int id = r.getInt(0);
      String text = r.getString(1);
      if (text == null || text.isBlank()) {
        assertNull(r.get(2), "row " + id);
        assertNull(r.get(3), "row " + id);
        assertEquals(text == null ? "null text" : "empty text", r.getString(4));
      } else {
        assertNull(r.get(4), "row " + id);
        assertSameAsJtuneScore(expected, id, r.getString(2), ((Vector) r.get(3)).toArray());
        scoredRows++;
      }
    }
    assertEquals(expected.size(), scoredRows);
  }

  @Test
  void rowsStayInTheirOrderInsideEachPartitionAndTheModelIsOpenedOncePerJvm() {
    List<Row> input = rows(50, 5);
    JtuneClassifier c = new JtuneClassifier().setModelPath(model.toString()).setBatchSize(3).setThreadsPerTask(1);
    List<Row> first = c.transform(spark.createDataFrame(input, SCHEMA).coalesce(1)).collectAsList();
    int open = ExecutorModels.openCount();
    List<Row> second = c.transform(spark.createDataFrame(input, SCHEMA).coalesce(1)).collectAsList();
    assertEquals(open, ExecutorModels.openCount(), "the second job reuses the JVM's classifier");
    for (int i = 0; i < input.size(); i++) {
      assertEquals(i, first.get(i).getInt(0), "length sorting is undone");
      assertEquals(first.get(i), second.get(i));
    }
  }

  @Test
  void theSharedTensorFlowModelGetsOneThreadPerCoreOfTheExecutorAndOnnxOnePerTask() {
    assertEquals(2, ExecutorModels.executorCores(), "local[2]");
    assertEquals(2, ExecutorModels.modelThreads(Backend.TF, 1, 1), "2 task slots x 1 thread through TF's one pool");
    assertEquals(2, ExecutorModels.modelThreads(Backend.TF, 2, 2), "1 slot of 2 cpus");
    assertEquals(1, ExecutorModels.modelThreads(Backend.ONNX, 1, 1), "each call runs on its task's own thread");
  }

  @Test
  void aColumnThatIsNotTextIsRefusedOrKeptWithAnError() {
    Dataset<Row> df = spark.createDataFrame(rows(5, 1), SCHEMA);
    JtuneClassifier c = new JtuneClassifier().setModelPath(model.toString()).setInputCol("id");
    JtuneException e = assertThrows(JtuneException.class, () -> c.transform(df));
    assertEquals("column 'id' is int, not a string; cast it, or set errorCol to keep its rows with an error", e.getMessage());
    List<Row> kept = c.setErrorCol("why").transform(df).collectAsList();
    assertEquals(5, kept.size());
    for (Row r : kept) assertEquals("not a string (Integer)", r.getAs("why"));

    JtuneException missing = assertThrows(JtuneException.class,
        () -> new JtuneClassifier().setModelPath(dir.resolve("exports/nope").toString()).transform(df));
    assertTrue(missing.getMessage().startsWith(dir.resolve("exports/nope") + ": model folder not found"), missing.getMessage());
  }

  @Test
  void aPipelineWithTheClassifierIsSavedAndLoaded() throws Exception {
    Dataset<Row> df = spark.createDataFrame(rows(20, 9), SCHEMA).coalesce(1);
    JtuneClassifier c = new JtuneClassifier().setModelPath(model.toString()).setOutputCol("label").setProbabilityCol("p")
        .setBackend("onnx").setBatchSize(5).setThreadsPerTask(1);
    PipelineModel fitted = new Pipeline().setStages(new PipelineStage[] {c}).fit(df);
    String path = dir.resolve("pipeline").toString();
    fitted.write().save(path);
    PipelineModel loaded = PipelineModel.load(path);
    JtuneClassifier back = (JtuneClassifier) loaded.stages()[0];
    assertEquals(c.uid(), back.uid());
    assertEquals(model.toString(), back.getModelPath());
    assertEquals("onnx", back.getBackend());
    assertEquals(5, back.getBatchSize());
    assertEquals(1, back.getThreadsPerTask());
    assertEquals(fitted.transform(df).collectAsList(), loaded.transform(df).collectAsList());

    String single = dir.resolve("stage").toString();
    c.save(single);
    assertEquals("p", JtuneClassifier.load(single).getProbabilityCol());
  }

  @Test
  void theSparkSubmitJobScoresACsvIntoParquetKeepingUnscorableRows() throws Exception {
    List<Row> input = rows(30, 21);
    Map<Integer, CSVRecord> expected = jtuneScore(input, Backend.TF);
    Path csv = dir.resolve("job/in.csv");
    Files.createDirectories(csv.getParent());
    StringBuilder s = new StringBuilder("id,text,label\n");
    for (Row r : input) s.append(r.getInt(0)).append(',').append(r.get(1) == null ? "" : "\"" + r.getString(1) + "\"").append(",x\n");
    Files.writeString(csv, s);
    String out = dir.resolve("job/out.parquet").toString();
    String[] args = {"--model", model.toString(), "--in", csv.toString(), "--out", out, "--batch-size", "4", "--partitions", "2"};
    assertEquals(0, ScoreJob.run(spark, args));

    Dataset<Row> back = spark.read().parquet(out);
    assertEquals(List.of("id", "text", "label", "predicted_label", "predicted_score", "prob_ham", "prob_spam", "prob_other", "error"),
        List.of(back.columns()));
    List<Row> rows = back.collectAsList();
    assertEquals(input.size(), rows.size());
    for (Row r : rows) {
      int id = Integer.parseInt(r.getAs("id"));
      if (expected.containsKey(id)) {
        assertNull(r.getAs("error"));
        double[] p = {r.<Float>getAs("prob_ham"), r.<Float>getAs("prob_spam"), r.<Float>getAs("prob_other")};
        assertSameAsJtuneScore(expected, id, r.getAs("predicted_label"), p);
        assertEquals(Math.max(p[0], Math.max(p[1], p[2])), r.<Float>getAs("predicted_score"), 0);
      } else {
        String original = input.get(id).getString(1);
        // Spark's CSV source reads an empty field as null
        assertEquals(original == null || original.isEmpty() ? "null text" : "empty text", r.getAs("error"), "row " + id);
        assertNull(r.getAs("predicted_label"));
      }
    }
    // what exists is never replaced unless --mode overwrite says so
    assertEquals(2, ScoreJob.run(spark, args));
    assertEquals(input.size(), spark.read().parquet(out).count());
    assertEquals(2, ScoreJob.run(spark, "--model", model.toString(), "--in", csv.toString(), "--out", dir.resolve("job/o2").toString(),
        "--text-col", "body"));
    assertTrue(Files.notExists(dir.resolve("job/o2")), "nothing written for a refused job");
  }
}
