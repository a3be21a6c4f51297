package dev.jtune.export;

import dev.jtune.JtuneException;
import dev.jtune.export.tflite.TflitePrecision;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Set;

/**
 * What {@code jtune export} does, validated at construction.
 *
 * @param runDir finished training run folder ({@code runs/<run>})
 * @param outDir model base folder of all exports ({@code exports})
 * @param formats artifacts to write (any subset of savedmodel, tflite, onnx)
 * @param modelName folder name under {@code outDir}; null = the run folder's name
 * @param savedModelPrecision float32, or bfloat16 for a SavedModel that stores and multiplies in bfloat16
 * @param tfliteVariants TFLite weight precisions to write
 * @param tfliteSeqLen fixed sequence length of the TFLite inputs; 0 = the run's max_seq_len
 * @param data prepared dataset for the parity check; null = the {@code data} of the run's config.json
 * @param split dataset split the parity check scores
 * @param parityLimit score at most this many examples (0 = the whole split)
 * @param parity false skips the parity check (sizes only)
 * @param batchSize batch size of the batch-latency measurement
 * @param force also add a version to a model folder that holds other entries than version folders
 */
public record ExportConfig(
    Path runDir,
    Path outDir,
    Set<ExportFormat> formats,
    String modelName,
    SavedModelPrecision savedModelPrecision,
    Set<TflitePrecision> tfliteVariants,
    int tfliteSeqLen,
    Path data,
    String split,
    int parityLimit,
    boolean parity,
    int batchSize,
    boolean force) {

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

  public ExportConfig {
    if (runDir == null) throw new JtuneException("--run is required: the run folder (runs/<run>) to export");
    if (outDir == null) outDir = Path.of("exports");
    if (formats == null || formats.isEmpty()) formats = EnumSet.allOf(ExportFormat.class);
    formats = Set.copyOf(formats);
    if (savedModelPrecision == null) savedModelPrecision = SavedModelPrecision.FP32;
    if (tfliteVariants == null || tfliteVariants.isEmpty()) tfliteVariants = EnumSet.allOf(TflitePrecision.class);
    tfliteVariants = Set.copyOf(tfliteVariants);
    if (tfliteSeqLen < 0) throw new JtuneException("--tflite-seq-len must be >= 2 (or 0 for the run's max_seq_len), got " + tfliteSeqLen);
    if (split == null || split.isBlank()) split = "test";
    if (!Set.of("train", "val", "test").contains(split)) throw new JtuneException("--split must be train, val or test, got " + split);
    if (parityLimit < 0) throw new JtuneException("--limit must be >= 0, got " + parityLimit);
    if (batchSize < 1) throw new JtuneException("--batch-size must be >= 1, got " + batchSize);
  }

  /** Without {@code force}. */
  public ExportConfig(Path runDir, Path outDir, Set<ExportFormat> formats, String modelName, SavedModelPrecision savedModelPrecision,
      Set<TflitePrecision> tfliteVariants, int tfliteSeqLen, Path data, String split, int parityLimit, boolean parity, int batchSize) {
    this(runDir, outDir, formats, modelName, savedModelPrecision, tfliteVariants, tfliteSeqLen, data, split, parityLimit, parity, batchSize, false);
  }

  public ExportConfig withOut(Path newOut) {
    return new ExportConfig(runDir, newOut, formats, modelName, savedModelPrecision, tfliteVariants, tfliteSeqLen, data, split, parityLimit, parity, batchSize, force);
  }

  /** The same config with {@code list} (e.g. "savedmodel,onnx") as formats. */
  public ExportConfig withFormats(String list) {
    return new ExportConfig(runDir, outDir, ExportFormat.parseList(list), modelName, savedModelPrecision, tfliteVariants, tfliteSeqLen, data, split, parityLimit, parity, batchSize, force);
  }

  public ExportConfig withParity(boolean check) {
    return new ExportConfig(runDir, outDir, formats, modelName, savedModelPrecision, tfliteVariants, tfliteSeqLen, data, split, parityLimit, check, batchSize, force);
  }

  public ExportConfig withPrecision(SavedModelPrecision p) {
    return new ExportConfig(runDir, outDir, formats, modelName, p, tfliteVariants, tfliteSeqLen, data, split, parityLimit, parity, batchSize, force);
  }

  public ExportConfig withForce(boolean add) {
    return new ExportConfig(runDir, outDir, formats, modelName, savedModelPrecision, tfliteVariants, tfliteSeqLen, data, split, parityLimit, parity, batchSize, add);
  }

  /** Defaults for everything but the run folder. */
  public static ExportConfig of(Path runDir) {
    return new ExportConfig(runDir, null, null, null, null, null, 0, null, null, 0, true, 32);
  }
}
