package dev.jtune.spark;

import dev.jtune.predict.Backend;
import dev.jtune.predict.TextClassifier;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/**
 * The work of one partition: rows are read a window at a time (a few batches), their texts
 * tokenized and run through the JVM's shared classifier ({@link ExecutorModels}) in length-sorted
 * batches ({@link TextClassifier#probabilitiesOfTokens}), and given back in input order with the
 * label, the probability vector and, when asked, an error column. A row whose text cannot be scored
 * (null, empty, not a string) keeps nulls in the output columns and its reason in the error column.
 */
final class PartitionScorer implements MapPartitionsFunction<Row, Row>, Serializable {
  /** Batches per window: enough rows to group by length, few enough to bound memory. */
  static final int BATCHES_PER_WINDOW = 8;

  private final ModelSource source;
  private final Backend backend;
  private final int threadsPerTask;
  private final int taskCpus;
  private final int batchSize;
  private final int textIndex;
  private final boolean errorColumn;
  private final RowCounters counters;

  PartitionScorer(ModelSource source, Backend backend, int threadsPerTask, int taskCpus, int batchSize, int textIndex, boolean errorColumn,
      RowCounters counters) {
    this.counters = counters;
    this.source = source;
    this.backend = backend;
    this.threadsPerTask = threadsPerTask;
    this.taskCpus = taskCpus;
    this.batchSize = batchSize;
    this.textIndex = textIndex;
    this.errorColumn = errorColumn;
  }

  @Override
  public Iterator<Row> call(Iterator<Row> rows) {
    return new Iterator<>() {
      private Iterator<Row> window = List.<Row>of().iterator();

      @Override
      public boolean hasNext() {
        while (!window.hasNext()) {
          if (!rows.hasNext()) return false;
          window = score(rows).iterator();
        }
        return true;
      }

      @Override
      public Row next() {
        if (!hasNext()) throw new NoSuchElementException();
        return window.next();
      }
    };
  }

  /** The next window of rows, scored. The model is opened only when a window has a text to score. */
  private List<Row> score(Iterator<Row> rows) {
    int size = batchSize * BATCHES_PER_WINDOW;
    List<Row> in = new ArrayList<>(size);
    List<String> problems = new ArrayList<>(size);
    List<String> texts = new ArrayList<>(size);
    while (rows.hasNext() && in.size() < size) {
      Row r = rows.next();
      Object v = r.get(textIndex);
      String problem = problem(v);
      in.add(r);
      problems.add(problem);
      if (problem == null) texts.add((String) v);
    }
    float[][] probs = new float[0][];
    List<String> labels = source.labels();
    if (!texts.isEmpty()) {
      TextClassifier classifier = ExecutorModels.get(source, backend, ExecutorModels.modelThreads(backend, threadsPerTask, taskCpus));
      List<int[]> ids = new ArrayList<>(texts.size());
      for (String t : texts) ids.add(classifier.encode(t));
      probs = classifier.probabilitiesOfTokens(ids, batchSize);
    }
    List<Row> out = new ArrayList<>(in.size());
    int k = 0;
    for (int i = 0; i < in.size(); i++) {
      Row r = in.get(i);
      Object[] values = new Object[r.length() + (errorColumn ? 3 : 2)];
      for (int j = 0; j < r.length(); j++) values[j] = r.get(j);
      String problem = problems.get(i);
      if (problem == null) {
        float[] p = probs[k++];
        int best = 0;
        double[] d = new double[p.length];
        for (int c = 0; c < p.length; c++) {
          d[c] = p[c];
          if (p[c] > p[best]) best = c;
        }
        values[r.length()] = labels.get(best);
        values[r.length() + 1] = Vectors.dense(d);
      }
      if (errorColumn) values[r.length() + 2] = problem;
      out.add(RowFactory.create(values));
    }
    if (counters != null) counters.add(texts.size(), in.size() - texts.size());
    return out;
  }

  /** Why a text cannot be scored, or null when it can (as jtune score: blank is empty). */
  static String problem(Object v) {
    if (v == null) return "null text";
    if (!(v instanceof String s)) return "not a string (" + v.getClass().getSimpleName() + ")";
    if (s.isBlank()) return "empty text";
    return null;
  }
}
