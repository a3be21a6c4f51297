package dev.jtune.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Cutting an encoder to some of its layers keeps exactly those layers' weights, renumbered, and the rest as is. */
class PretrainedEncoderTest {
  static PretrainedEncoder random(BertConfig c) {
    Random r = new Random(1);
    Map<String, EncoderWeights.Weight> w = new HashMap<>();
    for (EncoderParameter p : c.parameters()) {
      float[] v = new float[(int) p.shape().size()];
      for (int i = 0; i < v.length; i++) v[i] = (float) r.nextGaussian();
      w.put(p.name(), new EncoderWeights.Weight(p.shape(), v));
    }
    return new PretrainedEncoder(c, EncoderWeights.of(w));
  }

  @Test
  void keptLayersAreRenumberedInOrderAndEverythingElseIsKept() {
    BertConfig four = new BertConfig(100, 32, 4, 4, 64, 64, 2, 1e-12, BertConfig.Activation.GELU, BertConfig.Pooler.DENSE);
    PretrainedEncoder e = random(four);
    PretrainedEncoder cut = e.keepLayers(new int[] {1, 3});
    assertEquals(2, cut.config().numHiddenLayers());
    assertEquals(four.hiddenSize(), cut.config().hiddenSize());
    int[] kept = {1, 3};
    java.util.regex.Pattern layer = java.util.regex.Pattern.compile("encoder/layer_(\\d+)/");
    for (String n : cut.weights().names()) {
      java.util.regex.Matcher m = layer.matcher(n);
      String from = m.find() ? m.replaceFirst("encoder/layer_" + kept[Integer.parseInt(m.group(1))] + "/") : n;
      assertArrayEquals(e.weights().get(from).values(), cut.weights().get(n).values(), 0f, n + " <- " + from);
    }
    long perLayer = e.weights().names().stream().filter(n -> n.contains("encoder/layer_0/")).count();
    long outside = e.weights().names().stream().filter(n -> !n.contains("encoder/layer_")).count();
    assertEquals(outside + 2 * perLayer, cut.weights().names().size());
  }

  @Test
  void layersMustRiseAndExist() {
    PretrainedEncoder e = random(BertConfig.tiny(BertConfig.Pooler.MEAN));
    assertThrows(IllegalArgumentException.class, () -> e.keepLayers(new int[] {1, 0}));
    assertThrows(IllegalArgumentException.class, () -> e.keepLayers(new int[] {2}));
    assertThrows(IllegalArgumentException.class, () -> e.keepLayers(new int[] {}));
  }
}
