package dev.jtune.predict;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jtune.JtuneException;
import dev.jtune.artifact.ClassifierSpec;
import dev.jtune.artifact.Truncation;
import dev.jtune.data.TextTokenizer;
import dev.jtune.data.TokenBatch;
import dev.jtune.data.TokenTruncation;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Texts in, probabilities out in input order; tokenized by the classifier's own max_seq_len. */
class TextClassifierTest {
  @TempDir static Path dir;
  static Path model;

  @BeforeAll
  static void classifier() throws Exception {
    model = TinyClassifier.write(dir.resolve("run/model"), 8, 5);
  }

  @Test
  void probabilitiesOfManyTextsEqualEachTextAloneInInputOrder() {
    Random r = new Random(1);
    List<String> texts = new ArrayList<>();
    for (int i = 0; i < 11; i++) texts.add(TinyClassifier.text(r, 1 + r.nextInt(9)));
    try (TextClassifier c = TextClassifier.load(model)) {
      assertEquals(TinyClassifier.LABELS, c.labels());
      float[][] batched = c.probabilities(texts, 4);
      assertEquals(texts.size(), batched.length);
      for (int i = 0; i < texts.size(); i++) {
        float[] alone = c.predictor().probabilities(TokenBatch.of(List.of(c.encode(texts.get(i)))));
        assertArrayEquals(alone, batched[i], 1e-6f, "text " + i + " in its own batch and in a length-sorted one");
      }
    }
  }

  @Test
  void textsAreTruncatedToTheClassifiersMaxSeqLen() {
    try (TextClassifier c = TextClassifier.load(model)) {
      assertEquals(8, c.spec().maxSeqLen());
      int[] ids = c.encode("w10 w11 w12 w13 w14 w15 w16 w17 w18 w19 w20");
      assertArrayEquals(new int[] {2, 10, 11, 12, 13, 14, 15, 3}, ids, "[CLS], the first 6 words, [SEP]");
    }
  }

  @Test
  void aSharedTokenizerThatTruncatesOtherwiseIsRefused() {
    ClassifierSpec spec = ClassifierSpec.readIn(model.resolve("assets")).withTruncation(Truncation.TAIL, -1);
    Path tokenizer = model.resolve("assets/tokenizer.json");
    try (TextTokenizer head = TextTokenizer.load(tokenizer, 8);
        TextTokenizer tail = TextTokenizer.load(tokenizer, TokenTruncation.of(Truncation.TAIL, 8, -1))) {
      FixedPredictor p = new FixedPredictor(2);
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TextClassifier.withTokenizer(spec, head, p));
      assertTrue(e.getMessage().contains("strategy=head") && e.getMessage().contains("strategy=tail"), e.getMessage());
      assertTrue(p.closed.get());
      try (TextClassifier c = TextClassifier.withTokenizer(spec, tail, new FixedPredictor(2))) {
        assertArrayEquals(new int[] {2, 15, 16, 17, 18, 19, 20, 3}, c.encode("w10 w11 w12 w13 w14 w15 w16 w17 w18 w19 w20"),
            "[CLS], the last 6 words, [SEP]");
      }
    }
  }

  @Test
  void aPredictorWithTheWrongNumberOfClassesIsRefused() {
    ClassifierSpec spec = ClassifierSpec.readIn(model.resolve("assets"));
    try (TextClassifier c = TextClassifier.of(spec, model.resolve("assets"), new FixedPredictor(3))) {
      JtuneException e = assertThrows(JtuneException.class, () -> c.probabilities(List.of("w5 w6", "w7"), 8));
      assertEquals("model returned 6 probabilities for 2 rows and 2 labels in classifier.json: the classifier is inconsistent", e.getMessage());
    }
  }

  @Test
  void thePredictorIsClosedWhenTheTokenizerCannotBeLoaded() {
    ClassifierSpec spec = ClassifierSpec.readIn(model.resolve("assets"));
    FixedPredictor p = new FixedPredictor(2);
    JtuneException e = assertThrows(JtuneException.class, () -> TextClassifier.of(spec, dir, p));
    assertTrue(e.getMessage().startsWith(dir.resolve("tokenizer.json") + ": tokenizer file not found"), e.getMessage());
    assertTrue(p.closed.get(), "the predictor handed over is closed");
  }

  /** Every row gets the same {@code classes} probabilities; records whether it was closed. */
  private static final class FixedPredictor implements Predictor {
    final int classes;
    final AtomicBoolean closed = new AtomicBoolean();

    FixedPredictor(int classes) {
      this.classes = classes;
    }

    @Override
    public float[] probabilities(TokenBatch batch) {
      float[] p = new float[batch.size() * classes];
      java.util.Arrays.fill(p, 1f / classes);
      return p;
    }

    @Override
    public void close() {
      closed.set(true);
    }
  }
}
