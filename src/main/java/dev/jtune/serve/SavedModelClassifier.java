package dev.jtune.serve;

import dev.jtune.data.TokenBatch;

/** The exported SavedModel's {@code serving_default} signature, run with TF-Java. */
public final class SavedModelClassifier implements TextClassifier {
  private final ServableVersion version;

  public SavedModelClassifier(ServableVersion version) {
    this.version = version;
  }

  @Override
  public float[] probabilities(TokenBatch batch) {
    return version.run("serving_default", ClassifierAssets.inputs(batch)).get(ClassifierAssets.PROBABILITIES).floats();
  }

  @Override
  public void close() {
    version.retire();
  }
}
