package dev.jtune.serve;

import dev.jtune.artifact.ClassifierTensors;
import dev.jtune.data.TokenBatch;
import dev.jtune.predict.Predictor;

/**
 * A jtune classifier's {@code serving_default} signature, run on a {@link ServableVersion} (the
 * SavedModel as TF Serving loads it), as a {@link Predictor}. Closing it retires the version, which
 * then closes its session and assets once no request holds it.
 */
public final class ServablePredictor implements Predictor {
  private final ServableVersion version;

  public ServablePredictor(ServableVersion version) {
    this.version = version;
  }

  @Override
  public float[] probabilities(TokenBatch batch) {
    return version.run(ClassifierTensors.SIGNATURE_KEY, ClassifierAssets.inputs(batch)).get(ClassifierTensors.PROBABILITIES).floats();
  }

  @Override
  public void close() {
    version.retire();
  }
}
