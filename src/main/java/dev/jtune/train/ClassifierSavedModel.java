package dev.jtune.train;

import dev.jtune.artifact.ClassifierSpec;
import dev.jtune.io.AtomicFiles;
import dev.jtune.io.AtomicFolder;
import dev.jtune.artifact.JtuneJson;
import dev.jtune.eval.SavedModelClassifier;
import dev.jtune.model.BertConfig;
import dev.jtune.model.BertEncoder;
import dev.jtune.model.EncoderWeights;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.tensorflow.Graph;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/**
 * Writes the trained classifier as a clean inference SavedModel ({@code runs/<run>/model/}): a fresh
 * graph with the encoder (no dropout) and the head, the trained values copied in, and nothing of
 * training (no optimizer slots, no loss). Signature {@code serving_default}: the three int32 encoder
 * inputs to {@code logits} and {@code probabilities}; assets {@code bert_config.json},
 * {@code tokenizer.json}, {@code labels.txt} and {@code classifier.json}.
 */
public final class ClassifierSavedModel {
  public static final String SIGNATURE_KEY = "serving_default";

  private ClassifierSavedModel() {}

  /** Exports to {@code dir} (built next to it, then renamed into place of the previous one). */
  public static void write(Path dir, BertConfig config, EncoderWeights encoder, float[] kernel, float[] bias,
      ClassifierSpec info, Path tokenizerJson) {
    try {
      AtomicFolder.replaceOwned(dir, tmp -> {
        try (Graph g = new Graph()) {
          BertEncoder enc = BertEncoder.build(g, config, BertEncoder.Options.inference());
          Ops tf = Ops.create(g);
          int features = info.layers() * config.hiddenSize();
          ClassifierHead head = ClassifierHead.build(tf, ClassifierHead.pooled(enc, info.pooling(), info.layers()), features, info.numLabels(), 0);
          Placeholder<TFloat32> kIn = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(features, info.numLabels())));
          Placeholder<TFloat32> bIn = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(info.numLabels())));
          var assignK = tf.assign(head.kernel(), kIn);
          var assignB = tf.assign(head.bias(), bIn);
          try (Session s = new Session(g)) {
            s.initialize();
            enc.assign(s, encoder);
            try (TFloat32 k = TFloat32.tensorOf(Shape.of(features, info.numLabels()), DataBuffers.of(kernel, true, false));
                TFloat32 b = TFloat32.tensorOf(Shape.of(info.numLabels()), DataBuffers.of(bias, true, false))) {
              s.runner().feed(kIn, k).feed(bIn, b).addTarget(assignK).addTarget(assignB).run().close();
            }
            Signature sig = Signature.builder().key(SIGNATURE_KEY)
                .input(BertEncoder.INPUT_WORD_IDS, enc.inputWordIds())
                .input(BertEncoder.INPUT_MASK, enc.inputMask())
                .input(BertEncoder.INPUT_TYPE_IDS, enc.inputTypeIds())
                .output(ClassifierHead.LOGITS, head.logits())
                .output(ClassifierHead.PROBABILITIES, head.probabilities())
                .build();
            SavedModelBundle.exporter(tmp.toString()).withSession(s).withSignature(sig).export();
          }
        }
        Path assets = tmp.resolve("assets");
        Files.createDirectories(assets);
        config.write(assets.resolve(BertConfig.FILE_NAME));
        Files.copy(tokenizerJson, assets.resolve("tokenizer.json"), StandardCopyOption.REPLACE_EXISTING);
        AtomicFiles.writeString(assets.resolve("labels.txt"), String.join("\n", info.labels()) + "\n");
        info.write(assets.resolve(ClassifierSpec.FILE_NAME));
      });
    } catch (IOException e) {
      throw new UncheckedIOException("cannot export classifier to " + dir + ": " + e.getMessage(), e);
    }
  }
}
