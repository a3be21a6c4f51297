package dev.jtune.artifact;

import java.util.List;

/**
 * The names every jtune classifier graph and artifact share: the {@code serving_default}
 * signature's three int32 encoder inputs and its two float outputs, as TF Serving, ONNX Runtime,
 * TFLite and the Java runtimes see them.
 */
public final class ClassifierTensors {
  public static final String SIGNATURE_KEY = "serving_default";
  /** The method name TF Serving's Predict API expects. */
  public static final String PREDICT_METHOD = "tensorflow/serving/predict";
  public static final String INPUT_WORD_IDS = "input_word_ids";
  public static final String INPUT_MASK = "input_mask";
  public static final String INPUT_TYPE_IDS = "input_type_ids";
  /** The inputs in the order every runtime takes them. */
  public static final List<String> INPUTS = List.of(INPUT_WORD_IDS, INPUT_MASK, INPUT_TYPE_IDS);
  public static final String LOGITS = "logits";
  public static final String PROBABILITIES = "probabilities";
  /** The head's variables, under the names checkpoints and SavedModels give them. */
  public static final String HEAD_KERNEL = "classifier/kernel";
  public static final String HEAD_BIAS = "classifier/bias";
  /** The wide part's table of a wide-and-deep head ({@code wide_buckets} > 0 in classifier.json). */
  public static final String HEAD_WIDE = "classifier/wide";

  private ClassifierTensors() {}
}
