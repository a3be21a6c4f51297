package dev.jtune.eval;

import dev.jtune.artifact.ClassifierSpec;
import dev.jtune.JtuneException;
import dev.jtune.data.TextTokenizer;
import dev.jtune.data.TokenBatch;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.SessionFunction;

/**
 * A trained classifier loaded from its SavedModel folder ({@code runs/<run>/model/}): the
 * {@code serving_default} function, the tokenizer and the label names from its assets. Scores token
 * batches or raw texts. Owns the loaded bundle and the tokenizer: close it.
 */
public final class SavedModelClassifier implements AutoCloseable {

  private final Path dir;
  private final ClassifierSpec info;
  private final SavedModelBundle bundle;
  private final SessionFunction serving;
  private final TextTokenizer tokenizer;

  private SavedModelClassifier(Path dir, ClassifierSpec info, SavedModelBundle bundle, TextTokenizer tokenizer) {
    this.dir = dir;
    this.info = info;
    this.bundle = bundle;
    this.serving = bundle.function("serving_default");
    this.tokenizer = tokenizer;
  }

  /** Loads a classifier folder; a folder that is not one is a {@link JtuneException}. */
  public static SavedModelClassifier load(Path dir) {
    ClassifierSpec info = readInfo(dir);
    if (!Files.isRegularFile(dir.resolve("saved_model.pb"))) {
      throw new JtuneException(dir + ": no saved_model.pb; pass the model/ folder of a training run");
    }
    TextTokenizer tokenizer = TextTokenizer.load(dir.resolve("assets").resolve("tokenizer.json"), info.maxSeqLen());
    try {
      return new SavedModelClassifier(dir, info, SavedModelBundle.load(dir.toString(), "serve"), tokenizer);
    } catch (RuntimeException e) {
      tokenizer.close();
      throw e;
    }
  }

  /** The {@code assets/classifier.json} of a classifier SavedModel folder. */
  public static ClassifierSpec readInfo(Path dir) {
    return ClassifierSpec.readIn(dir.resolve("assets"));
  }

  public Path dir() {
    return dir;
  }

  public ClassifierSpec info() {
    return info;
  }

  public List<String> labels() {
    return info.labels();
  }

  public TextTokenizer tokenizer() {
    return tokenizer;
  }

  /** Logits [size * numLabels] of one token batch. */
  public float[] logits(TokenBatch b) {
    return ClassifierSignature.run(serving, b, ClassifierSignature.LOGITS);
  }

  /** Probabilities [size * numLabels] of one token batch. */
  public float[] probabilities(TokenBatch b) {
    return ClassifierSignature.run(serving, b, ClassifierSignature.PROBABILITIES);
  }

  /**
   * Scores labeled texts and counts (true, predicted) pairs; texts are tokenized once and batched by
   * length so that batches pad little.
   */
  public ClassificationMetrics evaluate(List<String> texts, int[] truth, int batchSize) {
    int n = texts.size(), c = info.numLabels();
    List<int[]> ids = new ArrayList<>(n);
    for (String t : texts) ids.add(tokenizer.encode(t));
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) order[i] = i;
    Arrays.sort(order, Comparator.comparingInt(i -> ids.get(i).length));
    ConfusionMatrix m = new ConfusionMatrix(c);
    double loss = 0;
    for (int start = 0; start < n; start += batchSize) {
      int end = Math.min(n, start + batchSize);
      List<int[]> rows = new ArrayList<>();
      for (int i = start; i < end; i++) rows.add(ids.get(order[i]));
      float[] p = probabilities(TokenBatch.of(rows));
      for (int i = start; i < end; i++) {
        int r = i - start, best = 0;
        for (int k = 1; k < c; k++) if (p[r * c + k] > p[r * c + best]) best = k;
        int y = truth[order[i]];
        m.add(y, best);
        loss -= Math.log(Math.max(p[r * c + y], 1e-12));
      }
    }
    return ClassificationMetrics.of(m, info.labels(), n == 0 ? Double.NaN : loss / n);
  }

  private static String firstLine(String s) {
    return s == null ? "" : s.lines().findFirst().orElse(s);
  }

  @Override
  public void close() {
    try {
      bundle.close();
    } finally {
      tokenizer.close();
    }
  }
}
