package dev.jtune.predict;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.jtune.JtuneException;
import dev.jtune.data.TokenBatch;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Graph;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/** The TensorFlow predictor over a classifier SavedModel: what it answers and what it refuses without leaking the bundle. */
class SavedModelPredictorTest {
  @TempDir static Path dir;
  static Path model;

  @BeforeAll
  static void classifier() throws Exception {
    model = TinyClassifier.write(dir.resolve("run/model"), 16, 3);
  }

  @Test
  void probabilitiesAreTheSoftmaxOfTheLogitsRowByRow() {
    TokenBatch batch = TokenBatch.of(List.of(new int[] {2, 7, 8, 9, 3}, new int[] {2, 40, 3}, new int[] {2, 11, 12, 13, 14, 15, 3}));
    try (SavedModelPredictor p = SavedModelPredictor.load(model)) {
      float[] probs = p.probabilities(batch);
      float[] logits = p.logits(batch);
      assertEquals(3 * 2, probs.length);
      for (int row = 0; row < 3; row++) {
        double a = logits[2 * row], b = logits[2 * row + 1];
        double max = Math.max(a, b), sum = Math.exp(a - max) + Math.exp(b - max);
        assertEquals(Math.exp(a - max) / sum, probs[2 * row], 1e-6, "row " + row);
        assertEquals(Math.exp(b - max) / sum, probs[2 * row + 1], 1e-6, "row " + row);
      }
    }
  }

  @Test
  void aSavedModelWithoutServingDefaultIsRefusedAndItsBundleClosed() throws Exception {
    Path other = saveIdentity(dir.resolve("no-serving-default"), "other");
    SavedModelBundle bundle = SavedModelBundle.load(other.toString(), "serve");
    JtuneException e = assertThrows(JtuneException.class, () -> SavedModelPredictor.of(other, bundle));
    assertEquals(other + ": no 'serving_default' signature; it is not a jtune classifier SavedModel", e.getMessage());
    // a closed graph takes no new session: the refusal released the bundle
    assertThrows(IllegalStateException.class, () -> new Session(bundle.graph()).close());
    assertEquals(e.getMessage(), assertThrows(JtuneException.class, () -> SavedModelPredictor.load(other)).getMessage());
  }

  @Test
  void aServingDefaultThatIsNotAClassifierIsRefusedAndItsBundleClosed() throws Exception {
    Path encoderLike = saveIdentity(dir.resolve("not-a-classifier"), "serving_default");
    SavedModelBundle bundle = SavedModelBundle.load(encoderLike.toString(), "serve");
    JtuneException e = assertThrows(JtuneException.class, () -> SavedModelPredictor.of(encoderLike, bundle));
    assertEquals(encoderLike + ": signature 'serving_default' takes [x] and gives [y]; a jtune classifier takes "
        + "[input_word_ids, input_mask, input_type_ids] and gives probabilities", e.getMessage());
    assertThrows(IllegalStateException.class, () -> new Session(bundle.graph()).close());
  }

  @Test
  void aFolderWithoutSavedModelIsOneLine() {
    JtuneException e = assertThrows(JtuneException.class, () -> SavedModelPredictor.load(dir));
    assertEquals(dir + ": no saved_model.pb; pass the model/ folder of a training run or an exported version folder", e.getMessage());
  }

  /** A SavedModel whose one signature {@code key} maps float x [-1] to y = x. */
  private static Path saveIdentity(Path out, String key) throws Exception {
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      Placeholder<TFloat32> x = tf.withName("x").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1)));
      var y = tf.withName("y").identity(x);
      SavedModelBundle.exporter(out.toString()).withSession(s).withSignature(Signature.builder().key(key).input("x", x).output("y", y).build())
          .export();
    }
    return out;
  }
}
