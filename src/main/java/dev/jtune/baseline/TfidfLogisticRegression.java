package dev.jtune.baseline;

import de.bwaldvogel.liblinear.FeatureNode;
import de.bwaldvogel.liblinear.Linear;
import dev.jtune.JtuneException;
import dev.jtune.data.LabeledText;
import dev.jtune.data.PreparedDataset;
import dev.jtune.eval.ClassificationMetrics;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.tribuo.MutableDataset;
import org.tribuo.Prediction;
import org.tribuo.classification.Label;
import org.tribuo.classification.LabelFactory;
import org.tribuo.classification.liblinear.LibLinearClassificationModel;
import org.tribuo.classification.liblinear.LibLinearClassificationTrainer;
import org.tribuo.classification.liblinear.LinearClassificationType;
import org.tribuo.impl.ArrayExample;
import org.tribuo.provenance.SimpleDataSourceProvenance;

/**
 * The classical baseline: TF-IDF features ({@link TfidfVectorizer}, fitted on train) and an
 * L2-regularised logistic regression trained by liblinear through Tribuo, once per C; the C with the
 * best validation macro-F1 is kept and scored on test.
 */
public final class TfidfLogisticRegression {
  private static final LabelFactory LABELS = new LabelFactory();

  private TfidfLogisticRegression() {}

  /** Fits the baseline on {@code data}'s train split, chooses C on val, scores test. */
  public static BaselineResult fit(PreparedDataset data, BaselineSettings settings) {
    long t0 = System.nanoTime();
    List<LabeledText> train = data.split("train"), val = data.split("val"), test = data.split("test");
    if (train.isEmpty()) throw new JtuneException(data.dir().resolve("train.csv") + ": the train split is empty; re-run jtune prepare with more data");
    if (val.isEmpty()) {
      throw new JtuneException(data.dir().resolve("val.csv") + ": the validation split is empty, and the baseline chooses C on it; "
          + "re-run jtune prepare with a validation share");
    }
    TfidfVectorizer vectorizer = TfidfVectorizer.fit(train.stream().map(LabeledText::text).toList(), settings.tfidf());
    if (vectorizer.size() == 0) {
      throw new JtuneException(data.dir().resolve("train.csv") + ": no word or n-gram occurs in " + settings.tfidf().minDf()
          + " or more training texts, so TF-IDF has no feature; the baseline needs more (or longer) training texts");
    }
    List<String> labels = data.labels();
    MutableDataset<Label> dataset = new MutableDataset<>(new SimpleDataSourceProvenance(data.dir() + " (train)", LABELS), LABELS);
    int withoutTerms = 0;
    Set<Integer> fittedLabels = new HashSet<>();
    for (LabeledText row : train) {
      SparseRow features = vectorizer.transform(row.text());
      if (features.size() == 0) {
        withoutTerms++; // liblinear takes no row without features (Tribuo refuses it)
        continue;
      }
      dataset.add(example(vectorizer, features, new Label(labels.get(row.label()))));
      fittedLabels.add(row.label());
    }
    if (fittedLabels.size() < 2) {
      throw new JtuneException(data.dir().resolve("train.csv") + ": the training texts with TF-IDF features hold only "
          + fittedLabels.size() + " label(s); the baseline needs at least two");
    }
    List<SparseRow> valRows = val.stream().map(r -> vectorizer.transform(r.text())).toList();
    List<BaselineResult.Candidate> candidates = new ArrayList<>();
    LibLinearClassificationModel best = null;
    ClassificationMetrics bestVal = null;
    double bestC = Double.NaN;
    for (double c : settings.cValues()) {
      LibLinearClassificationTrainer trainer = new LibLinearClassificationTrainer(
          new LinearClassificationType(LinearClassificationType.LinearType.L2R_LR), c, settings.maxIterations(), settings.tolerance());
      LibLinearClassificationModel model = (LibLinearClassificationModel) trainer.train(dataset);
      ClassificationMetrics m = score(model, vectorizer, valRows, val, labels);
      candidates.add(new BaselineResult.Candidate(c, m.macroF1(), m.accuracy()));
      if (bestVal == null || m.macroF1() > bestVal.macroF1()) {
        best = model;
        bestVal = m;
        bestC = c;
      }
    }
    long scoring = System.nanoTime(); // texts -> probabilities, as a fine-tuned model's test pass is timed
    List<SparseRow> testRows = test.stream().map(r -> vectorizer.transform(r.text())).toList();
    ClassificationMetrics testMetrics = score(best, vectorizer, testRows, test, labels);
    double scoringSeconds = (System.nanoTime() - scoring) / 1e9;
    return new BaselineResult(settings.describe(), settings, vectorizer.size(), withoutTerms, candidates, bestC, bestVal, testMetrics,
        (System.nanoTime() - t0) / 1e9, test.isEmpty() ? null : test.size() / Math.max(1e-9, scoringSeconds));
  }

  /** The model's metrics on {@code rows} (the vectors of {@code texts}). */
  static ClassificationMetrics score(LibLinearClassificationModel model, TfidfVectorizer vectorizer, List<SparseRow> rows,
      List<LabeledText> texts, List<String> labels) {
    float[][] probabilities = new float[rows.size()][];
    for (int i = 0; i < rows.size(); i++) probabilities[i] = probabilities(model, vectorizer, rows.get(i), labels);
    return ClassificationMetrics.fromProbabilities(probabilities, texts.stream().mapToInt(LabeledText::label).toArray(), labels);
  }

  /** Class probabilities of one row, in the order of {@code labels}; a label the model never saw gets 0. */
  static float[] probabilities(LibLinearClassificationModel model, TfidfVectorizer vectorizer, SparseRow row, List<String> labels) {
    float[] p = new float[labels.size()];
    if (row.size() == 0) {
      // Tribuo predicts no example without features; such a text's score is the intercept's alone
      de.bwaldvogel.liblinear.Model inner = model.getInnerModels().get(0);
      double[] scores = new double[inner.getNrClass()];
      Linear.predictProbability(inner, new FeatureNode[] {new FeatureNode(model.getFeatureIDMap().size() + 1, 1.0)}, scores);
      int[] ids = inner.getLabels();
      for (int k = 0; k < ids.length; k++) p[labels.indexOf(model.getOutputIDInfo().getOutput(ids[k]).getLabel())] = (float) scores[k];
      return p;
    }
    Prediction<Label> prediction = model.predict(example(vectorizer, row, LABELS.getUnknownOutput()));
    for (Map.Entry<String, Label> e : prediction.getOutputScores().entrySet()) {
      p[labels.indexOf(e.getKey())] = (float) e.getValue().getScore();
    }
    return p;
  }

  /** A Tribuo example whose features are named by their terms. */
  private static ArrayExample<Label> example(TfidfVectorizer vectorizer, SparseRow row, Label label) {
    String[] names = new String[row.size()];
    for (int i = 0; i < names.length; i++) names[i] = vectorizer.term(row.columns()[i]);
    return new ArrayExample<>(label, names, row.values());
  }
}
