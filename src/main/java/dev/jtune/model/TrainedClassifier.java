package dev.jtune.model;

import dev.jtune.artifact.ClassifierSpec;
import java.util.List;

/**
 * A trained classifier as read back from its SavedModel ({@link ClassifierSavedModel#read}): the
 * encoder's architecture and values, the head's values and the {@code classifier.json} that says
 * how they fit together. Pruning masks are already multiplied in ({@code foldedMasks} of them).
 */
public record TrainedClassifier(
    BertConfig config,
    ClassifierSpec classifier,
    EncoderWeights encoderWeights,
    EncoderWeights.Weight headKernel,
    EncoderWeights.Weight headBias,
    int foldedMasks) {

  /** The class labels (index = class id). */
  public List<String> labels() {
    return classifier.labels();
  }
}
