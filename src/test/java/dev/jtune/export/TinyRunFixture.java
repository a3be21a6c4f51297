package dev.jtune.export;

import dev.jtune.artifact.Pooling;
import dev.jtune.artifact.ClassifierSpec;
import dev.jtune.data.TinyWordPieceTokenizer;

import dev.jtune.model.BertConfig;
import dev.jtune.model.BertEncoder;
import dev.jtune.model.ClassifierHead;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/**
 * Writes a run folder in the trained-classifier layout with a tiny random model (2 layers, hidden
 * 32): model/ SavedModel with the encoder variables and the classifier head, plus its assets. The
 * graph is a training-style graph (dropout switch, initializers), like the trainer's.
 */
final class TinyRunFixture {
  static final List<String> LABELS = List.of("ham", "spam", "other");
  static final int MAX_SEQ_LEN = 16;

  private TinyRunFixture() {}

  static Path create(Path runDir, BertConfig.Pooler encoderPooler, String pooling, long seed) throws IOException {
    return create(runDir, encoderPooler, pooling, 1, seed);
  }

  /** A run whose head reads the pooled vectors of the top {@code layers} encoder layers, as the trainer builds it. */
  static Path create(Path runDir, BertConfig.Pooler encoderPooler, String pooling, int layers, long seed) throws IOException {
    BertConfig config = BertConfig.tiny(encoderPooler);
    int features = layers * config.hiddenSize();
    Path model = runDir.resolve("model");
    Files.createDirectories(runDir);
    try (Graph g = new Graph()) {
      BertEncoder enc = BertEncoder.build(g, config, BertEncoder.Options.training(seed));
      Ops tf = Ops.create(g);
      Operand<TFloat32> pooled = ClassifierHead.pooled(enc, Pooling.parse(pooling), layers);
      Random r = new Random(seed);
      float[] k = new float[features * LABELS.size()];
      for (int i = 0; i < k.length; i++) k[i] = (float) (r.nextGaussian() * 0.5);
      float[] b = {0.1f, -0.2f, 0.05f};
      Ops head = tf.withSubScope("classifier");
      Variable<TFloat32> kernel;
      Variable<TFloat32> bias;
      try (TFloat32 kt = TFloat32.tensorOf(Shape.of(features, LABELS.size()), DataBuffers.of(k, true, false));
           TFloat32 bt = TFloat32.tensorOf(Shape.of(LABELS.size()), DataBuffers.of(b, true, false))) {
        kernel = head.withName("kernel").variable(head.withInitScope().constant(kt));
        bias = head.withName("bias").variable(head.withInitScope().constant(bt));
      }
      Operand<TFloat32> logits = tf.withName("logits").nn.biasAdd(tf.linalg.matMul(pooled, kernel), bias);
      Operand<TFloat32> probs = tf.withName("probabilities").nn.softmax(logits);
      try (Session s = new Session(g)) {
        s.initialize();
        Signature sig = Signature.builder().key("serving_default")
            .input("input_word_ids", enc.inputWordIds()).input("input_mask", enc.inputMask()).input("input_type_ids", enc.inputTypeIds())
            .output("logits", logits).output("probabilities", probs).build();
        SavedModelBundle.exporter(model.toString()).withSession(s).withSignature(sig).export();
      }
    }
    Path assets = model.resolve("assets");
    Files.createDirectories(assets);
    config.write(assets.resolve(BertConfig.FILE_NAME));
    Files.writeString(assets.resolve("tokenizer.json"), tinyTokenizerJson(config.vocabSize()));
    Files.write(assets.resolve("labels.txt"), LABELS);
    new ClassifierSpec(Pooling.parse(pooling), layers, LABELS, MAX_SEQ_LEN).write(assets.resolve(ClassifierSpec.FILE_NAME));
    Files.writeString(runDir.resolve("config.json"), "{\"fixture\": true, \"data\": \"" + runDir.resolveSibling("data").toString().replace("\\", "/") + "\"}\n");
    return runDir;
  }

  /** A prepared dataset of random "w.." word texts over the fixture's labels, {@code n} rows per split. */
  static Path dataset(Path dir, int n, long seed) throws IOException {
    Files.createDirectories(dir);
    Files.write(dir.resolve("labels.txt"), LABELS);
    Random r = new Random(seed);
    for (String split : List.of("train", "val", "test")) {
      StringBuilder csv = new StringBuilder("text,label\n");
      for (int i = 0; i < n; i++) {
        int words = 1 + r.nextInt(MAX_SEQ_LEN + 4); // some rows are longer than max_seq_len: truncated
        StringBuilder t = new StringBuilder();
        for (int w = 0; w < words; w++) t.append(w == 0 ? "" : " ").append("w").append(5 + r.nextInt(95));
        csv.append(t).append(',').append(LABELS.get(r.nextInt(LABELS.size()))).append('\n');
      }
      Files.writeString(dir.resolve(split + ".csv"), csv);
    }
    return dir;
  }

  /** A WordPiece tokenizer.json over [PAD] [UNK] [CLS] [SEP] [MASK] and words w5..w{vocab-1}. */
  static String tinyTokenizerJson(int vocab) {
    List<String> words = new ArrayList<>(List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"));
    for (int i = words.size(); i < vocab; i++) words.add("w" + i);
    return TinyWordPieceTokenizer.json(words);
  }

  /** Random token rows: [CLS] w... [SEP] then padding, lengths between 3 and seqLen. */
  static int[][] randomRows(int rows, int seqLen, int vocab, long seed) {
    Random r = new Random(seed);
    int[] ids = new int[rows * seqLen], mask = new int[rows * seqLen], types = new int[rows * seqLen];
    for (int i = 0; i < rows; i++) {
      int len = 3 + r.nextInt(seqLen - 2);
      for (int j = 0; j < len; j++) {
        ids[i * seqLen + j] = j == 0 ? 2 : j == len - 1 ? 3 : 5 + r.nextInt(vocab - 5);
        mask[i * seqLen + j] = 1;
        types[i * seqLen + j] = j > len / 2 ? 1 : 0;
      }
    }
    return new int[][] {ids, mask, types};
  }
}
