package dev.jtune.export;

import dev.jtune.artifact.ClassifierSpec;
import dev.jtune.model.TrainedClassifier;
import java.util.List;
import dev.jtune.artifact.Pooling;
import dev.jtune.model.BertConfig;
import dev.jtune.model.EncoderParameter;
import dev.jtune.model.EncoderWeights;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.tensorflow.ndarray.Shape;

/**
 * The clean inference graph of a classifier over any (tiny) encoder architecture, with seeded
 * random weights large enough that attention is far from uniform (so a head laid out wrongly
 * would change the outputs), and random padded token rows to feed it.
 */
final class TinyClassifier {
  static final int LABELS = 3;
  /** TINY (hidden 32, 4 heads of 8, FFN 64) with 3 heads and FFN 48 in layer 0, 1 head and FFN 40 in layer 1. */
  static final BertConfig PRUNED = BertConfig.tiny(BertConfig.Pooler.DENSE)
      .withLayerShapes(List.of(new BertConfig.LayerShape(3, 48), new BertConfig.LayerShape(1, 40)));

  /** {@link #PRUNED} with no head left in layer 1 (its attention block is its output bias). */
  static final BertConfig HEADLESS_LAYER = BertConfig.tiny(BertConfig.Pooler.DENSE)
      .withLayerShapes(List.of(new BertConfig.LayerShape(3, 48), new BertConfig.LayerShape(0, 40)));

  private TinyClassifier() {}

  static InferenceModel build(BertConfig config, Pooling pooling, long seed) {
    Random r = new Random(seed);
    Map<String, EncoderWeights.Weight> encoder = new LinkedHashMap<>();
    for (EncoderParameter p : config.parameters()) {
      String leaf = p.name().substring(p.name().lastIndexOf('/') + 1);
      float[] v = new float[(int) p.shape().size()];
      for (int i = 0; i < v.length; i++) {
        double g = r.nextGaussian();
        v[i] = (float) (leaf.equals("gamma") ? 1 + 0.1 * g : leaf.equals("beta") || leaf.equals("bias") ? 0.1 * g : 0.3 * g);
      }
      encoder.put(p.name(), new EncoderWeights.Weight(p.shape(), v));
    }
    float[] kernel = new float[config.hiddenSize() * LABELS], bias = new float[LABELS];
    for (int i = 0; i < kernel.length; i++) kernel[i] = (float) (0.5 * r.nextGaussian());
    for (int i = 0; i < bias.length; i++) bias[i] = (float) (0.1 * r.nextGaussian());
    List<String> labels = java.util.stream.IntStream.range(0, LABELS).mapToObj(i -> "class" + i).toList();
    ClassifierSpec spec = new ClassifierSpec(pooling, 1, labels, config.maxPositionEmbeddings());
    return InferenceModel.of(new TrainedClassifier(config, spec, EncoderWeights.of(encoder),
        new EncoderWeights.Weight(Shape.of(config.hiddenSize(), LABELS), kernel), new EncoderWeights.Weight(Shape.of(LABELS), bias), 0));
  }

  /**
   * {ids, mask, types} of {@code rows} rows padded to {@code seq}: [CLS] = 2 first, ids 4..99,
   * lengths from 2 to {@code seq} (the first row full), type 1 in the second half of each row.
   */
  static int[][] tokenRows(Random r, int rows, int seq) {
    int[] ids = new int[rows * seq], mask = new int[rows * seq], types = new int[rows * seq];
    for (int b = 0; b < rows; b++) {
      int len = b == 0 ? seq : 2 + r.nextInt(seq - 1);
      for (int t = 0; t < len; t++) {
        ids[b * seq + t] = t == 0 ? 2 : 4 + r.nextInt(96);
        mask[b * seq + t] = 1;
        types[b * seq + t] = t < len / 2 ? 0 : 1;
      }
    }
    return new int[][] {ids, mask, types};
  }

  static double maxAbsDiff(float[][] a, float[][] b) {
    double max = 0;
    for (int i = 0; i < a.length; i++) for (int j = 0; j < a[i].length; j++) max = Math.max(max, Math.abs(a[i][j] - b[i][j]));
    return max;
  }
}
