package dev.jtune.model;

/**
 * An encoder architecture with the values of all its parameters: what an ONNX import or a
 * SavedModel load yields, and what a trainer starts from.
 */
public record PretrainedEncoder(BertConfig config, EncoderWeights weights) {
  public PretrainedEncoder {
    weights.requireMatches(config, "encoder");
  }
}
