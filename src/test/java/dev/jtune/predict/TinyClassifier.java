package dev.jtune.predict;

import dev.jtune.artifact.ClassifierSpec;
import dev.jtune.artifact.Pooling;
import dev.jtune.data.TinyWordPieceTokenizer;
import dev.jtune.model.BertConfig;
import dev.jtune.model.BertEncoder;
import dev.jtune.model.ClassifierSavedModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.tensorflow.Graph;
import org.tensorflow.Session;

/**
 * A tiny random classifier (2 layers, hidden 32, mean pooling, labels neg/pos) written as a run's
 * {@code model/} by {@link ClassifierSavedModel#write}, with a WordPiece tokenizer over [PAD] [UNK]
 * [CLS] [SEP] [MASK] and the words w5 .. w99.
 */
final class TinyClassifier {
  static final List<String> LABELS = List.of("neg", "pos");
  static final BertConfig CONFIG = BertConfig.tiny(BertConfig.Pooler.MEAN);

  private TinyClassifier() {}

  /** Writes the classifier into {@code model} (a run's model/ folder). */
  static Path write(Path model, int maxSeqLen, long seed) throws IOException {
    Random r = new Random(seed);
    float[] kernel = new float[CONFIG.hiddenSize() * LABELS.size()];
    for (int i = 0; i < kernel.length; i++) kernel[i] = (float) r.nextGaussian();
    float[] bias = {0.25f, -0.25f};
    List<String> vocab = new ArrayList<>(List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"));
    for (int i = vocab.size(); i < CONFIG.vocabSize(); i++) vocab.add("w" + i);
    Path tokenizer = Files.createTempFile("tiny-tokenizer", ".json");
    try (Graph g = new Graph()) {
      Files.writeString(tokenizer, TinyWordPieceTokenizer.json(vocab));
      BertEncoder enc = BertEncoder.build(g, CONFIG, BertEncoder.Options.training(seed));
      try (Session s = new Session(g)) {
        s.initialize();
        ClassifierSavedModel.write(model, CONFIG, enc.readWeights(s), kernel, bias,
            new ClassifierSpec(Pooling.MEAN, 1, LABELS, maxSeqLen), tokenizer);
      }
    } finally {
      Files.delete(tokenizer);
    }
    return model;
  }

  /** A text of {@code words} random words w5 .. w99. */
  static String text(Random r, int words) {
    StringBuilder t = new StringBuilder();
    for (int i = 0; i < words; i++) t.append(i == 0 ? "" : " ").append("w").append(5 + r.nextInt(95));
    return t.toString();
  }
}
