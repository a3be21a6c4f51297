package dev.jtune.model;

/**
 * An encoder architecture with the values of all its parameters: what an ONNX import or a
 * SavedModel load yields, and what a trainer starts from.
 */
public record PretrainedEncoder(BertConfig config, EncoderWeights weights) {
  public PretrainedEncoder {
    weights.requireMatches(config, "encoder");
  }

  /**
   * This encoder with only the transformer layers {@code layers} (0-based, rising), which become
   * layers 0..K-1 in that order; the embeddings and the pooler are kept. A student cut from its
   * teacher starts from this.
   */
  public PretrainedEncoder keepLayers(int[] layers) {
    if (layers.length == 0) throw new IllegalArgumentException("keep at least one layer");
    java.util.List<BertConfig.LayerShape> shapes = new java.util.ArrayList<>();
    for (int i = 0; i < layers.length; i++) {
      if (layers[i] < 0 || layers[i] >= config.numHiddenLayers() || (i > 0 && layers[i] <= layers[i - 1])) {
        throw new IllegalArgumentException("layers must rise and lie in 0.." + (config.numHiddenLayers() - 1) + ": "
            + java.util.Arrays.toString(layers));
      }
      shapes.add(config.layerShape(layers[i]));
    }
    BertConfig c = config;
    BertConfig cut = new BertConfig(c.vocabSize(), c.hiddenSize(), layers.length, c.numAttentionHeads(), c.intermediateSize(),
        c.maxPositionEmbeddings(), c.typeVocabSize(), c.layerNormEps(), c.hiddenAct(), c.pooler(), shapes);
    java.util.Map<String, EncoderWeights.Weight> out = new java.util.LinkedHashMap<>();
    for (EncoderParameter p : cut.parameters()) {
      String from = p.block() == EncoderParameter.Block.LAYER
          ? BertConfig.layerPrefix(layers[p.layer()]) + p.name().substring(BertConfig.layerPrefix(p.layer()).length())
          : p.name();
      out.put(p.name(), weights.get(from));
    }
    return new PretrainedEncoder(cut, EncoderWeights.of(out));
  }
}
