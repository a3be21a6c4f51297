package dev.jtune.export.ir;

/**
 * The runtime-neutral operations an inference computation is lowered to. Every writer (TFLite,
 * ONNX) maps each kind to its own operators; a kind a writer cannot express is reported by that
 * writer. Attributes are listed per kind.
 */
public enum OpKind {
  /** inputs: x [..., in], kernel [in, out] (constant), optional bias [out] (constant). */
  DENSE,
  /** inputs: a, b; attrs: adj_x, adj_y (booleans). Rank 2 to 4. */
  BATCH_MATMUL,
  /** inputs: params, indices; attr: axis (int). */
  GATHER,
  ADD,
  SUB,
  MUL,
  DIV,
  SQUARED_DIFFERENCE,
  MAXIMUM,
  MINIMUM,
  /** floor modulo (the result has the sign of the divisor), int32; TF FloorMod. */
  FLOOR_MOD,
  POW,
  SQUARE,
  RSQRT,
  SQRT,
  TANH,
  EXP,
  NEG,
  RELU,
  SIGMOID,
  ERF,
  /** attr: approximate (boolean; false = exact erf form). */
  GELU,
  /** softmax over the last axis. */
  SOFTMAX,
  /** inputs: x, shape (int32 1-D). */
  RESHAPE,
  /** inputs: x, perm (int32 constant). */
  TRANSPOSE,
  /** inputs: x, axes (int32 constant); attr: keep_dims. */
  MEAN,
  /** inputs: x, axes (int32 constant); attr: keep_dims. */
  SUM,
  /** attr: to (ElementType). */
  CAST,
  /** inputs: x, axis (int32 scalar constant). */
  EXPAND_DIMS,
  /** attr: axes (int[]). */
  SQUEEZE,
  /**
   * inputs: x, begin, end, strides (int32 constants); attrs: begin_mask, end_mask,
   * shrink_axis_mask (ints, TF semantics).
   */
  STRIDED_SLICE,
  /** inputs: x, begin, size (int32 constants; size -1 = to the end). */
  SLICE,
  /** int32 shape of the input. */
  SHAPE,
  /** inputs: dims (int32 1-D), value (scalar); a tensor of shape dims filled with value. */
  FILL,
  /** attr: axis (int); stacks the inputs along a new axis. */
  PACK,
  /** attr: axis (int); the last input is NOT the axis (already folded into the attr). */
  CONCAT
}
