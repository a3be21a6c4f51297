package dev.jtune.train;

import dev.jtune.data.TinyWordPieceTokenizer;

import dev.jtune.model.EncoderSavedModel;
import dev.jtune.model.PretrainedEncoder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Folders for end-to-end tests: a WordPiece tokenizer.json whose vocabulary is {@code w4 .. w99}, the
 * tiny random encoder as an encoder SavedModel, and a prepared dataset of the toy task as text.
 */
final class TinyRunFixture {
  private TinyRunFixture() {}

  /** A BERT-style tokenizer.json: [PAD]=0 [UNK]=1 [CLS]=2 [SEP]=3, then word "wN" = id N. */
  static Path tokenizer(Path dir) throws IOException {
    List<String> vocab = new ArrayList<>(List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]"));
    for (int i = 4; i < TinyEncoder.CONFIG.vocabSize(); i++) vocab.add("w" + i);
    Path f = dir.resolve("tokenizer.json");
    Files.createDirectories(dir);
    Files.writeString(f, TinyWordPieceTokenizer.json(vocab));
    return f;
  }

  /** The tiny random encoder as {@code <dir>/tiny-encoder}, in the encoder SavedModel layout. */
  static Path encoder(Path dir) throws IOException {
    Path tok = tokenizer(dir.resolve("tok"));
    Path out = dir.resolve("tiny-encoder");
    EncoderSavedModel.write(out, new PretrainedEncoder(TinyEncoder.CONFIG, TrainerTest.PRETRAINED), tok);
    return out;
  }

  /** The toy task as a prepared dataset: label "marked" iff the text contains w7. */
  static Path dataset(Path dir, int train, int val, int test) throws IOException {
    Path d = dir.resolve("toy");
    Files.createDirectories(d);
    Files.writeString(d.resolve("labels.txt"), "plain\nmarked\n");
    Random r = new Random(3);
    for (var split : List.of(List.of("train", train), List.of("val", val), List.of("test", test))) {
      StringBuilder csv = new StringBuilder("text,label\n");
      for (int i = 0; i < (int) split.get(1); i++) csv.append(toyRow(r)).append('\n');
      Files.writeString(d.resolve(split.get(0) + ".csv"), csv.toString());
    }
    Files.writeString(d.resolve("prepare-report.json"), "{}\n");
    return d;
  }

  static String toyRow(Random r) {
    boolean marked = r.nextBoolean();
    int len = 4 + r.nextInt(14);
    String[] words = new String[len];
    for (int j = 0; j < len; j++) words[j] = "w" + (8 + r.nextInt(92));
    if (marked) for (int k = 0; k < 1 + len / 4; k++) words[r.nextInt(len)] = "w7";
    return String.join(" ", words) + "," + (marked ? "marked" : "plain");
  }
}
