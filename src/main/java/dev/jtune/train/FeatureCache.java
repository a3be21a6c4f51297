package dev.jtune.train;

import dev.jtune.artifact.Pooling;

import dev.jtune.data.LengthSortedBatches;
import dev.jtune.data.TokenBatch;
import dev.jtune.model.ClassifierHead;
import dev.jtune.model.BertConfig;
import dev.jtune.model.EncoderWeights;
import dev.jtune.io.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;
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
import java.util.function.IntConsumer;

/**
 * Pooled encoder features of every example of a split, computed once by a frozen encoder and then
 * reused by every epoch: the head trains on [batch, hidden] rows instead of re-running the encoder.
 * Features are stored in a file named by {@link #key} (so later runs with the same encoder, pooling
 * and tokens skip the encoder entirely) and read into memory up to a budget, memory-mapped beyond.
 */
public final class FeatureCache {
  private final int hidden;
  private final int rows;
  private final float[] memory; // null when spilled
  private final List<FloatBuffer> chunks; // mapped file chunks when spilled
  private final int rowsPerChunk;

  private FeatureCache(int hidden, int rows, float[] memory, List<FloatBuffer> chunks, int rowsPerChunk) {
    this.hidden = hidden;
    this.rows = rows;
    this.memory = memory;
    this.chunks = chunks;
    this.rowsPerChunk = rowsPerChunk;
  }

  /** Rows held in memory, {@code values} row-major [values.length / hidden, hidden]. */
  public static FeatureCache inMemory(float[] values, int hidden) {
    if (hidden < 1 || values.length % hidden != 0) throw new IllegalArgumentException(values.length + " values are not rows of " + hidden);
    return new FeatureCache(hidden, values.length / hidden, values.clone(), List.of(), 1);
  }

  public int hidden() {
    return hidden;
  }

  public int rows() {
    return rows;
  }

  public boolean spilled() {
    return memory == null;
  }

  /** The features of the given examples, row-major [indices.length, hidden]. */
  public float[] rows(int[] indices) {
    float[] out = new float[indices.length * hidden];
    for (int i = 0; i < indices.length; i++) {
      int r = indices[i];
      if (memory != null) {
        System.arraycopy(memory, r * hidden, out, i * hidden, hidden);
      } else {
        FloatBuffer chunk = chunks.get(r / rowsPerChunk).duplicate();
        chunk.position((r % rowsPerChunk) * hidden);
        chunk.get(out, i * hidden, hidden);
      }
    }
    return out;
  }

  /**
   * The cache file name for these examples: a SHA-256 over the encoder's weights digest, the pooling
   * and every token id, so a file is reused only for exactly the same encoder, pooling and tokens.
   */
  public static String key(String encoderDigest, String pooling, List<int[]> tokenIds) {
    MessageDigest md = sha256();
    md.update(encoderDigest.getBytes(StandardCharsets.UTF_8));
    md.update(pooling.getBytes(StandardCharsets.UTF_8));
    ByteBuffer b = ByteBuffer.allocate(4 * 1024);
    for (int[] ids : tokenIds) {
      if (b.remaining() < 4 * (ids.length + 1)) {
        md.update(b.array(), 0, b.position());
        b.clear();
      }
      if (b.remaining() < 4 * (ids.length + 1)) b = ByteBuffer.allocate(4 * (ids.length + 1));
      b.putInt(ids.length);
      for (int id : ids) b.putInt(id);
    }
    md.update(b.array(), 0, b.position());
    return HexFormat.of().formatHex(md.digest()).substring(0, 32);
  }

  /** A digest of an encoder's architecture and weight values. */
  public static String encoderDigest(BertConfig config, EncoderWeights weights) {
    MessageDigest md = sha256();
    md.update(config.toJson().getBytes(StandardCharsets.UTF_8));
    for (String name : new java.util.TreeSet<>(weights.names())) {
      md.update(name.getBytes(StandardCharsets.UTF_8));
      float[] v = weights.get(name).values();
      ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
      b.asFloatBuffer().put(v);
      md.update(b.array());
    }
    return HexFormat.of().formatHex(md.digest());
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Opens a cache file of {@code rows} x {@code hidden} floats if it exists with that size: read into
   * memory when it fits {@code memoryBytes}, otherwise memory-mapped.
   */
  public static Optional<FeatureCache> open(Path file, int rows, int hidden, long memoryBytes) {
    long bytes = (long) rows * hidden * 4;
    try {
      if (!Files.isRegularFile(file) || Files.size(file) != bytes) return Optional.empty();
      try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
        if (bytes <= memoryBytes) {
          float[] memory = new float[rows * hidden];
          readFully(ch, memory, file);
          return Optional.of(new FeatureCache(hidden, rows, memory, List.of(), 1));
        }
        int rowsPerChunk = Math.max(1, (1 << 30) / (hidden * 4));
        List<FloatBuffer> chunks = new ArrayList<>();
        for (long first = 0; first < rows; first += rowsPerChunk) {
          long count = Math.min(rowsPerChunk, rows - first);
          chunks.add(ch.map(FileChannel.MapMode.READ_ONLY, first * hidden * 4, count * hidden * 4)
              .order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer());
        }
        return Optional.of(new FeatureCache(hidden, rows, null, chunks, rowsPerChunk));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read feature cache " + file, e);
    }
  }

  /** Reads little-endian float32 values from the channel's start until {@code into} is full. */
  static void readFully(FileChannel ch, float[] into, Path file) throws IOException {
    ByteBuffer buf = ByteBuffer.allocate((int) Math.min((long) into.length * 4, 1 << 26)).order(ByteOrder.LITTLE_ENDIAN);
    int filled = 0;
    while (filled < into.length) {
      buf.clear();
      buf.limit((int) Math.min(buf.capacity(), (long) (into.length - filled) * 4));
      while (buf.hasRemaining()) {
        if (ch.read(buf) < 0) throw new IOException("unexpected end of " + file);
      }
      buf.flip();
      int n = buf.remaining() / 4;
      buf.asFloatBuffer().get(into, filled, n);
      filled += n;
    }
  }

  /** A frozen encoder in its own graph that turns token ids into pooled features. */
  public static final class Extractor implements AutoCloseable {
    private final FrozenEncoderPass pass;

    public Extractor(BertConfig config, EncoderWeights weights, String pooling, int layers) {
      pass = new FrozenEncoderPass(config, weights,
          (tf, encoder) -> List.of(tf.withName("features").identity(ClassifierHead.pooled(encoder, Pooling.parse(pooling), layers))));
    }

    /**
     * Computes the features of every example into {@code file} (row i = example i, float32
     * little-endian), batched by length so each batch pads only to its own longest row. The file is
     * written under a temporary name and renamed when complete. {@code progress} gets the number of
     * examples done after each batch.
     */
    public void extract(List<int[]> tokenIds, int batchSize, Path file, IntConsumer progress) {
      int[] lengths = tokenIds.stream().mapToInt(ids -> ids.length).toArray();
      AtomicFiles.write(file, tmp -> {
        try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
          int h = (int) pass.outputShape(0).get(1), done = 0;
          ByteBuffer row = ByteBuffer.allocate(h * 4).order(ByteOrder.LITTLE_ENDIAN);
          // each batch goes to the file as it comes, so a large split never sits in memory
          for (int[] idx : LengthSortedBatches.of(lengths, batchSize)) {
            List<int[]> batch = new ArrayList<>(idx.length);
            for (int i : idx) batch.add(tokenIds.get(i));
            float[] out = pass.run(TokenBatch.of(batch))[0];
            for (int i = 0; i < idx.length; i++) {
              row.clear();
              row.asFloatBuffer().put(out, i * h, h);
              FrozenEncoderPass.writeFully(channel, row, (long) idx[i] * h * 4);
            }
            done += idx.length;
            if (progress != null) progress.accept(done);
          }
        }
      });
    }

    @Override
    public void close() {
      pass.close();
    }
  }
}
