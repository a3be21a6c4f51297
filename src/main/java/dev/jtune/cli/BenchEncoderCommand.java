package dev.jtune.cli;

import dev.jtune.model.EncoderBenchmark;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code jtune bench encoder}: imported encoder in TensorFlow vs ONNX Runtime on the original ONNX. */
@Command(name = "encoder", mixinStandardHelpOptions = true,
    description = "Encoder forward throughput (seq/s) of the imported SavedModel in TensorFlow vs ONNX Runtime on the"
        + " original ONNX, same texts and batches (sorted by length, padded per batch); prints JSON.")
public final class BenchEncoderCommand implements Callable<Integer> {

  @Option(names = "--model", defaultValue = "savedmodels/all-minilm-l6-v2", paramLabel = "DIR",
      description = "Encoder SavedModel folder (default: ${DEFAULT-VALUE}).")
  Path model;

  @Option(names = "--onnx", paramLabel = "FILE",
      description = "Original ONNX file (default: savedmodels/.cache/<name>/<name>.onnx as left by make savedmodels).")
  Path onnx;

  @Option(names = "--data", paramLabel = "DIR",
      description = "Prepared dataset folder (e.g. datasets/sotu); default: built-in sample sentences.")
  Path data;

  @Option(names = "--split", defaultValue = "test", description = "Split of --data to read (default: ${DEFAULT-VALUE}).")
  String split;

  @Option(names = "--texts", defaultValue = "2048", description = "At most this many texts (default: ${DEFAULT-VALUE}).")
  int texts;

  @Option(names = "--batch-size", defaultValue = "32", description = "Texts per forward call (default: ${DEFAULT-VALUE}).")
  int batchSize;

  @Option(names = "--max-seq-len", defaultValue = "128", description = "Truncation length in tokens (default: ${DEFAULT-VALUE}).")
  int maxSeqLen;

  @Option(names = "--passes", defaultValue = "5", description = "Timed passes per runtime; the median counts (default: ${DEFAULT-VALUE}).")
  int passes;

  @Option(names = "--threads", defaultValue = "0", description = "Intra-op threads for both runtimes, 0 = all cores (default: ${DEFAULT-VALUE}).")
  int threads;

  @Option(names = "--leak-calls", defaultValue = "500",
      description = "Forward calls between two RSS readings, to show native memory stays flat (default: ${DEFAULT-VALUE}).")
  int leakCalls;

  @Override
  public Integer call() throws Exception {
    Path onnxFile = onnx != null ? onnx : EncoderBenchmark.defaultOnnxFile(model);
    var config = new EncoderBenchmark.Config(model, onnxFile, data, split, texts, batchSize, maxSeqLen, passes, threads, leakCalls);
    System.out.println(EncoderBenchmark.run(config).toJson());
    return 0;
  }
}
