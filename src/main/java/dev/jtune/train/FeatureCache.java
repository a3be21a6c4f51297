package dev.jtune.train;

import dev.jtune.data.TokenBatch;
import dev.jtune.model.BertConfig;
import dev.jtune.model.BertEncoder;
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
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.function.IntConsumer;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Pooled encoder features of every example of a split, computed once by a frozen encoder and then
 * reused by every epoch: the head trains on [batch, hidden] rows instead of re-running the encoder.
 * Rows live in memory up to a budget; larger caches are written to a file and memory-mapped.
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

  /** A frozen encoder in its own graph that turns token ids into pooled features. */
  public static final class Extractor implements AutoCloseable {
    private final Graph graph;
    private final Session session;
    private final BertEncoder encoder;
    private final Operand<TFloat32> pooled;

    public Extractor(BertConfig config, EncoderWeights weights, String pooling) {
      graph = new Graph();
      try {
        encoder = BertEncoder.build(graph, config, BertEncoder.Options.inference());
        pooled = Ops.create(graph).withName("features").identity(ClassifierHead.pooled(encoder, pooling));
        session = new Session(graph);
        session.initialize();
        encoder.assign(session, weights);
      } catch (RuntimeException e) {
        graph.close();
        throw e;
      }
    }

    /**
     * Features of every example, batched by length (padding only to each batch's longest row).
     * {@code spillFile} is used when the cache exceeds {@code memoryBytes}; {@code progress} gets
     * the number of examples done after each batch.
     */
    public FeatureCache extract(List<int[]> tokenIds, int batchSize, long memoryBytes, Path spillFile, IntConsumer progress) {
      int h = encoder.config().hiddenSize(), n = tokenIds.size();
      Integer[] order = new Integer[n];
      for (int i = 0; i < n; i++) order[i] = i;
      Arrays.sort(order, Comparator.comparingInt(i -> tokenIds.get(i).length));
      boolean spill = (long) n * h * 4 > memoryBytes;
      float[] memory = spill ? null : new float[n * h];
      int rowsPerChunk = Math.max(1, (1 << 30) / (h * 4));
      FileChannel channel = null;
      try {
        if (spill) {
          Files.createDirectories(spillFile.toAbsolutePath().getParent());
          channel = FileChannel.open(spillFile, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
              StandardOpenOption.READ, StandardOpenOption.WRITE);
        }
        int done = 0;
        for (int start = 0; start < n; start += batchSize) {
          int end = Math.min(n, start + batchSize);
          List<int[]> batch = new ArrayList<>();
          for (int i = start; i < end; i++) batch.add(tokenIds.get(order[i]));
          float[] out = run(TokenBatch.of(batch));
          for (int i = start; i < end; i++) {
            int row = order[i];
            if (memory != null) {
              System.arraycopy(out, (i - start) * h, memory, row * h, h);
            } else {
              ByteBuffer b = ByteBuffer.allocate(h * 4).order(ByteOrder.nativeOrder());
              b.asFloatBuffer().put(out, (i - start) * h, h);
              channel.write(b, (long) row * h * 4);
            }
          }
          done += end - start;
          if (progress != null) progress.accept(done);
        }
        List<FloatBuffer> chunks = new ArrayList<>();
        if (spill) {
          for (long first = 0; first < n; first += rowsPerChunk) {
            long count = Math.min(rowsPerChunk, n - first);
            chunks.add(channel.map(FileChannel.MapMode.READ_ONLY, first * h * 4, count * h * 4)
                .order(ByteOrder.nativeOrder()).asFloatBuffer());
          }
        }
        return new FeatureCache(h, n, memory, chunks, rowsPerChunk);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot write feature cache " + spillFile, e);
      } finally {
        if (channel != null) {
          try {
            channel.close(); // mappings stay valid after the channel closes
          } catch (IOException ignored) {
            // nothing left to flush: the mapping is read-only
          }
        }
      }
    }

    private float[] run(TokenBatch b) {
      Shape shape = Shape.of(b.size(), b.seqLen());
      try (TInt32 ids = TInt32.tensorOf(shape, DataBuffers.of(b.inputWordIds(), true, false));
          TInt32 mask = TInt32.tensorOf(shape, DataBuffers.of(b.inputMask(), true, false));
          TInt32 types = TInt32.tensorOf(shape, DataBuffers.of(b.inputTypeIds(), true, false));
          Result r = session.runner().feed(encoder.inputWordIds(), ids).feed(encoder.inputMask(), mask)
              .feed(encoder.inputTypeIds(), types).fetch(pooled).run()) {
        TFloat32 t = (TFloat32) r.get(0);
        float[] out = new float[(int) t.shape().size()];
        t.copyTo(DataBuffers.of(out, false, false));
        return out;
      }
    }

    @Override
    public void close() {
      session.close();
      graph.close();
    }
  }
}
