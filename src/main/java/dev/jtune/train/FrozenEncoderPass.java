package dev.jtune.train;

import dev.jtune.data.TokenBatch;
import dev.jtune.model.BertConfig;
import dev.jtune.model.BertEncoder;
import dev.jtune.model.EncoderWeights;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.List;
import java.util.function.BiFunction;
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
 * A frozen encoder in its own inference graph (no dropout, fused LayerNorm) with the given weights
 * loaded, and the outputs a cache pass fetches from it: what the feature cache and the layer cache
 * both compute their files with. Only the ops the outputs need run.
 */
final class FrozenEncoderPass implements AutoCloseable {
  private final Graph graph;
  private final Session session;
  private final BertEncoder encoder;
  private final List<Operand<TFloat32>> outputs;

  /** Builds the encoder, then {@code outputs} over it (given the graph's ops and the encoder), and loads {@code weights}. */
  FrozenEncoderPass(BertConfig config, EncoderWeights weights, BiFunction<Ops, BertEncoder, List<Operand<TFloat32>>> outputs) {
    graph = new Graph();
    Session opened = null;
    try {
      encoder = BertEncoder.build(graph, config, BertEncoder.Options.inference());
      this.outputs = List.copyOf(outputs.apply(Ops.create(graph), encoder));
      opened = new Session(graph);
      encoder.assign(opened, weights);
    } catch (RuntimeException e) {
      // the session first: a graph waits for its sessions to close, so closing it first would block for good
      if (opened != null) opened.close();
      graph.close();
      throw e;
    }
    session = opened;
  }

  /** Output {@code i}'s static shape (as built). */
  Shape outputShape(int i) {
    return outputs.get(i).shape();
  }

  /** Runs one padded batch; element i holds output i, row-major. */
  float[][] run(TokenBatch b) {
    Shape shape = Shape.of(b.size(), b.seqLen());
    try (TInt32 ids = TInt32.tensorOf(shape, DataBuffers.of(b.inputWordIds(), true, false));
        TInt32 mask = TInt32.tensorOf(shape, DataBuffers.of(b.inputMask(), true, false));
        TInt32 types = TInt32.tensorOf(shape, DataBuffers.of(b.inputTypeIds(), true, false))) {
      Session.Runner run = session.runner().feed(encoder.inputWordIds(), ids).feed(encoder.inputMask(), mask)
          .feed(encoder.inputTypeIds(), types);
      outputs.forEach(run::fetch);
      try (Result r = run.run()) {
        float[][] out = new float[outputs.size()][];
        for (int i = 0; i < out.length; i++) {
          TFloat32 t = (TFloat32) r.get(i);
          out[i] = new float[(int) t.shape().size()];
          t.copyTo(DataBuffers.of(out[i], false, false));
        }
        return out;
      }
    }
  }

  /** Writes all of {@code data} at {@code position} (a channel may write less than asked in one call). */
  static void writeFully(FileChannel channel, ByteBuffer data, long position) throws IOException {
    while (data.hasRemaining()) position += channel.write(data, position);
  }

  @Override
  public void close() {
    session.close();
    graph.close();
  }
}
