package dev.jtune.export;

import dev.jtune.artifact.ClassifierSpec;
import dev.jtune.artifact.Pooling;
import dev.jtune.data.TinyWordPieceTokenizer;
import dev.jtune.model.BertConfig;
import dev.jtune.model.BertEncoder;
import dev.jtune.model.ClassifierSavedModel;
import dev.jtune.model.WideLinear;
import dev.jtune.model.EncoderWeights;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.tensorflow.Graph;
import org.tensorflow.Session;

/**
 * Writes a finished run folder with a tiny random model (2 layers, hidden 32): {@code model/}
 * written by the trainer's own writer ({@link ClassifierSavedModel#write}) from random encoder
 * weights and a random head, so what the exporter reads is exactly what {@code jtune train} hands
 * it; plus a {@code config.json} naming a dataset folder beside the run.
 */
public final class TinyRunFixture {
  public static final List<String> LABELS = List.of("ham", "spam", "other");
  static final int MAX_SEQ_LEN = 16;

  private TinyRunFixture() {}

  public static Path create(Path runDir, BertConfig.Pooler encoderPooler, String pooling, long seed) throws IOException {
    return create(runDir, encoderPooler, pooling, 1, seed);
  }

  /** A run whose head reads the pooled vectors of the top {@code layers} encoder layers, as the trainer builds it. */
  static Path create(Path runDir, BertConfig.Pooler encoderPooler, String pooling, int layers, long seed) throws IOException {
    return create(runDir, encoderPooler, pooling, layers, seed, 0);
  }

  /**
   * A run as above whose head is wide-and-deep when {@code wideBuckets} > 0: its wide table holds
   * random values of the size of the dense logits, so a wrong bigram hash or weighting shows.
   */
  static Path create(Path runDir, BertConfig.Pooler encoderPooler, String pooling, int layers, long seed, int wideBuckets)
      throws IOException {
    BertConfig config = BertConfig.tiny(encoderPooler);
    int features = layers * config.hiddenSize();
    Random r = new Random(seed);
    float[] kernel = new float[features * LABELS.size()];
    for (int i = 0; i < kernel.length; i++) kernel[i] = (float) (r.nextGaussian() * 0.5);
    float[] bias = {0.1f, -0.2f, 0.05f};
    float[] wide = null;
    if (wideBuckets > 0) {
      wide = new float[(int) WideLinear.rows(config.vocabSize(), wideBuckets) * LABELS.size()];
      for (int i = 0; i < wide.length; i++) wide[i] = (float) (r.nextGaussian() * 0.5);
    }
    Files.createDirectories(runDir);
    Path tokenizer = Files.createTempFile("tiny-tokenizer", ".json");
    try {
      Files.writeString(tokenizer, tinyTokenizerJson(config.vocabSize()));
      ClassifierSavedModel.write(runDir.resolve("model"), config, randomEncoder(config, seed), kernel, bias, wide,
          new ClassifierSpec(Pooling.parse(pooling), layers, LABELS, MAX_SEQ_LEN).withWideBuckets(wideBuckets), tokenizer);
    } finally {
      Files.delete(tokenizer);
    }
    Files.writeString(runDir.resolve("config.json"), "{\"fixture\": true, \"data\": \"" + runDir.resolveSibling("data").toString().replace("\\", "/") + "\"}\n");
    return runDir;
  }

  /** The encoder's initial values for {@code seed}: random, but the same on every call. */
  static EncoderWeights randomEncoder(BertConfig config, long seed) {
    try (Graph g = new Graph()) {
      BertEncoder enc = BertEncoder.build(g, config, BertEncoder.Options.training(seed));
      try (Session s = new Session(g)) {
        s.initialize();
        return enc.readWeights(s);
      }
    }
  }

  /** A prepared dataset of random "w.." word texts over the fixture's labels, {@code n} rows per split. */
  public static Path dataset(Path dir, int n, long seed) throws IOException {
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
