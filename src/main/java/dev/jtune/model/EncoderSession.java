package dev.jtune.model;

import dev.jtune.data.TokenBatch;
import java.util.ArrayList;
import java.util.List;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Signature;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Runs an encoder forward in TensorFlow: either a {@link BertEncoder} graph rebuilt from a
 * {@link PretrainedEncoder}, or the {@code serving_default} signature of a SavedModel used as a
 * frozen feature extractor. Owns its graph, session or bundle; close it.
 */
public final class EncoderSession implements AutoCloseable {

  /**
   * Encoder outputs of one batch, row-major.
   *
   * @param sequenceOutput [batch, seqLen, hidden]
   * @param pooledOutput [batch, hidden]
   */
  public record Output(int batch, int seqLen, int hidden, float[] sequenceOutput, float[] pooledOutput) {}

  private final AutoCloseable owner;
  private final Session session;
  private final String[] feeds;
  private final String sequenceName;
  private final String pooledName;
  private final int maxSeqLen;

  private EncoderSession(AutoCloseable owner, Session session, String[] feeds, String sequenceName, String pooledName,
      int maxSeqLen) {
    this.maxSeqLen = maxSeqLen;
    this.owner = owner;
    this.session = session;
    this.feeds = feeds;
    this.sequenceName = sequenceName;
    this.pooledName = pooledName;
  }

  /** Builds the encoder graph (inference options) and loads the weights into a new session. */
  public static EncoderSession open(PretrainedEncoder encoder) {
    return open(encoder, 0);
  }

  /**
   * As {@link #open(PretrainedEncoder)} with {@code threads} intra-op threads (0 = all cores). The
   * first TensorFlow session of a process fixes the thread pool for all later ones.
   */
  public static EncoderSession open(PretrainedEncoder encoder, int threads) {
    Graph graph = new Graph();
    Session session = null;
    try {
      BertEncoder enc = BertEncoder.build(graph, encoder.config(), BertEncoder.Options.inference());
      ConfigProto.Builder config = ConfigProto.newBuilder();
      if (threads > 0) config.setIntraOpParallelismThreads(threads).setInterOpParallelismThreads(1);
      session = new Session(graph, config.build());
      session.initialize();
      enc.assign(session, encoder.weights());
      Session s = session;
      AutoCloseable owner = () -> {
        s.close();
        graph.close();
      };
      return new EncoderSession(owner, session, new String[] {name(enc.inputWordIds().op().name()),
          name(enc.inputMask().op().name()), name(enc.inputTypeIds().op().name())},
          name(enc.sequenceOutput().op().name()), name(enc.pooledOutput().op().name()),
          encoder.config().maxPositionEmbeddings());
    } catch (RuntimeException e) {
      if (session != null) session.close();
      graph.close();
      throw e;
    }
  }

  /** Runs {@code bundle}'s encoder signature; the session takes ownership of the bundle. */
  static EncoderSession ofSignature(SavedModelBundle bundle, Signature signature) {
    var in = signature.getInputs();
    var out = signature.getOutputs();
    return new EncoderSession(bundle, bundle.session(),
        new String[] {in.get(BertEncoder.INPUT_WORD_IDS).name, in.get(BertEncoder.INPUT_MASK).name,
            in.get(BertEncoder.INPUT_TYPE_IDS).name},
        out.get(BertEncoder.SEQUENCE_OUTPUT).name, out.get(BertEncoder.POOLED_OUTPUT).name, Integer.MAX_VALUE);
  }

  private static String name(String op) {
    return op + ":0";
  }

  /** Encodes one padded batch of token ids. */
  public Output run(TokenBatch batch) {
    return run(batch.size(), batch.seqLen(), batch.inputWordIds(), batch.inputMask(), batch.inputTypeIds());
  }

  /**
   * Encodes one padded batch given as row-major [batch, seqLen] int arrays (ids, mask 1 = real token,
   * token types).
   */
  public Output run(int batch, int seqLen, int[] wordIds, int[] mask, int[] typeIds) {
    if (seqLen > maxSeqLen) {
      throw new IllegalArgumentException("sequences of " + seqLen + " tokens exceed the encoder's " + maxSeqLen
          + " positions; truncate to at most max_position_embeddings");
    }
    Shape shape = Shape.of(batch, seqLen);
    List<Tensor> inputs = new ArrayList<>(3);
    try {
      inputs.add(TInt32.tensorOf(shape, DataBuffers.of(wordIds, true, false)));
      inputs.add(TInt32.tensorOf(shape, DataBuffers.of(mask, true, false)));
      inputs.add(TInt32.tensorOf(shape, DataBuffers.of(typeIds, true, false)));
      Session.Runner run = session.runner();
      for (int i = 0; i < 3; i++) run.feed(feeds[i], inputs.get(i));
      try (Result r = run.fetch(sequenceName).fetch(pooledName).run()) {
        TFloat32 seq = (TFloat32) r.get(0), pooled = (TFloat32) r.get(1);
        int hidden = (int) pooled.shape().get(1);
        float[] s = new float[(int) seq.shape().size()], p = new float[(int) pooled.shape().size()];
        seq.copyTo(DataBuffers.of(s, false, false));
        pooled.copyTo(DataBuffers.of(p, false, false));
        return new Output(batch, seqLen, hidden, s, p);
      }
    } finally {
      inputs.forEach(Tensor::close);
    }
  }

  @Override
  public void close() {
    try {
      owner.close();
    } catch (Exception e) {
      throw new IllegalStateException("closing the encoder session failed", e);
    }
  }
}
