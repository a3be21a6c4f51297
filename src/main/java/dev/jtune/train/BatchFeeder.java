package dev.jtune.train;

import dev.jtune.data.TokenBatch;
import dev.jtune.model.BertEncoder;
import java.util.ArrayList;
import java.util.List;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Feeds the model inputs of some rows of a split into a run: token ids through the encoder, the
 * rows' cached pooled features when the encoder is frozen and not in the graph at all, or the cached
 * output of the frozen bottom layers when only the top layers are in the graph. Labels and any
 * other per-example values a loss needs are the {@link Loss}'s to feed.
 */
public interface BatchFeeder {
  /** Feeds the inputs of examples {@code rows} (indices into the split), in that order. */
  void feed(Feeds feeds, int[] rows);

  /** Token ids, padded to the batch's longest row, into the encoder's three inputs. */
  static BatchFeeder tokens(BertEncoder encoder, List<int[]> tokenIds) {
    return (feeds, rows) -> {
      List<int[]> batch = new ArrayList<>(rows.length);
      for (int i : rows) batch.add(tokenIds.get(i));
      TokenBatch b = TokenBatch.of(batch);
      Shape shape = Shape.of(b.size(), b.seqLen());
      feeds.feed(encoder.inputWordIds(), TInt32.tensorOf(shape, DataBuffers.of(b.inputWordIds(), true, false)));
      feeds.feed(encoder.inputMask(), TInt32.tensorOf(shape, DataBuffers.of(b.inputMask(), true, false)));
      feeds.feed(encoder.inputTypeIds(), TInt32.tensorOf(shape, DataBuffers.of(b.inputTypeIds(), true, false)));
    };
  }

  /**
   * Token ids and mask only, padded to the batch's longest row: what a wide-and-deep head's wide
   * part reads on cached features, where the encoder is not in the graph.
   */
  static BatchFeeder wordIdsAndMask(Placeholder<TInt32> wordIds, Placeholder<TInt32> mask, List<int[]> tokenIds) {
    return (feeds, rows) -> {
      List<int[]> batch = new ArrayList<>(rows.length);
      for (int i : rows) batch.add(tokenIds.get(i));
      TokenBatch b = TokenBatch.of(batch);
      Shape shape = Shape.of(b.size(), b.seqLen());
      feeds.feed(wordIds, TInt32.tensorOf(shape, DataBuffers.of(b.inputWordIds(), true, false)));
      feeds.feed(mask, TInt32.tensorOf(shape, DataBuffers.of(b.inputMask(), true, false)));
    };
  }

  /**
   * The rows' cached hidden states entering {@code encoder}'s first layer, padded with zeros to the
   * batch's longest row [rows, seq, H], with their mask; the head's pooled vectors of the frozen layers
   * into {@code lower} and the token ids into {@code wideWordIds} when those are not null.
   */
  static BatchFeeder layerStates(BertEncoder encoder, Placeholder<TFloat32> lower, Placeholder<TInt32> wideWordIds,
      List<int[]> tokenIds, LayerStateCache cache) {
    return (feeds, rows) -> {
      List<int[]> batch = new ArrayList<>(rows.length);
      for (int i : rows) batch.add(tokenIds.get(i));
      TokenBatch b = TokenBatch.of(batch);
      Shape shape = Shape.of(b.size(), b.seqLen());
      feeds.feed(encoder.inputHiddenStates(), TFloat32.tensorOf(Shape.of(b.size(), b.seqLen(), cache.hidden()),
          DataBuffers.of(cache.states(rows, b.seqLen()), true, false)));
      feeds.feed(encoder.inputMask(), TInt32.tensorOf(shape, DataBuffers.of(b.inputMask(), true, false)));
      if (lower != null) feeds.feed(lower, TFloat32.tensorOf(Shape.of(rows.length, cache.lower().hidden()),
          DataBuffers.of(cache.lower().rows(rows), true, false)));
      if (wideWordIds != null) feeds.feed(wideWordIds, TInt32.tensorOf(shape, DataBuffers.of(b.inputWordIds(), true, false)));
    };
  }

  /** The rows' pooled features [rows, hidden] from the feature cache, into {@code features}. */
  static BatchFeeder features(Placeholder<TFloat32> features, FeatureCache cache) {
    return (feeds, rows) -> feeds.feed(features,
        TFloat32.tensorOf(Shape.of(rows.length, cache.hidden()), DataBuffers.of(cache.rows(rows), true, false)));
  }
}
