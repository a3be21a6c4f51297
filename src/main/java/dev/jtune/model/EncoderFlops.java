package dev.jtune.model;

/**
 * Floating-point operations of an encoder's transformer layers on a padded batch, counted the usual
 * way (2 per multiply-add of the matrix products; softmax, LayerNorm, GELU and the embedding lookup
 * are left out, a few percent at these sizes). Padded positions are counted: the hardware computes
 * them. Training counts the forward pass of every layer plus twice the forward of the layers that
 * train (gradients with respect to activations and to weights), the common 3x rule.
 */
public final class EncoderFlops {
  private EncoderFlops() {}

  /** Forward FLOPs of layers {@code [from, to)} on a [batch, seqLen] batch. */
  public static double forward(BertConfig c, int batch, int seqLen, int from, int to) {
    double tokens = (double) batch * seqLen, h = c.hiddenSize(), total = 0;
    for (int layer = from; layer < to; layer++) {
      double a = c.attentionWidth(layer), inner = c.layerShape(layer).intermediateSize();
      total += 2 * tokens * h * 3 * a // query, key, value projections
          + 2 * 2 * tokens * seqLen * a // scores and the weighted sum of values
          + 2 * tokens * a * h // attention output projection
          + 2 * 2 * tokens * h * inner; // feed-forward up and down
    }
    return total;
  }

  /** Forward FLOPs of the whole encoder on a [batch, seqLen] batch. */
  public static double forward(BertConfig c, int batch, int seqLen) {
    return forward(c, batch, seqLen, 0, c.numHiddenLayers());
  }

  /** FLOPs of one training step on a [batch, seqLen] batch whose layers from {@code firstTrained} on train. */
  public static double trainingStep(BertConfig c, int batch, int seqLen, int firstTrained) {
    return forward(c, batch, seqLen) + 2 * forward(c, batch, seqLen, Math.max(0, firstTrained), c.numHiddenLayers());
  }
}
