package dev.jtune.cli;

import dev.jtune.export.ExportConfig;
import dev.jtune.export.ExportFormat;
import dev.jtune.export.ModelExporter;
import dev.jtune.export.tflite.TflitePrecision;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code jtune export}: write a trained run as SavedModel (TF Serving), TFLite and ONNX, with a parity report. */
@Command(
    name = "export",
    mixinStandardHelpOptions = true,
    description = "Export a trained run as deployment artifacts into <out>/<model-name>/<next version>/ and check each one "
        + "against the training graph (export-report.json).")
public final class ExportCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--run", required = true, description = "Finished training run folder (runs/<run>).")
  Path run;

  @Option(names = "--format", defaultValue = "savedmodel,tflite,onnx",
      description = "Artifacts, any comma-separated subset of savedmodel, tflite, onnx (default: ${DEFAULT-VALUE}).")
  String format;

  @Option(names = "--out", defaultValue = "exports", description = "Model base folder (default: ${DEFAULT-VALUE}). A new version "
      + "folder is added under <out>/<name>/, which must be absent, empty or hold only version folders; nothing is replaced.")
  Path out;

  @Option(names = "--force", description = "Also add the version when <out>/<name> holds other entries than version folders (they are kept).")
  boolean force;

  @Option(names = "--name", description = "Model name, the folder under --out (default: the run folder's name).")
  String name;

  @Option(names = "--precision", defaultValue = "fp32",
      description = "SavedModel weights and matrix products: fp32, or bf16 (dense layers in bfloat16) (default: ${DEFAULT-VALUE}).")
  String precision;

  @Option(names = "--tflite-variants", split = ",", defaultValue = "float32,float16,int8",
      description = "TFLite weight precisions: float32, float16, int8 (default: ${DEFAULT-VALUE}).")
  List<String> tfliteVariants;

  @Option(names = "--tflite-seq-len", defaultValue = "0",
      description = "Fixed sequence length of the TFLite inputs [1, N]; 0 = the run's max_seq_len (default).")
  int tfliteSeqLen;

  @Option(names = "--data", description = "Prepared dataset for the parity check (default: the data folder named in the run's config.json).")
  Path data;

  @Option(names = "--split", defaultValue = "test", description = "Dataset split the parity check scores (default: ${DEFAULT-VALUE}).")
  String split;

  @Option(names = {"--parity-examples", "--limit"}, defaultValue = "200", converter = ParityExamples.class, paramLabel = "N|all",
      description = "Check parity on the first N examples of the split, or all of them (default: ${DEFAULT-VALUE}).")
  int limit;

  @Option(names = "--no-parity", description = "Skip the parity check (the report then lists sizes only).")
  boolean noParity;

  @Option(names = "--batch-size", defaultValue = "32", description = "Batch size of the batch-latency measurement (default: ${DEFAULT-VALUE}).")
  int batchSize;

  @Override
  public Integer call() throws Exception {
    Set<TflitePrecision> variants = EnumSet.noneOf(TflitePrecision.class);
    tfliteVariants.forEach(v -> variants.add(TflitePrecision.parse(v)));
    ExportConfig config = ExportConfig.builder(run).baseDir(out).modelName(name).force(force)
        .formats(ExportFormat.parseList(format)).savedModelPrecision(ExportConfig.SavedModelPrecision.parse(precision))
        .tfliteVariants(variants).tfliteSeqLen(tfliteSeqLen)
        .parity(!noParity).data(data).split(split).limit(limit).batchSize(batchSize)
        .build();
    ModelExporter.Result result = ModelExporter.export(config, spec.commandLine().getErr());
    spec.commandLine().getOut().print(result.report().toTable());
    spec.commandLine().getOut().println("wrote " + result.versionDir());
    return result.report().allChecksPassed() ? 0 : 1;
  }

  /** A count of examples, or "all" (0: the whole split). */
  static final class ParityExamples implements picocli.CommandLine.ITypeConverter<Integer> {
    @Override
    public Integer convert(String value) {
      if (value.equalsIgnoreCase("all")) return 0;
      try {
        int n = Integer.parseInt(value.trim());
        if (n >= 1) return n;
      } catch (NumberFormatException e) {
        // the message below
      }
      throw new picocli.CommandLine.TypeConversionException("'" + value + "' is neither 'all' nor a number of examples >= 1");
    }
  }
}
