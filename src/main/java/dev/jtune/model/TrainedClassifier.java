package dev.jtune.model;

import dev.jtune.artifact.ClassifierSpec;
import java.util.List;

/**
 * A trained classifier as read back from its SavedModel ({@link ClassifierSavedModel#read}): the
 * encoder's architecture and values, the head's values and the {@code classifier.json} that says
 * how they fit together. Pruning masks are already multiplied in ({@code foldedMasks} of them).
 * {@code headWide} is the wide part's table [vocab + wide_buckets, labels], null exactly when
 * {@code classifier.json} has no wide part.
 */
public record TrainedClassifier(
    BertConfig config,
    ClassifierSpec classifier,
    EncoderWeights encoderWeights,
    EncoderWeights.Weight headKernel,
    EncoderWeights.Weight headBias,
    EncoderWeights.Weight headWide,
    int foldedMasks) {
  public TrainedClassifier {
    if (classifier.hasWidePart() != (headWide != null)) {
      throw new IllegalArgumentException(classifier.hasWidePart() ? "classifier.json has a wide part (wide_buckets "
          + classifier.wideBuckets() + ") but no wide table was given" : "a wide table was given for a head without a wide part");
    }
  }

  /** A classifier without a wide part. */
  public TrainedClassifier(BertConfig config, ClassifierSpec classifier, EncoderWeights encoderWeights, EncoderWeights.Weight headKernel,
      EncoderWeights.Weight headBias, int foldedMasks) {
    this(config, classifier, encoderWeights, headKernel, headBias, null, foldedMasks);
  }

  /** The wide table's values, or null without a wide part. */
  public float[] wideValues() {
    return headWide == null ? null : headWide.values();
  }

  /** The class labels (index = class id). */
  public List<String> labels() {
    return classifier.labels();
  }
}
