package dev.jtune.model;

import dev.jtune.artifact.ClassifierTensors;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.index.Indices;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.ReduceSum;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * The wide part of a wide-and-deep head (Cheng et al. 2016): a linear model over the same input's
 * token ids and hashed token bigrams, whose logits the head adds to its own. It reads only the
 * {@code input_word_ids} and {@code input_mask} every classifier takes, so exported models keep
 * their inputs. One table {@code classifier/wide} [V + H, C] (V = the encoder's vocabulary, H =
 * {@code wide_buckets}) holds a row per token id, then a row per bigram bucket:
 *
 * <pre>
 * a = ids[:, :-1] floormod 46340, b = ids[:, 1:] floormod 46340
 * rows = concat(ids, V + (a * 46340 + b) floormod H)                       [B, 2S-1]
 * w = float(concat(mask, mask[:, :-1] * mask[:, 1:]))                      padding and pairs touching it weigh 0
 * wide = sum(table[rows] * w[..., None], 1) / sqrt(max(sum(w, 1), 1))     the bag, L2-normalised as TF-IDF rows are
 * </pre>
 *
 * Reducing both ids mod 46340 first keeps {@code a * 46340 + b} below 2^31 for any vocabulary, so
 * the hash is int32 arithmetic in every runtime. The op set is fixed (StridedSlice, FloorMod, Mul,
 * AddV2, ConcatV2, Cast, GatherV2, ExpandDims, Sum, Maximum, Sqrt, RealDiv): the exporters lower it.
 */
public final class WideLinear {
  /** The table's variable name. */
  public static final String TABLE = ClassifierTensors.HEAD_WIDE;
  /** Both ids of a bigram are reduced mod this before they are combined: 46339 * 46340 + 46339 < 2^31. */
  public static final int HASH_BASE = 46340;

  private final Variable<TFloat32> table;
  private final Operand<TFloat32> logits;

  private WideLinear(Variable<TFloat32> table, Operand<TFloat32> logits) {
    this.table = table;
    this.logits = logits;
  }

  /**
   * Adds the wide part over {@code wordIds} and {@code mask} (int32 [B, S]) for {@code numLabels}
   * classes. {@code classifierScope} is the head's {@code classifier} scope, so the table is named
   * {@link #TABLE}; it starts at zero, so an untrained wide part adds nothing.
   */
  static WideLinear build(Ops classifierScope, Operand<TInt32> wordIds, Operand<TInt32> mask, int vocabSize, int buckets, int numLabels) {
    if (vocabSize < 1 || buckets < 1) throw new IllegalArgumentException("vocab size and buckets must be >= 1, got " + vocabSize + ", " + buckets);
    Ops tf = classifierScope;
    Ops init = tf.withInitScope();
    Variable<TFloat32> table = tf.withName(ClassifierHead.leafOf(TABLE)).variable(
        init.zeros(init.constant(new long[] {rows(vocabSize, buckets), numLabels}), TFloat32.class));
    Operand<TInt32> base = tf.constant(HASH_BASE);
    Operand<TInt32> first = tf.stridedSlice(wordIds, Indices.all(), Indices.sliceTo(-1));
    Operand<TInt32> second = tf.stridedSlice(wordIds, Indices.all(), Indices.sliceFrom(1));
    Operand<TInt32> pair = tf.math.add(tf.math.mul(tf.math.floorMod(first, base), base), tf.math.floorMod(second, base));
    Operand<TInt32> bigramRows = tf.math.add(tf.constant(vocabSize), tf.math.floorMod(pair, tf.constant(buckets)));
    Operand<TInt32> rows = tf.concat(List.of(wordIds, bigramRows), tf.constant(1)); // [B, 2S-1]
    Operand<TInt32> pairMask = tf.math.mul(tf.stridedSlice(mask, Indices.all(), Indices.sliceTo(-1)),
        tf.stridedSlice(mask, Indices.all(), Indices.sliceFrom(1)));
    Operand<TFloat32> weight = tf.dtypes.cast(tf.concat(List.of(mask, pairMask), tf.constant(1)), TFloat32.class);
    Operand<TFloat32> gathered = tf.gather(table, rows, tf.constant(0)); // [B, 2S-1, C]
    Operand<TFloat32> bag = tf.reduceSum(tf.math.mul(gathered, tf.expandDims(weight, tf.constant(-1))), tf.constant(1)); // [B, C]
    Operand<TFloat32> count = tf.reduceSum(weight, tf.constant(1), ReduceSum.keepDims(true)); // [B, 1]
    Operand<TFloat32> logits = tf.math.div(bag, tf.math.sqrt(tf.math.maximum(count, tf.constant(1f))));
    return new WideLinear(table, logits);
  }

  /** Rows of the table: one per token id, then one per bigram bucket. */
  public static long rows(int vocabSize, int buckets) {
    return (long) vocabSize + buckets;
  }

  /** The table row of the bigram (first, second), as the graph computes it (for tests and tools). */
  public static int bigramRow(int vocabSize, int buckets, int first, int second) {
    int pair = Math.floorMod(first, HASH_BASE) * HASH_BASE + Math.floorMod(second, HASH_BASE);
    return vocabSize + Math.floorMod(pair, buckets);
  }

  /** The table [V + H, C]. */
  public Variable<TFloat32> table() {
    return table;
  }

  /** The wide part's logits [B, C]. */
  public Operand<TFloat32> logits() {
    return logits;
  }
}
