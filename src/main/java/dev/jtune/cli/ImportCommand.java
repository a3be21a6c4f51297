package dev.jtune.cli;

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

  @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output folder, e.g. savedmodels/all-minilm-l6-v2 (replaced if it exists).")
  Path out;

  @Override
  public Integer call() throws Exception {
    PretrainedEncoder encoder = OnnxEncoderImport.read(onnx);
    EncoderSavedModel.write(out, encoder, tokenizer);
    BertConfig c = encoder.config();
    System.out.printf("imported %s -> %s: %d layers, hidden %d, %d heads, %.1fM parameters, pooled_output = %s%n",
        onnx, out, c.numHiddenLayers(), c.hiddenSize(), c.numAttentionHeads(), c.parameterCount() / 1e6,
        c.hasDensePooler() ? "dense pooler" : "masked mean");
    return 0;
  }
}
