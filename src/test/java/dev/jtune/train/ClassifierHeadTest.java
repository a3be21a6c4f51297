package dev.jtune.train;

import dev.jtune.model.ClassifierHead;
import dev.jtune.artifact.Pooling;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jtune.data.TokenBatch;
import dev.jtune.model.BertConfig;
import dev.jtune.model.BertEncoder;
import dev.jtune.model.EncoderWeights;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/** The head's pooled features over the top K layers, checked against encoders cut after each layer. */
class ClassifierHeadTest {
  private static final BertConfig TWO = TinyEncoder.CONFIG;
  private static final BertConfig ONE = new BertConfig(TWO.vocabSize(), TWO.hiddenSize(), 1, TWO.numAttentionHeads(),
      TWO.intermediateSize(), TWO.maxPositionEmbeddings(), TWO.typeVocabSize(), TWO.layerNormEps(), TWO.hiddenAct(), TWO.pooler());
  // two rows of different length, so the mean must respect the mask
  private static final TokenBatch BATCH = TokenBatch.of(List.of(new int[] {1, 9, 7, 44, 2}, new int[] {1, 30, 2}));

  @Test
  void poolingLowerLayersNeedsNoOpOfTheLayersAboveThem() {
    try (Graph g = new Graph()) {
      BertEncoder enc = BertEncoder.build(g, TWO, BertEncoder.Options.inference());
      for (Pooling pooling : Pooling.values()) {
        Operand<TFloat32> lower = ClassifierHead.layersPooled(org.tensorflow.op.Ops.create(g), enc, pooling, 0, 1);
        // everything the pooled vector depends on: none of it may come from layer 1 (the layer cache's
        // pass fetches it, and must not pay for the layers it leaves to training)
        java.util.Set<String> seen = new java.util.HashSet<>();
        java.util.ArrayDeque<org.tensorflow.GraphOperation> todo = new java.util.ArrayDeque<>();
        todo.add((org.tensorflow.GraphOperation) lower.op());
        while (!todo.isEmpty()) {
          org.tensorflow.GraphOperation op = todo.pop();
          if (!seen.add(op.name())) continue;
          assertFalse(op.name().startsWith("bert/encoder/layer_1/"), pooling + " pooling of layer 0 reaches " + op.name());
          for (int i = 0; i < op.numInputs(); i++) todo.add((org.tensorflow.GraphOperation) op.input(i).op());
          todo.addAll(op.controlInputs());
        }
        assertTrue(seen.stream().anyMatch(n -> n.startsWith("bert/encoder/layer_0/")), "it does read layer 0");
      }
    }
  }

  @Test
  void topLayersConcatenateThePooledOutputOfEachLayer() {
    int h = TWO.hiddenSize();
    for (Pooling pooling : Pooling.values()) {
      float[] both = run(TWO, TrainerTest.PRETRAINED, (e, p) -> ClassifierHead.pooled(e, p, 2), pooling);
      float[] last = run(TWO, TrainerTest.PRETRAINED, ClassifierHead::pooled, pooling);
      // an encoder with only layer 0 (same embeddings and layer-0 weights) outputs what layer 0 hands to layer 1
      float[] first = run(ONE, firstLayerOnly(TrainerTest.PRETRAINED), ClassifierHead::pooled, pooling);
      assertEquals(BATCH.size() * 2 * h, both.length);
      for (int row = 0; row < BATCH.size(); row++) {
        for (int k = 0; k < h; k++) {
          assertEquals(first[row * h + k], both[row * 2 * h + k], 1e-5, pooling + " layer 0, row " + row);
          assertEquals(last[row * h + k], both[row * 2 * h + h + k], 1e-6, pooling + " layer 1, row " + row);
        }
      }
    }
  }

  @Test
  void oneLayerIsTheLastLayerAndTooManyIsRefused() {
    float[] one = run(TWO, TrainerTest.PRETRAINED, (e, p) -> ClassifierHead.pooled(e, p, 1), Pooling.MEAN);
    float[] last = run(TWO, TrainerTest.PRETRAINED, (e, p) -> e.meanOutput(), Pooling.MEAN);
    org.junit.jupiter.api.Assertions.assertArrayEquals(last, one);
    assertThrows(IllegalArgumentException.class,
        () -> run(TWO, TrainerTest.PRETRAINED, (e, p) -> ClassifierHead.pooled(e, p, 3), Pooling.MEAN));
  }

  private static EncoderWeights firstLayerOnly(EncoderWeights all) {
    Map<String, EncoderWeights.Weight> kept = new LinkedHashMap<>();
    for (Map.Entry<String, EncoderWeights.Weight> e : all.asMap().entrySet()) {
      if (!e.getKey().startsWith("bert/encoder/layer_1/")) kept.put(e.getKey(), e.getValue());
    }
    return EncoderWeights.of(kept);
  }

  private static float[] run(BertConfig config, EncoderWeights weights,
      BiFunction<BertEncoder, Pooling, Operand<TFloat32>> features, Pooling pooling) {
    try (Graph g = new Graph()) {
      BertEncoder enc = BertEncoder.build(g, config, BertEncoder.Options.inference());
      Operand<TFloat32> out = features.apply(enc, pooling);
      Shape shape = Shape.of(BATCH.size(), BATCH.seqLen());
      try (Session s = new Session(g)) {
        s.initialize();
        enc.assign(s, weights);
        try (TInt32 ids = TInt32.tensorOf(shape, DataBuffers.of(BATCH.inputWordIds(), true, false));
            TInt32 mask = TInt32.tensorOf(shape, DataBuffers.of(BATCH.inputMask(), true, false));
            TInt32 types = TInt32.tensorOf(shape, DataBuffers.of(BATCH.inputTypeIds(), true, false));
            Result r = s.runner().feed(enc.inputWordIds(), ids).feed(enc.inputMask(), mask).feed(enc.inputTypeIds(), types)
                .fetch(out).run()) {
          TFloat32 t = (TFloat32) r.get(0);
          float[] values = new float[(int) t.shape().size()];
          t.copyTo(DataBuffers.of(values, false, false));
          return values;
        }
      }
    }
  }
}
