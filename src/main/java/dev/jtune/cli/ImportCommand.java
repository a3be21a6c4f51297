package dev.jtune.cli;

import dev.jtune.io.ArtifactKind;
import dev.jtune.io.OutputFolder;
import dev.jtune.io.ProtectedPaths;
import dev.jtune.model.BertConfig;
import dev.jtune.model.EncoderSavedModel;
import dev.jtune.model.OnnxEncoderImport;
import dev.jtune.model.PretrainedEncoder;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code jtune import}: a pretrained ONNX encoder + its tokenizer.json -> an encoder SavedModel folder. */
@Command(name = "import", mixinStandardHelpOptions = true,
    description = "Import a pretrained BERT-style encoder from ONNX into a TensorFlow SavedModel folder.")
public final class ImportCommand implements Callable<Integer> {

  @Option(names = "--onnx", required = true, paramLabel = "FILE", description = "ONNX encoder file (e.g. a PyTorch BertModel export).")
  Path onnx;

  @Option(names = "--tokenizer", required = true, paramLabel = "FILE", description = "The model's Hugging Face tokenizer.json.")
  Path tokenizer;

  @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output folder, e.g. savedmodels/all-minilm-l6-v2, "
      + "written atomically. An existing folder is replaced only when it is an encoder jtune wrote and holds nothing else; "
      + "others are refused.")
  Path out;

  @Option(names = "--force", description = "Replace the jtune encoder in --out even if it was changed (files you added to it are kept).")
  boolean force;

  @Option(names = "--license", paramLabel = "ID", description = "The weights' licence (e.g. apache-2.0, mit), kept with the encoder; "
      + "runs record it and their model cards show it.")
  String license;

  @Override
  public Integer call() throws Exception {
    // checked before the ONNX file is read: a refused --out costs nothing
    OutputFolder target = OutputFolder.claim(out, ArtifactKind.ENCODER, ProtectedPaths.of(onnx, tokenizer), force, "--out");
    PretrainedEncoder encoder = OnnxEncoderImport.read(onnx);
    if (license != null && !license.matches("[A-Za-z0-9.+-]{1,64}")) {
      throw new dev.jtune.JtuneException("--license '" + license + "': give a licence identifier such as apache-2.0 or mit");
    }
    EncoderSavedModel.write(target, encoder, tokenizer, license);
    BertConfig c = encoder.config();
    System.out.printf("imported %s -> %s: %d layers, hidden %d, %d heads, %.1fM parameters, pooled_output = %s%n",
        onnx, out, c.numHiddenLayers(), c.hiddenSize(), c.numAttentionHeads(), c.parameterCount() / 1e6,
        c.hasDensePooler() ? "dense pooler" : "masked mean");
    return 0;
  }
}
