package dev.jtune.train;

import dev.jtune.artifact.Pooling;
import dev.jtune.data.LengthSortedBatches;
import dev.jtune.data.TokenBatch;
import dev.jtune.io.AtomicFiles;
import dev.jtune.model.BertConfig;
import dev.jtune.model.ClassifierHead;
import dev.jtune.model.EncoderWeights;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.IntConsumer;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * What the frozen bottom layers of a partly trained encoder compute for every example of a split,
 * computed once and reused by every epoch (and every later run with the same key): the hidden states
 * entering the first trained layer, for the example's real tokens only (a real token's output does
 * not depend on padded keys, which the attention mask removes), and the pooled vectors of the head's
 * layers that lie below the first trained layer ({@link #lower()}, null when the head reads none).
 *
 * <p>Three files share one key ({@link FeatureCache#key}) in the feature-cache folder: {@code
 * <key>.states.f32} (float32 rows of H, example after example), {@code <key>.lower.f32} (the lower
 * pooled vectors, a {@link FeatureCache}) and {@code <key>.states.idx} (int64 row offsets, one per
 * example plus the end), written last: each goes to a temporary name and is renamed when complete,
 * so a file set without its index is simply computed again. The files of both splits share one
 * heap budget ({@code cache.memory_mb}, train first); what does not fit is memory-mapped.
 */
final class LayerStateCache {
  private static final int CHUNK_FLOATS = 1 << 28; // 1 GiB per mapped chunk

  private final int hidden;
  private final long[] offsets; // token row where each example starts; offsets[n] = all rows
  private final float[] memory; // null when mapped
  private final List<FloatBuffer> chunks;
  private final int chunkFloats;
  private final FeatureCache lower;

  private LayerStateCache(int hidden, long[] offsets, float[] memory, List<FloatBuffer> chunks, int chunkFloats, FeatureCache lower) {
    this.hidden = hidden;
    this.offsets = offsets;
    this.memory = memory;
    this.chunks = chunks;
    this.chunkFloats = chunkFloats;
    this.lower = lower;
  }

  /** The cached states of the train and val splits; {@code seconds} spent opening and (if needed) computing them. */
  record Splits(LayerStateCache train, LayerStateCache val, double seconds) {}

  /** Floats per token row. */
  int hidden() {
    return hidden;
  }

  /** The pooled vectors of the head's layers below the first trained one, or null when the head reads none of them. */
  FeatureCache lower() {
    return lower;
  }

  /** Whether the states are memory-mapped rather than held in the heap. */
  boolean spilled() {
    return memory == null;
  }

  /** Bytes this cache holds in the heap (states and lower vectors read into memory; 0 when all is mapped). */
  long heapBytes() {
    long lowerBytes = lower == null || lower.spilled() ? 0 : (long) lower.rows() * lower.hidden() * 4;
    return (memory == null ? 0 : stateBytes()) + lowerBytes;
  }

  /** Bytes of the states file: token rows x H x 4. */
  long stateBytes() {
    return offsets[offsets.length - 1] * hidden * 4L;
  }

  /**
   * The states of examples {@code rows} as one [rows.length, seqLen, H] batch, row-major: each
   * example's tokens first, zeros after them ({@code seqLen} must hold the longest).
   */
  float[] states(int[] rows, int seqLen) {
    float[] out = new float[rows.length * seqLen * hidden];
    for (int i = 0; i < rows.length; i++) {
      int r = rows[i];
      long start = offsets[r] * hidden;
      int count = (int) ((offsets[r + 1] - offsets[r]) * hidden);
      if (count > seqLen * hidden) throw new IllegalArgumentException("example " + r + " is longer than " + seqLen);
      int at = i * seqLen * hidden;
      if (memory != null) {
        System.arraycopy(memory, (int) start, out, at, count);
        continue;
      }
      while (count > 0) { // an example may straddle two chunks
        FloatBuffer chunk = chunks.get((int) (start / chunkFloats)).duplicate();
        int pos = (int) (start % chunkFloats), n = Math.min(count, chunkFloats - pos);
        chunk.position(pos);
        chunk.get(out, at, n);
        start += n;
        at += n;
        count -= n;
      }
    }
    return out;
  }

  /**
   * The states of the train and val splits entering layer {@code firstLayer} (and the head's
   * pooled vectors below it), from {@code dir} or computed into it first (a split only when its files
   * are missing or do not fit). The key holds the encoder's weights, the first trained layer, the
   * pooling, the head's layer count and every token id (which already reflect max_seq_len and the
   * truncation), so a change of any of them means new files.
   */
  static Splits load(TrainingConfig config, BertConfig encoder, EncoderWeights weights, int firstLayer, EncodedSplit train,
      EncodedSplit val, Path dir, boolean showProgress) {
    long t0 = System.nanoTime();
    Pooling pooling = config.head().pooling();
    int headLayers = config.head().layersOf(encoder.numHiddenLayers());
    int lowerLayers = lowerLayers(encoder.numHiddenLayers(), headLayers, firstLayer);
    String digest = FeatureCache.encoderDigest(encoder, weights);
    String what = "states" + firstLayer + "/" + CachedFeatures.featureName(pooling, headLayers);
    long budget = (long) config.cache().memoryMb() << 20;
    int h = encoder.hiddenSize();
    Path trainBase = dir.resolve(FeatureCache.key(digest, what, train.tokenIds()));
    Path valBase = dir.resolve(FeatureCache.key(digest, what, val.tokenIds()));
    // a budget of 0 only maps the files: a cheap check that they are there and fit
    boolean trainReady = open(trainBase, train.tokenIds(), h, lowerLayers * h, 0).isPresent();
    boolean valReady = open(valBase, val.tokenIds(), h, lowerLayers * h, 0).isPresent();
    if (!trainReady || !valReady) {
      try (Extractor extractor = new Extractor(encoder, weights, firstLayer, pooling, headLayers)) {
        int batchSize = config.validation().batchSize();
        if (!trainReady) extract(extractor, "frozen layers train", train, batchSize, trainBase, showProgress);
        if (!valReady) extract(extractor, "frozen layers val", val, batchSize, valBase, showProgress);
      }
    }
    // one heap budget for all the files, train first: what does not fit is memory-mapped
    LayerStateCache trainStates = open(trainBase, train.tokenIds(), h, lowerLayers * h, budget).orElseThrow();
    LayerStateCache valStates = open(valBase, val.tokenIds(), h, lowerLayers * h, budget - trainStates.heapBytes()).orElseThrow();
    return new Splits(trainStates, valStates, (System.nanoTime() - t0) / 1e9);
  }

  /** How many of the head's {@code headLayers} top layers lie below {@code firstLayer}. */
  static int lowerLayers(int encoderLayers, int headLayers, int firstLayer) {
    return Math.max(0, firstLayer - (encoderLayers - headLayers));
  }

  /** The files of one cache: {@code base} plus these suffixes. */
  static Path statesFile(Path base) {
    return base.resolveSibling(base.getFileName() + ".states.f32");
  }

  static Path indexFile(Path base) {
    return base.resolveSibling(base.getFileName() + ".states.idx");
  }

  static Path lowerFile(Path base) {
    return base.resolveSibling(base.getFileName() + ".lower.f32");
  }

  private static void extract(Extractor extractor, String task, EncodedSplit split, int batchSize, Path base, boolean showProgress) {
    if (!showProgress) {
      extractor.extract(split.tokenIds(), batchSize, base, done -> {});
      return;
    }
    try (var bar = ProgressBarListener.open(task, split.size())) {
      extractor.extract(split.tokenIds(), batchSize, base, bar::stepTo);
    }
  }

  /**
   * Opens the cache at {@code base} if its index exists and fits these examples' token counts, and
   * its states (and lower vectors, {@code lowerWidth} floats per example, 0 = none) have the sizes
   * that index implies; empty otherwise.
   */
  static Optional<LayerStateCache> open(Path base, List<int[]> tokenIds, int hidden, int lowerWidth, long memoryBytes) {
    return open(base, tokenIds, hidden, lowerWidth, memoryBytes, CHUNK_FLOATS);
  }

  /** {@link #open(Path, List, int, int, long)} mapping the states in chunks of {@code chunkFloats} floats. */
  static Optional<LayerStateCache> open(Path base, List<int[]> tokenIds, int hidden, int lowerWidth, long memoryBytes, int chunkFloats) {
    Path index = indexFile(base), states = statesFile(base);
    int n = tokenIds.size();
    try {
      if (!Files.isRegularFile(index) || Files.size(index) != 8L * (n + 1) || !Files.isRegularFile(states)) return Optional.empty();
      long[] offsets = new long[n + 1];
      ByteBuffer.wrap(Files.readAllBytes(index)).order(ByteOrder.LITTLE_ENDIAN).asLongBuffer().get(offsets);
      if (offsets[0] != 0) return Optional.empty();
      for (int i = 0; i < n; i++) {
        if (offsets[i + 1] - offsets[i] != tokenIds.get(i).length) return Optional.empty();
      }
      long floats = offsets[n] * hidden;
      if (Files.size(states) != floats * 4) return Optional.empty();
      boolean inHeap = floats * 4 <= memoryBytes && floats <= Integer.MAX_VALUE - 8;
      FeatureCache lower = null;
      if (lowerWidth > 0) {
        // the states first: the lower vectors get what is left of the budget
        lower = FeatureCache.open(lowerFile(base), n, lowerWidth, memoryBytes - (inHeap ? floats * 4 : 0)).orElse(null);
        if (lower == null) return Optional.empty();
      }
      try (FileChannel ch = FileChannel.open(states, StandardOpenOption.READ)) {
        if (inHeap) {
          float[] memory = new float[(int) floats];
          FeatureCache.readFully(ch, memory, states);
          return Optional.of(new LayerStateCache(hidden, offsets, memory, List.of(), chunkFloats, lower));
        }
        List<FloatBuffer> chunks = new ArrayList<>();
        for (long first = 0; first < floats; first += chunkFloats) {
          long count = Math.min(chunkFloats, floats - first);
          chunks.add(ch.map(FileChannel.MapMode.READ_ONLY, first * 4, count * 4).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer());
        }
        return Optional.of(new LayerStateCache(hidden, offsets, null, chunks, chunkFloats, lower));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read layer cache " + states, e);
    }
  }

  /**
   * The frozen bottom of an encoder in its own graph: token ids to the hidden states leaving layer
   * {@code firstLayer - 1} and the pooled vectors of the head's layers below {@code firstLayer}, built
   * as an inference graph (as {@link FeatureCache.Extractor} is: no dropout, the fused LayerNorm
   * oneDNN runs fastest), which the frozen layers of an uncached run match within rounding.
   */
  static final class Extractor implements AutoCloseable {
    private final FrozenEncoderPass pass;
    private final boolean hasLower; // false when the head reads no frozen layer
    private final int hidden;

    Extractor(BertConfig config, EncoderWeights weights, int firstLayer, Pooling pooling, int headLayers) {
      if (firstLayer < 1 || firstLayer >= config.numHiddenLayers()) {
        throw new IllegalArgumentException("first trained layer must be in [1, " + (config.numHiddenLayers() - 1) + "], got " + firstLayer);
      }
      hidden = config.hiddenSize();
      hasLower = lowerLayers(config.numHiddenLayers(), headLayers, firstLayer) > 0;
      int from = config.numHiddenLayers() - headLayers;
      pass = new FrozenEncoderPass(config, weights, (tf, encoder) -> {
        Operand<TFloat32> states = tf.withName("states").identity(encoder.layerOutput(firstLayer - 1));
        return hasLower
            ? List.of(states, tf.withName("lower").identity(ClassifierHead.layersPooled(tf.withSubScope("head_features"), encoder, pooling, from, firstLayer)))
            : List.of(states);
      });
    }

    /**
     * Computes the cache files at {@code base} for these examples, batched by length so each batch
     * pads only to its own longest row; each batch goes to the files as it comes, so a large split
     * never sits in memory. {@code progress} gets the number of examples done after each batch.
     */
    void extract(List<int[]> tokenIds, int batchSize, Path base, IntConsumer progress) {
      int n = tokenIds.size();
      long[] offsets = new long[n + 1];
      for (int i = 0; i < n; i++) offsets[i + 1] = offsets[i] + tokenIds.get(i).length;
      int[] lengths = tokenIds.stream().mapToInt(ids -> ids.length).toArray();
      int lowerWidth = hasLower ? (int) pass.outputShape(1).get(1) : 0;
      AtomicFiles.write(statesFile(base), statesTmp -> {
        try (FileChannel statesOut = FileChannel.open(statesTmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
          if (!hasLower) {
            writeBatches(tokenIds, lengths, batchSize, offsets, statesOut, null, 0, progress);
            return;
          }
          AtomicFiles.write(lowerFile(base), lowerTmp -> {
            try (FileChannel lowerOut = FileChannel.open(lowerTmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
              writeBatches(tokenIds, lengths, batchSize, offsets, statesOut, lowerOut, lowerWidth, progress);
            }
          });
        }
      });
      ByteBuffer index = ByteBuffer.allocate(8 * (n + 1)).order(ByteOrder.LITTLE_ENDIAN);
      index.asLongBuffer().put(offsets);
      AtomicFiles.writeBytes(indexFile(base), index.array()); // last: the index is what makes the files a cache
    }

    private void writeBatches(List<int[]> tokenIds, int[] lengths, int batchSize, long[] offsets, FileChannel statesOut,
        FileChannel lowerOut, int lowerWidth, IntConsumer progress) throws IOException {
      int done = 0;
      for (int[] idx : LengthSortedBatches.of(lengths, batchSize)) {
        List<int[]> batch = new ArrayList<>(idx.length);
        for (int i : idx) batch.add(tokenIds.get(i));
        TokenBatch b = TokenBatch.of(batch);
        float[][] out = pass.run(b);
        for (int i = 0; i < idx.length; i++) {
          // row i of the batch starts at token row i * seqLen; only its real tokens are kept
          int len = lengths[idx[i]];
          ByteBuffer rows = ByteBuffer.allocate(len * hidden * 4).order(ByteOrder.LITTLE_ENDIAN);
          rows.asFloatBuffer().put(out[0], i * b.seqLen() * hidden, len * hidden);
          FrozenEncoderPass.writeFully(statesOut, rows, offsets[idx[i]] * hidden * 4);
        }
        if (hasLower) {
          for (int i = 0; i < idx.length; i++) {
            ByteBuffer row = ByteBuffer.allocate(lowerWidth * 4).order(ByteOrder.LITTLE_ENDIAN);
            row.asFloatBuffer().put(out[1], i * lowerWidth, lowerWidth);
            FrozenEncoderPass.writeFully(lowerOut, row, (long) idx[i] * lowerWidth * 4);
          }
        }
        done += idx.length;
        if (progress != null) progress.accept(done);
      }
    }

    @Override
    public void close() {
      pass.close();
    }
  }
}
