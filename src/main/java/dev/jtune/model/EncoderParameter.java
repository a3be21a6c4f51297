package dev.jtune.model;

import org.tensorflow.ndarray.Shape;

/**
 * One trainable tensor of a BERT encoder: its checkpoint name, its shape and the block it belongs
 * to, so that a trainer can freeze or unfreeze whole blocks (embeddings, layer N, pooler).
 *
 * @param name BERT checkpoint name, e.g. {@code bert/encoder/layer_3/output/dense/kernel}
 * @param shape tensor shape
 * @param block which part of the encoder holds it
 * @param layer the transformer layer index for {@link Block#LAYER}, otherwise -1
 */
public record EncoderParameter(String name, Shape shape, Block block, int layer) {

  /** Part of the encoder a parameter belongs to, bottom to top. */
  public enum Block {
    EMBEDDINGS,
    LAYER,
    POOLER
  }

  public EncoderParameter {
    if ((block == Block.LAYER) != (layer >= 0)) {
      throw new IllegalArgumentException(name + ": layer index " + layer + " does not fit block " + block);
    }
  }

  static EncoderParameter embeddings(String name, Shape shape) {
    return new EncoderParameter(name, shape, Block.EMBEDDINGS, -1);
  }

  static EncoderParameter layer(int layer, String name, Shape shape) {
    return new EncoderParameter(name, shape, Block.LAYER, layer);
  }

  static EncoderParameter pooler(String name, Shape shape) {
    return new EncoderParameter(name, shape, Block.POOLER, -1);
  }

  /**
   * Distance from the input: 0 for the embeddings, {@code 1 + layer} for a transformer layer,
   * {@code numLayers + 1} for the pooler. "Train the top k layers" is {@code depth > numLayers - k}.
   */
  public int depth(int numLayers) {
    return switch (block) {
      case EMBEDDINGS -> 0;
      case LAYER -> 1 + layer;
      case POOLER -> numLayers + 1;
    };
  }
}
