package dev.jtune.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jtune.artifact.ClassifierTensors;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/** The wide part's logits on hand-made ids and masks against a computation written out by hand. */
class WideLinearTest {
  // a vocabulary above the hash base, so ids >= 46340 exercise the reduction before the bigram hash
  private static final int VOCAB = 50_000, BUCKETS = 7, LABELS = 2;

  @Test
  void bigramRowReducesBothIdsThenHashesIntoTheBucketsAfterTheVocabulary() {
    // 46341 mod 46340 = 1, so (46341, 5) is 1 * 46340 + 5 = 46345 = 7 * 6620 + 5: bucket 5
    assertEquals(VOCAB + 5, WideLinear.bigramRow(VOCAB, BUCKETS, 46341, 5));
    // (3, 4): 3 * 46340 + 4 = 139024 = 7 * 19860 + 4
    assertEquals(VOCAB + 4, WideLinear.bigramRow(VOCAB, BUCKETS, 3, 4));
    // the largest pair stays inside int32: 46339 * 46340 + 46339 = 2147395599
    assertEquals(VOCAB + (int) (2147395599L % BUCKETS), WideLinear.bigramRow(VOCAB, BUCKETS, 46339, 46339 + 46340));
    assertEquals(50_007, WideLinear.rows(VOCAB, BUCKETS));
  }

  @Test
  void logitsAreTheNormalisedBagOfUnigramAndBigramRowsWithPaddingWeighingNothing() {
    int[][] ids = {{2, 46341, 5, 3, 4}, {2, 7, 0, 0, 0}, {0, 0, 0, 0, 0}};
    int[][] mask = {{1, 1, 1, 1, 1}, {1, 1, 0, 0, 0}, {0, 0, 0, 0, 0}};
    int seq = 5;
    float[] table = new float[VOCAB * LABELS + BUCKETS * LABELS];
    Random r = new Random(3);
    for (int i = 0; i < table.length; i++) table[i] = (float) r.nextGaussian();

    // by hand: row 0 has 5 unigrams and 4 bigrams, (2, 46341) (46341, 5) (5, 3) (3, 4): 9 rows, / 3
    float[][] expected = new float[3][LABELS];
    int[] row0 = {2, 46341, 5, 3, 4, VOCAB + (2 * 46340 + 1) % 7, VOCAB + 5, VOCAB + (5 * 46340 + 3) % 7, VOCAB + 4};
    // row 1: unigrams 2 and 7 and the one bigram (2, 7); the padding and the pairs touching it weigh 0: 3 rows, / sqrt 3
    int[] row1 = {2, 7, VOCAB + (2 * 46340 + 7) % 7};
    for (int c = 0; c < LABELS; c++) {
      float s0 = 0, s1 = 0;
      for (int row : row0) s0 += table[row * LABELS + c];
      for (int row : row1) s1 += table[row * LABELS + c];
      expected[0][c] = s0 / 3f;
      expected[1][c] = s1 / (float) Math.sqrt(3);
      expected[2][c] = 0f; // all padding: an empty bag, divided by max(0, 1)
    }

    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Placeholder<TInt32> idsIn = tf.placeholder(TInt32.class, Placeholder.shape(Shape.of(-1, -1)));
      Placeholder<TInt32> maskIn = tf.placeholder(TInt32.class, Placeholder.shape(Shape.of(-1, -1)));
      WideLinear wide = WideLinear.build(tf.withSubScope("classifier"), idsIn, maskIn, VOCAB, BUCKETS, LABELS);
      assertEquals(ClassifierTensors.HEAD_WIDE, wide.table().op().name());
      Placeholder<TFloat32> value = tf.placeholder(TFloat32.class);
      var assign = tf.assign(wide.table(), value);
      try (Session s = new Session(g);
          TFloat32 t = TFloat32.tensorOf(Shape.of(VOCAB + BUCKETS, LABELS), DataBuffers.of(table, true, false));
          TInt32 idsT = TInt32.tensorOf(Shape.of(3, seq), DataBuffers.of(flat(ids), true, false));
          TInt32 maskT = TInt32.tensorOf(Shape.of(3, seq), DataBuffers.of(flat(mask), true, false))) {
        s.initialize();
        try (Result zero = s.runner().feed(idsIn, idsT).feed(maskIn, maskT).fetch(wide.logits()).run()) {
          assertArrayEquals(new float[3 * LABELS], read((TFloat32) zero.get(0)), 0f, "a fresh table adds nothing");
        }
        s.runner().feed(value, t).addTarget(assign).run().close();
        try (Result res = s.runner().feed(idsIn, idsT).feed(maskIn, maskT).fetch(wide.logits()).run()) {
          assertArrayEquals(flat(expected), read((TFloat32) res.get(0)), 1e-5f);
        }
      }
    }
  }

  private static float[] read(TFloat32 t) {
    float[] out = new float[(int) t.shape().size()];
    t.copyTo(DataBuffers.of(out, false, false));
    return out;
  }

  private static int[] flat(int[][] a) {
    return java.util.Arrays.stream(a).flatMapToInt(java.util.Arrays::stream).toArray();
  }

  private static float[] flat(float[][] a) {
    float[] out = new float[a.length * a[0].length];
    for (int i = 0; i < a.length; i++) System.arraycopy(a[i], 0, out, i * a[i].length, a[i].length);
    return out;
  }
}
