package dev.jtune.predict;

import dev.jtune.JtuneException;
import dev.jtune.artifact.ClassifierSpec;
import dev.jtune.artifact.RunLayout;
import dev.jtune.data.LengthSortedBatches;
import dev.jtune.data.TextTokenizer;
import dev.jtune.data.TokenTruncation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A trained classifier that takes text: its {@code classifier.json} ({@link ClassifierSpec}), the
 * tokenizer named there (which tokenizes by the spec's {@code max_seq_len} and {@code
 * truncation}) and a {@link Predictor}. Texts are tokenized once and run in length-sorted batches
 * ({@link LengthSortedBatches}); the probabilities come back in input order. Owns the predictor
 * (and the tokenizer it loaded itself): close it.
 */
public final class TextClassifier implements AutoCloseable {
  /** Where a version folder of {@code jtune export} keeps classifier.json and tokenizer.json. */
  public static final String EXPORT_ASSETS = "assets.extra";

  private final ClassifierSpec spec;
  private final TextTokenizer tokenizer;
  private final Predictor predictor;
  private final boolean ownsTokenizer;

  private TextClassifier(ClassifierSpec spec, TextTokenizer tokenizer, Predictor predictor, boolean ownsTokenizer) {
    this.spec = spec;
    this.tokenizer = tokenizer;
    this.predictor = predictor;
    this.ownsTokenizer = ownsTokenizer;
  }

  /**
   * The classifier of {@code spec} with the tokenizer in {@code assetsDir} and {@code predictor},
   * which it owns from here on (closed here too when the tokenizer cannot be loaded).
   */
  public static TextClassifier of(ClassifierSpec spec, Path assetsDir, Predictor predictor) {
    try {
      TextTokenizer tokenizer = TextTokenizer.load(assetsDir.resolve(spec.tokenizer()), TokenTruncation.of(spec));
      return new TextClassifier(spec, tokenizer, predictor, true);
    } catch (RuntimeException e) {
      predictor.close();
      throw e;
    }
  }

  /**
   * The classifier of {@code spec} with a tokenizer that stays its owner's (who loaded it by the
   * same spec and closes it after this classifier) and {@code predictor}, which it owns.
   */
  public static TextClassifier withTokenizer(ClassifierSpec spec, TextTokenizer tokenizer, Predictor predictor) {
    if (!tokenizer.truncation().equals(TokenTruncation.of(spec))) {
      predictor.close();
      throw new IllegalArgumentException("a tokenizer that truncates by " + tokenizer.truncation() + " for a classifier that truncates by "
          + TokenTruncation.of(spec));
    }
    return new TextClassifier(spec, tokenizer, predictor, false);
  }

  /**
   * A classifier SavedModel folder run with TensorFlow: a run's {@code model/} (assets in {@code
   * assets/}) or an exported version ({@code assets.extra/}).
   */
  public static TextClassifier load(Path savedModelDir) {
    Path assets = assetsOf(savedModelDir);
    ClassifierSpec spec = ClassifierSpec.readIn(assets);
    return of(spec, assets, SavedModelPredictor.load(savedModelDir));
  }

  /** The folder holding classifier.json: {@code assets.extra/} of an export, else {@code assets/} of a run's model. */
  public static Path assetsOf(Path savedModelDir) {
    Path extra = savedModelDir.resolve(EXPORT_ASSETS);
    return Files.isRegularFile(extra.resolve(ClassifierSpec.FILE_NAME)) ? extra : savedModelDir.resolve(RunLayout.ASSETS_DIR);
  }

  public ClassifierSpec spec() {
    return spec;
  }

  public List<String> labels() {
    return spec.labels();
  }

  public Predictor predictor() {
    return predictor;
  }

  /** Token ids of one text, with [CLS] and [SEP], at most max_seq_len of them. */
  public int[] encode(String text) {
    return tokenizer.encode(text);
  }

  /** Class probabilities of each text, in input order, computed in length-sorted batches of at most {@code batchSize}. */
  public float[][] probabilities(List<String> texts, int batchSize) {
    List<int[]> ids = new ArrayList<>(texts.size());
    for (String t : texts) ids.add(tokenizer.encode(t));
    return probabilitiesOfTokens(ids, batchSize);
  }

  /**
   * Class probabilities of already tokenized texts ({@link #encode}), in input order; a predictor
   * whose rows do not have one probability per label is refused.
   */
  public float[][] probabilitiesOfTokens(List<int[]> tokenIds, int batchSize) {
    int classes = spec.numLabels();
    return LengthSortedBatches.run(tokenIds, batchSize, batch -> {
      float[] p = predictor.probabilities(batch);
      if (p.length != batch.size() * classes) {
        throw new JtuneException("model returned " + p.length + " probabilities for " + batch.size() + " rows and " + classes
            + " labels in " + ClassifierSpec.FILE_NAME + ": the classifier is inconsistent");
      }
      return p;
    });
  }

  @Override
  public void close() {
    try {
      predictor.close();
    } finally {
      if (ownsTokenizer) tokenizer.close();
    }
  }
}
