package dev.jtune.baseline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jtune.JtuneException;
import dev.jtune.data.PreparedDataset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The baseline on a tiny dataset with a known answer. */
class TfidfLogisticRegressionTest {
  @TempDir Path dir;

  @Test
  void separableDataIsPredictedPerfectly() throws Exception {
    PreparedDataset data = PreparedDataset.load(SeparableDataset.write(dir.resolve("sep")));
    BaselineResult r = TfidfLogisticRegression.fit(data, BaselineSettings.withC(List.of(100.0)));
    assertEquals(100.0, r.chosenC());
    assertEquals(1.0, r.validation().accuracy());
    assertEquals(1.0, r.validation().macroF1());
    assertEquals(8, r.validation().examples());
    assertArrayEquals(new long[][] {{4, 0}, {0, 4}}, r.validation().confusion());
    assertEquals(1.0, r.test().accuracy());
    assertEquals(1.0, r.test().macroF1());
    assertArrayEquals(new long[][] {{3, 0}, {0, 5}}, r.test().confusion());
    assertEquals(List.of("neg", "pos"), r.test().labels());
    assertEquals(0, r.trainRowsWithoutTerms());
    // "bad", "good" and the eight pool words each occur in two or more training texts, plus some bigrams
    assertTrue(r.vocabulary() >= 10, "vocabulary " + r.vocabulary());
  }

  @Test
  void theChosenCIsTheOneWithTheBestValidationMacroF1() throws Exception {
    PreparedDataset data = PreparedDataset.load(SeparableDataset.write(dir.resolve("sep")));
    // a C this small leaves the weights near zero: the majority class (neg) everywhere on val
    BaselineResult r = TfidfLogisticRegression.fit(data, BaselineSettings.withC(List.of(1e-4, 100.0, 1000.0)));
    assertEquals(List.of(1e-4, 100.0, 1000.0), r.candidates().stream().map(BaselineResult.Candidate::c).toList());
    BaselineResult.Candidate tiny = r.candidates().get(0);
    assertEquals(0.5, tiny.valAccuracy(), 1e-12, "4 of 8 right: every text called neg");
    assertEquals((2 * 0.5 / 1.5) / 2, tiny.valMacroF1(), 1e-12, "F1 neg 2/3, F1 pos 0");
    double best = r.candidates().stream().mapToDouble(BaselineResult.Candidate::valMacroF1).max().orElseThrow();
    assertEquals(1.0, best);
    assertEquals(100.0, r.chosenC(), "the first C reaching the best score (1000 ties with it)");
    assertEquals(best, r.validation().macroF1());
  }

  @Test
  void aTextWithoutAnyVocabularyTermIsScoredByTheInterceptAlone() throws Exception {
    Path d = SeparableDataset.write(dir.resolve("sep"));
    Files.writeString(d.resolve("test.csv"), "text,label\nzebra yak,neg\nbad movie,neg\n");
    BaselineResult r = TfidfLogisticRegression.fit(PreparedDataset.load(d), BaselineSettings.withC(List.of(100.0)));
    assertEquals(2, r.test().examples(), "the row without terms is counted, not dropped");
    assertEquals(2, r.test().perClass().get(0).support());
    assertTrue(Double.isFinite(r.test().loss()), "probabilities from the intercept: " + r.test().loss());
  }

  @Test
  void anEmptyValidationSplitIsRefusedNamingTheFile() throws Exception {
    Path d = SeparableDataset.write(dir.resolve("sep"));
    Files.writeString(d.resolve("val.csv"), "text,label\n");
    JtuneException e = assertThrows(JtuneException.class,
        () -> TfidfLogisticRegression.fit(PreparedDataset.load(d), BaselineSettings.defaults()));
    assertTrue(e.getMessage().startsWith(d.resolve("val.csv") + ": the validation split is empty"), e.getMessage());
  }

  @Test
  void trainingTextsWithoutASharedWordAreRefused() throws Exception {
    Path d = SeparableDataset.write(dir.resolve("sep"));
    Files.writeString(d.resolve("train.csv"), "text,label\nalpha beta,neg\ngamma delta,pos\n");
    JtuneException e = assertThrows(JtuneException.class,
        () -> TfidfLogisticRegression.fit(PreparedDataset.load(d), BaselineSettings.defaults()));
    assertTrue(e.getMessage().contains("train.csv: no word or n-gram occurs in 2 or more training texts"), e.getMessage());
  }
}
