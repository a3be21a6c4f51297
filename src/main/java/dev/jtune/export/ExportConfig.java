package dev.jtune.export;

import dev.jtune.JtuneException;
import dev.jtune.export.tflite.TflitePrecision;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * What {@code jtune export} does, validated at construction: the finished run to export and three
 * groups, where the version goes ({@link Output}), which artifacts ({@link Artifacts}) and the
 * parity check ({@link Parity}). {@link #builder} starts from the defaults of every field, the
 * same as the CLI's.
 *
 * @param runDir finished training run folder ({@code runs/<run>})
 */
public record ExportConfig(Path runDir, Output output, Artifacts artifacts, Parity parity) {

  /** Parity examples checked by default: enough to catch a broken artifact, few enough for a slow runtime (LiteRT.js). */
  public static final int DEFAULT_PARITY_EXAMPLES = 200;

  /** Number formats of the SavedModel's weights and matrix products. */
  public enum SavedModelPrecision {
    FP32,
    BF16;

    public static SavedModelPrecision parse(String s) {
      return switch (s.trim().toLowerCase(java.util.Locale.ROOT)) {
        case "fp32", "float32" -> FP32;
        case "bf16", "bfloat16" -> BF16;
        default -> throw new JtuneException("unknown --precision '" + s + "': use fp32 or bf16");
      };
    }
  }

  /**
   * Where the new version goes: {@code <baseDir>/<modelName>/<next version>/}.
   *
   * @param baseDir model base folder of all exports; null = {@code exports}
   * @param modelName folder name under {@code baseDir}; null = the run folder's name
   * @param force also add a version to a model folder that holds other entries than version folders
   */
  public record Output(Path baseDir, String modelName, boolean force) {
    public Output {
      if (baseDir == null) baseDir = Path.of("exports");
    }
  }

  /**
   * Which artifacts are written.
   *
   * @param formats any subset of savedmodel, tflite, onnx; null or empty = all
   * @param savedModelPrecision float32, or bfloat16 for a SavedModel that stores and multiplies in bfloat16; null = float32
   * @param tfliteVariants TFLite weight precisions to write; null or empty = all
   * @param tfliteSeqLen fixed sequence length of the TFLite inputs; 0 = the run's max_seq_len
   */
  public record Artifacts(Set<ExportFormat> formats, SavedModelPrecision savedModelPrecision, Set<TflitePrecision> tfliteVariants,
      int tfliteSeqLen) {
    public Artifacts {
      formats = formats == null || formats.isEmpty() ? Set.copyOf(EnumSet.allOf(ExportFormat.class)) : Set.copyOf(formats);
      if (savedModelPrecision == null) savedModelPrecision = SavedModelPrecision.FP32;
      tfliteVariants = tfliteVariants == null || tfliteVariants.isEmpty() ? Set.copyOf(EnumSet.allOf(TflitePrecision.class)) : Set.copyOf(tfliteVariants);
      if (tfliteSeqLen < 0) throw new JtuneException("--tflite-seq-len must be >= 2 (or 0 for the run's max_seq_len), got " + tfliteSeqLen);
    }
  }

  /**
   * The parity check of every artifact against the training graph.
   *
   * @param enabled false skips it (the report then lists sizes only)
   * @param data prepared dataset; null = the {@code data} of the run's config.json
   * @param split dataset split it scores; null = test
   * @param limit score at most this many examples, the first of the split (0 = the whole split; default {@link #DEFAULT_PARITY_EXAMPLES})
   * @param batchSize batch size of the batch-latency measurement
   */
  public record Parity(boolean enabled, Path data, String split, int limit, int batchSize) {
    public Parity {
      if (split == null || split.isBlank()) split = "test";
      if (!Set.of("train", "val", "test").contains(split)) throw new JtuneException("--split must be train, val or test, got " + split);
      if (limit < 0) throw new JtuneException("--parity-examples must be a number >= 0 or 'all', got " + limit);
      if (batchSize < 1) throw new JtuneException("--batch-size must be >= 1, got " + batchSize);
    }
  }

  public ExportConfig {
    if (runDir == null) throw new JtuneException("--run is required: the run folder (runs/<run>) to export");
    Objects.requireNonNull(output, "output");
    Objects.requireNonNull(artifacts, "artifacts");
    Objects.requireNonNull(parity, "parity");
  }

  /** Defaults for everything but the run folder. */
  public static ExportConfig of(Path runDir) {
    return builder(runDir).build();
  }

  /**
   * A builder holding the defaults: every format and TFLite variant, fp32, parity on the first
   * {@link #DEFAULT_PARITY_EXAMPLES} examples of the test split in batches of 32.
   */
  public static Builder builder(Path runDir) {
    return new Builder(runDir);
  }

  /** A builder holding this config's values. */
  public Builder toBuilder() {
    return builder(runDir).baseDir(output.baseDir()).modelName(output.modelName()).force(output.force())
        .formats(artifacts.formats()).savedModelPrecision(artifacts.savedModelPrecision()).tfliteVariants(artifacts.tfliteVariants())
        .tfliteSeqLen(artifacts.tfliteSeqLen())
        .parity(parity.enabled()).data(parity.data()).split(parity.split()).limit(parity.limit()).batchSize(parity.batchSize());
  }

  public ExportConfig withOut(Path newOut) {
    return toBuilder().baseDir(newOut).build();
  }

  /** The same config with {@code list} (e.g. "savedmodel,onnx") as formats. */
  public ExportConfig withFormats(String list) {
    return toBuilder().formats(ExportFormat.parseList(list)).build();
  }

  public ExportConfig withParity(boolean check) {
    return toBuilder().parity(check).build();
  }

  public ExportConfig withPrecision(SavedModelPrecision p) {
    return toBuilder().savedModelPrecision(p).build();
  }

  public ExportConfig withForce(boolean add) {
    return toBuilder().force(add).build();
  }

  /** Collects the fields one by one; {@link #build} validates them. Not thread-safe. */
  public static final class Builder {
    private final Path runDir;
    private Path baseDir;
    private String modelName;
    private boolean force;
    private Set<ExportFormat> formats;
    private SavedModelPrecision savedModelPrecision;
    private Set<TflitePrecision> tfliteVariants;
    private int tfliteSeqLen;
    private boolean parity = true;
    private Path data;
    private String split;
    private int limit = DEFAULT_PARITY_EXAMPLES;
    private int batchSize = 32;

    private Builder(Path runDir) {
      this.runDir = runDir;
    }

    /** The model base folder ({@code --out}). */
    public Builder baseDir(Path v) {
      baseDir = v;
      return this;
    }

    public Builder modelName(String v) {
      modelName = v;
      return this;
    }

    public Builder force(boolean v) {
      force = v;
      return this;
    }

    public Builder formats(Set<ExportFormat> v) {
      formats = v;
      return this;
    }

    public Builder savedModelPrecision(SavedModelPrecision v) {
      savedModelPrecision = v;
      return this;
    }

    public Builder tfliteVariants(Set<TflitePrecision> v) {
      tfliteVariants = v;
      return this;
    }

    public Builder tfliteSeqLen(int v) {
      tfliteSeqLen = v;
      return this;
    }

    /** Whether to run the parity check ({@code --no-parity} turns it off). */
    public Builder parity(boolean v) {
      parity = v;
      return this;
    }

    public Builder data(Path v) {
      data = v;
      return this;
    }

    public Builder split(String v) {
      split = v;
      return this;
    }

    /** At most this many parity examples ({@code --parity-examples}), 0 = all. */
    public Builder limit(int v) {
      limit = v;
      return this;
    }

    public Builder batchSize(int v) {
      batchSize = v;
      return this;
    }

    public ExportConfig build() {
      if (runDir == null) throw new JtuneException("--run is required: the run folder (runs/<run>) to export");
      return new ExportConfig(runDir, new Output(baseDir, modelName, force),
          new Artifacts(formats, savedModelPrecision, tfliteVariants, tfliteSeqLen), new Parity(parity, data, split, limit, batchSize));
    }
  }
}
