package dev.jtune.export;

import dev.jtune.artifact.ClassifierSpec;
import dev.jtune.artifact.RunLayout;
import dev.jtune.model.BertConfig;
import dev.jtune.model.ClassifierSavedModel;
import dev.jtune.model.TrainedClassifier;
import java.nio.file.Path;
import java.util.List;

/**
 * A finished training run as the exporter reads it: the run folder ({@link RunLayout}) and the
 * classifier read back from its {@code model/} ({@link ClassifierSavedModel#read}).
 */
public record TrainedRun(RunLayout folder, TrainedClassifier model) {

  /** Checks the run folder and reads its model; every problem is one {@link dev.jtune.JtuneException} line. */
  public static TrainedRun load(Path runDir) {
    RunLayout folder = RunLayout.finished(runDir);
    return new TrainedRun(folder, ClassifierSavedModel.read(folder.modelDir()));
  }

  public Path runDir() {
    return folder.dir();
  }

  public String name() {
    return folder.name();
  }

  public Path modelDir() {
    return folder.modelDir();
  }

  /** A file of {@code model/assets/}. */
  public Path asset(String file) {
    return folder.asset(file);
  }

  public BertConfig config() {
    return model.config();
  }

  public ClassifierSpec classifier() {
    return model.classifier();
  }

  public List<String> labels() {
    return model.labels();
  }
}
