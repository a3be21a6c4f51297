package dev.jtune.artifact;

import dev.jtune.JtuneException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * Where things are in a training run folder ({@code runs/<run>/}), as {@code jtune train} writes it
 * and {@code evaluate} and {@code export} read it:
 *
 * <pre>
 * config.json       effective training config (its "data" names the dataset folder)
 * metrics.json      best validation and test metrics, timings
 * history.csv report.md provenance.json loss.png metrics.png learning_rate.png confusion_matrix.png
 * per_class.png quality_speed.png (when the run has models to compare with)
 * checkpoints/      last.ckpt (resume) and best.ckpt
 * tensorboard/      events.out.tfevents.&lt;time&gt;.&lt;host&gt; (one per process that trained the run)
 * model/            the trained classifier: inference SavedModel + assets/ (bert_config.json,
 *                   tokenizer.json, labels.txt, classifier.json) and README.md (its model card)
 * </pre>
 */
public record RunLayout(Path dir) {
  public static final String CONFIG_FILE = "config.json";
  public static final String METRICS_FILE = "metrics.json";
  public static final String HISTORY_FILE = "history.csv";
  public static final String REPORT_FILE = "report.md";
  public static final String PROVENANCE_FILE = "provenance.json";
  public static final String MODEL_DIR = "model";
  public static final String CHECKPOINT_DIR = "checkpoints";
  /** TensorBoard's event files of the run ({@code tensorboard --logdir runs/} shows each run as one). */
  public static final String TENSORBOARD_DIR = "tensorboard";
  /** Inside {@link #MODEL_DIR}: the model card. */
  public static final String MODEL_CARD_FILE = "README.md";
  /** Inside {@link #MODEL_DIR}: the SavedModel's assets folder. */
  public static final String ASSETS_DIR = "assets";
  /** Inside {@link #ASSETS_DIR}: the class labels, one per line (line index = class id). */
  public static final String LABELS_FILE = "labels.txt";
  /** The charts a run draws, at its top. */
  public static final List<String> CHARTS = List.of("loss.png", "metrics.png", "learning_rate.png", "confusion_matrix.png",
      "per_class.png", "quality_speed.png");
  /** The files a run writes at its top, besides checkpoints/, tensorboard/ and model/. */
  public static final Set<String> TOP_FILES = java.util.stream.Stream.concat(
      java.util.stream.Stream.of(CONFIG_FILE, METRICS_FILE, HISTORY_FILE, REPORT_FILE, PROVENANCE_FILE), CHARTS.stream())
      .collect(java.util.stream.Collectors.toUnmodifiableSet());

  public RunLayout {
    if (dir == null) throw new IllegalArgumentException("a run folder is needed");
  }

  /** The run's name: its folder's name. */
  public String name() {
    return dir.toAbsolutePath().normalize().getFileName().toString();
  }

  public Path config() {
    return dir.resolve(CONFIG_FILE);
  }

  public Path metrics() {
    return dir.resolve(METRICS_FILE);
  }

  /** The trained classifier's SavedModel folder. */
  public Path modelDir() {
    return dir.resolve(MODEL_DIR);
  }

  /** A file of the trained classifier's assets ({@code model/assets/<file>}). */
  public Path asset(String file) {
    return modelDir().resolve(ASSETS_DIR).resolve(file);
  }

  /**
   * This layout when {@code dir} holds a finished run (a run folder with {@code
   * model/saved_model.pb} and {@code model/variables/}); otherwise one {@link JtuneException} line
   * naming what is missing.
   */
  public static RunLayout finished(Path dir) {
    if (!Files.isDirectory(dir)) {
      throw new JtuneException(dir + ": no such run folder; pass --run runs/<run> of a finished training run");
    }
    RunLayout run = new RunLayout(dir);
    Path model = run.modelDir();
    if (!Files.isRegularFile(model.resolve("saved_model.pb")) || !Files.isDirectory(model.resolve("variables"))) {
      throw new JtuneException(dir + ": no finished model (model/saved_model.pb and model/variables/ are missing); "
          + "finish training first (jtune train)");
    }
    return run;
  }
}
